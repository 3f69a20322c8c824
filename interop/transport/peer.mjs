// The official @nmshd/transport 7.0.0 as one side of a relationship with our Connector:
// loads the Connector's template by its truncated reference, requests a relationship, waits
// until the Connector accepts, sends a message, then waits for the Connector's reply.
//
// Usage: node interop/transport/peer.mjs <backboneBaseUrl> <truncatedTemplateReference>
// Prints `RESULT <json>` and exits 0 on success; prints `FAILED <message>` and exits 1 otherwise.

import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Transport, AccountController, RelationshipTemplateReference, RelationshipStatus } = require("@nmshd/transport");
const { LokiJsConnection } = require("@js-soft/docdb-access-loki");
const { SimpleLoggerFactory } = require("@js-soft/simple-logger");
const { EventEmitter2EventBus } = require("@js-soft/ts-utils");
const { JSONWrapper } = require("@js-soft/ts-serval");

const [baseUrl, reference] = process.argv.slice(2);
if (!baseUrl || !reference) {
    console.log("FAILED usage: node peer.mjs <backboneBaseUrl> <truncatedTemplateReference>");
    process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, check) {
    for (let i = 0; i < 120; i++) {
        const value = await check();
        if (value) return value;
        await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}`);
}

async function main() {
    const transport = new Transport(
        {
            baseUrl,
            platformClientId: process.env.BACKBONE_CLIENT_ID ?? "test",
            platformClientSecret: process.env.BACKBONE_CLIENT_SECRET ?? "test",
            supportedIdentityVersion: 1,
            addressGenerationHostnameOverride: "localhost",
            datawalletEnabled: false
        },
        new EventEmitter2EventBus((error) => console.error("event bus error", error)),
        new SimpleLoggerFactory(5)
    );
    await transport.init();
    const db = await LokiJsConnection.inMemory().getDatabase("peer");
    const me = new AccountController(transport, db, transport.config);
    await me.init();
    console.log(`ADDRESS ${me.identity.address.toString()}`);

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
    assert.equal(replyContent.text, "hello official transport");
    console.log(`RESULT ${JSON.stringify({ templateContent, replyContent, relationshipId: relationship.id.toString() })}`);
}

main().then(
    () => process.exit(0),
    (error) => {
        console.log(`FAILED ${error?.stack ?? error}`);
        process.exit(1);
    }
);
