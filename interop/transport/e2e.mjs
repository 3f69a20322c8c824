// Drives the official @nmshd/transport 7.0.0 against a Backbone and checks what a user would see:
// identities, templates (plain and password-protected), a token carrying a template reference,
// relationship request/accept/reject/revoke, messages both ways with an attachment, file
// upload/download, sync on both sides, and terminate/reactivate/decompose.
//
// Usage: node interop/transport/e2e.mjs <backboneBaseUrl>
// Prints one line `RESULT <json>` on success and exits 0; prints `FAILED <message>` and exits 1
// otherwise. Platform client: BACKBONE_CLIENT_ID / BACKBONE_CLIENT_SECRET (default test/test).

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { officialTransport } from "./identity.mjs";

const require = createRequire(import.meta.url);
const transportLib = require("@nmshd/transport");
const { LokiJsConnection } = require("@js-soft/docdb-access-loki");
const { CoreDate } = require("@nmshd/core-types");
const { CoreBuffer } = require("@nmshd/crypto");
const { JSONWrapper } = require("@js-soft/ts-serval");

const {
    AccountController,
    TokenContentRelationshipTemplate,
    RelationshipStatus
} = transportLib;

const baseUrl = process.argv[2] ?? process.env.BACKBONE_URL;
if (!baseUrl) {
    console.error("FAILED usage: node e2e.mjs <backboneBaseUrl>");
    process.exit(1);
}

const steps = [];
function step(name) {
    steps.push(name);
}

function content(value) {
    return JSONWrapper.from(value);
}

function inMinutes(minutes) {
    return CoreDate.utc().add({ minutes });
}

