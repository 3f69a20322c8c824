// A client for our REST API, typed by nothing but the API document: `run.mjs` generates
// `generated/api.d.ts` from a running Connector's `/docs/json` with openapi-typescript and
// compiles this file against it, so a route, parameter or field used here that the document
// does not describe fails the compile before anything runs. openapi-fetch sends the calls.

import createClient from "openapi-fetch";
import type { paths } from "./generated/api.js";

export async function run(baseUrl: string, apiKey: string) {
    const client = createClient<paths>({ baseUrl, headers: { "X-API-KEY": apiKey } });

    const info = await client.GET("/api/core/v1/Account/IdentityInfo");
    if (!info.data) throw new Error(`IdentityInfo: ${info.response.status} ${JSON.stringify(info.error)}`);
    const address: string = info.data.result.address;

    const expiresAt = new Date(Date.now() + 30 * 60_000).toISOString();
    const created = await client.POST("/api/core/v1/RelationshipTemplates/Own", {
        body: {
            content: { "@type": "ArbitraryRelationshipTemplateContent", value: { from: "generated client" } },
            expiresAt,
            maxNumberOfAllocations: 2
        }
    });
    if (!created.data) throw new Error(`create template: ${created.response.status} ${JSON.stringify(created.error)}`);
    const template = created.data.result;

    const own = await client.GET("/api/core/v1/RelationshipTemplates/Own");
    if (!own.data) throw new Error(`own templates: ${own.response.status} ${JSON.stringify(own.error)}`);

    const messages = await client.GET("/api/core/v1/Messages", { params: { query: { createdBy: address } } });
    if (!messages.data) throw new Error(`messages: ${messages.response.status} ${JSON.stringify(messages.error)}`);

    const missing = await client.GET("/api/core/v1/Messages/{id}", { params: { path: { id: "MSGnotthere000000000" } } });

    return {
        address,
        templateId: template.id,
        templateCreatedBy: template.createdBy,
        templateMaxAllocations: template.maxNumberOfAllocations,
        ownTemplates: own.data.result.map((t) => t.id),
        messages: messages.data.result.length,
        missingStatus: missing.response.status,
        missingError: missing.error
    };
}
