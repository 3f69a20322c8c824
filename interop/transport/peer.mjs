// The official @nmshd/transport 7.0.0 as one side of a relationship with our Connector:
// loads the Connector's template by its truncated reference, requests a relationship, waits
// until the Connector accepts, sends a message, then waits for the Connector's reply.
//
// Usage: node interop/transport/peer.mjs <backboneBaseUrl> <truncatedTemplateReference>
// Prints `RESULT <json>` and exits 0 on success; prints `FAILED <message>` and exits 1 otherwise.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { newIdentity, until } from "./identity.mjs";

const require = createRequire(import.meta.url);
const { RelationshipTemplateReference, RelationshipStatus } = require("@nmshd/transport");
const { JSONWrapper } = require("@js-soft/ts-serval");

const [baseUrl, reference] = process.argv.slice(2);
if (!baseUrl || !reference) {
    console.log("FAILED usage: node peer.mjs <backboneBaseUrl> <truncatedTemplateReference>");
    process.exit(1);
}

async function main() {
    const me = await newIdentity(baseUrl, "peer");

    const template = await me.relationshipTemplates.loadPeerRelationshipTemplateByReference(RelationshipTemplateReference.from(reference));
    const templateContent = template.content.toJSON();
    const relationship = await me.relationships.sendRelationship({
        template,
        creationContent: JSONWrapper.from({ from: "official transport" })
    });
    await until("the Connector to accept", async () => {
        await me.syncEverything();
        const current = await me.relationships.getRelationship(relationship.id);
        return current.status === RelationshipStatus.Active;
    });
    await me.messages.sendMessage({
        recipients: [template.createdBy],
        content: JSONWrapper.from({ text: "hello Connector" })
    });
    const reply = await until("the Connector's reply", async () => {
        const sync = await me.syncEverything();
        return sync.messages.find((m) => m.createdBy.toString() === template.createdBy.toString());
    });
    const replyContent = reply.content.toJSON();
    assert.equal(replyContent.value.text, "hello official transport");
    console.log(`RESULT ${JSON.stringify({ templateContent, replyContent, relationshipId: relationship.id.toString() })}`);
}

main().then(
    () => process.exit(0),
    (error) => {
        console.log(`FAILED ${error?.stack ?? error}`);
        process.exit(1);
    }
);