async function main() {
    const transport = await officialTransport(baseUrl);
    const connection = LokiJsConnection.inMemory();

    async function account(name) {
        const db = await connection.getDatabase(name);
        const controller = new AccountController(transport, db, transport.config);
        await controller.init();
        return controller;
    }

    async function relationshipWith(self, peer) {
        return await self.relationships.getRelationshipToIdentity(peer.identity.address);
    }

    const a = await account("a");
    const b = await account("b");
    const c = await account("c");
    const d = await account("d");
    const addresses = [a, b, c, d].map((x) => x.identity.address.toString());
    assert.equal(new Set(addresses).size, 4, "every identity has its own address");
    for (const address of addresses) assert.match(address, /^did:e:localhost:dids:[0-9a-f]{22}$/);
    step("identities");

    // A template limited to one allocation, shared through a token.
    const template = await a.relationshipTemplates.sendRelationshipTemplate({
        content: content({ mycontent: "template" }),
        expiresAt: inMinutes(10),
        maxNumberOfAllocations: 1
    });
    const token = await a.tokens.sendToken({
        content: TokenContentRelationshipTemplate.from({ templateId: template.id, secretKey: template.secretKey }),
        expiresAt: inMinutes(10),
        ephemeral: false
    });
    step("template+token");

    const peerToken = await b.tokens.loadPeerTokenByReference(token.toTokenReference(baseUrl), true);
    assert.ok(peerToken.content instanceof TokenContentRelationshipTemplate, "token carries the template reference");
    const templateForB = await b.relationshipTemplates.loadPeerRelationshipTemplateByTokenContent(peerToken.content);
    assert.equal(templateForB.id.toString(), template.id.toString());
    assert.deepEqual(templateForB.content.toJSON(), { mycontent: "template" });
    step("load template via token");

    // The single allocation is used up: C cannot read the template any more.
    await assert.rejects(
        c.relationshipTemplates.loadPeerRelationshipTemplateByReference(template.toRelationshipTemplateReference(baseUrl)),
        "an exhausted template cannot be loaded"
    );
    step("allocation exhausted");

    // Request and accept.
    const requestFromB = await b.relationships.sendRelationship({ template: templateForB, creationContent: content({ mycontent: "request" }) });
    assert.equal(requestFromB.status, RelationshipStatus.Pending);
    const syncA1 = await a.syncEverything();
    assert.equal(syncA1.relationships.length, 1, "A learns about the request");
    const pendingAtA = syncA1.relationships[0];
    assert.equal(pendingAtA.status, RelationshipStatus.Pending);
    await a.relationships.accept(pendingAtA.id);
    await b.syncEverything();
    assert.equal((await relationshipWith(b, a)).status, RelationshipStatus.Active);
    step("request+accept");

    // B uploads a file and sends it to A; A replies; both sync.
    const fileText = "hello file from the interop test";
    const file = await b.files.sendFile({
        buffer: CoreBuffer.fromUtf8(fileText),
        title: "Test",
        filename: "Test.txt",
        mimetype: "text/plain",
        expiresAt: inMinutes(10)
    });
    await b.messages.sendMessage({ recipients: [a.identity.address], content: content({ text: "hello A" }), attachments: [file] });
    const syncA2 = await a.syncEverything();
    assert.equal(syncA2.messages.length, 1, "A receives B's message");
    const received = syncA2.messages[0];
    assert.deepEqual(received.content.toJSON(), { text: "hello A" });
    assert.equal(received.attachments.length, 1);
    const downloaded = await a.files.downloadFileContent(received.attachments[0]);
    assert.equal(downloaded.toUtf8(), fileText);
    step("message with attachment to A, file download");

    await a.messages.sendMessage({ recipients: [b.identity.address], content: content({ text: "hello B" }) });
    const syncB1 = await b.syncEverything();
    // The same sync also brings the receipt of B's own message (MessageDelivered), which the
    // official transport applies to that message: only A's reply is new from A.
    const fromA = syncB1.messages.filter((m) => m.createdBy.equals(a.identity.address));
    assert.equal(fromA.length, 1, "B receives A's reply");
    assert.deepEqual(fromA[0].content.toJSON(), { text: "hello B" });
    const ownDelivered = syncB1.messages.filter((m) => m.isOwn);
    assert.ok(ownDelivered.every((m) => m.recipients[0].receivedAt), "B's own message carries A's receipt");
    step("message to B");

    // A password-protected template without allocation limit; C rejects nothing, A rejects C.
    const protectedTemplate = await a.relationshipTemplates.sendRelationshipTemplate({
        content: content({ mycontent: "protected" }),
        expiresAt: inMinutes(10),
        passwordProtection: { password: "s3cret", passwordType: "pw" }
    });
    const protectedReference = protectedTemplate.toRelationshipTemplateReference(baseUrl);
    await assert.rejects(
        c.relationshipTemplates.loadPeerRelationshipTemplateByReference(protectedReference, "wrong"),
        "a wrong password does not load the template"
    );
    const protectedForC = await c.relationshipTemplates.loadPeerRelationshipTemplateByReference(protectedReference, "s3cret");
    assert.equal(protectedForC.id.toString(), protectedTemplate.id.toString());
    step("password-protected template");

    await c.relationships.sendRelationship({ template: protectedForC, creationContent: content({ mycontent: "request from C" }) });
    const syncA3 = await a.syncEverything();
    assert.equal(syncA3.relationships.length, 1);
    await a.relationships.reject(syncA3.relationships[0].id);
    await c.syncEverything();
    assert.equal((await relationshipWith(c, a)).status, RelationshipStatus.Rejected);
    step("reject");

    // D requests through the protected template and takes the request back.
    const protectedForD = await d.relationshipTemplates.loadPeerRelationshipTemplateByReference(protectedReference, "s3cret");
    const requestFromD = await d.relationships.sendRelationship({ template: protectedForD, creationContent: content({ mycontent: "request from D" }) });
    await a.syncEverything();
    await d.relationships.revoke(requestFromD.id);
    await a.syncEverything();
    assert.equal((await relationshipWith(a, d)).status, RelationshipStatus.Revoked);
    step("revoke");

    // Terminate, reactivate (request + accept), terminate again, decompose on both sides.
    const ab = await relationshipWith(a, b);
    await a.relationships.terminate(ab.id);
    await b.syncEverything();
    assert.equal((await relationshipWith(b, a)).status, RelationshipStatus.Terminated);
    await b.relationships.requestReactivation(ab.id);
    await a.syncEverything();
    await a.relationships.acceptReactivation(ab.id);
    await b.syncEverything();
    assert.equal((await relationshipWith(b, a)).status, RelationshipStatus.Active);
    assert.equal((await relationshipWith(a, b)).status, RelationshipStatus.Active);
    step("terminate+reactivate");

    await a.relationships.terminate(ab.id);
    await b.syncEverything();
    await a.relationships.decompose(ab.id);
    await b.syncEverything();
    assert.equal((await relationshipWith(b, a)).status, RelationshipStatus.DeletionProposed);
    await b.relationships.decompose(ab.id);
    assert.equal(await relationshipWith(a, b), undefined, "A has forgotten the decomposed relationship");
    assert.equal(await relationshipWith(b, a), undefined, "B has forgotten the decomposed relationship");
    step("decompose");

    // Nothing is left to sync on any side.
    for (const x of [a, b, c, d]) {
        const rest = await x.syncEverything();
        assert.equal(rest.relationships.length + rest.messages.length, 0);
    }
    step("final sync");

    for (const x of [a, b, c, d]) await x.close();
    return { ok: true, addresses, steps, downloadedFile: downloaded.toUtf8() };
}

main().then(
    (result) => {
        console.log(`RESULT ${JSON.stringify(result)}`);
        process.exit(0);
    },
    (error) => {
        console.log(`FAILED after steps [${steps.join(", ")}]: ${error?.stack ?? error}`);
        process.exit(1);
    }
);
