// The official @nmshd/connector-sdk 6.7.0, written for Connector 6 and its `/api/v2` routes,
// driving two of our Connectors on one Backbone: a relationship (template, token, the peer
// loads it, requests, the templator accepts), a message with an attachment both ways of
// syncing, and the file downloaded by both sides.
//
// Usage: node interop/connector-sdk/connector6.mjs <templatorBaseUrl> <requestorBaseUrl> <apiKey>
// Prints `RESULT <json>` and exits 0 on success; prints `FAILED <message>` and exits 1 otherwise.

import assert from "node:assert/strict";
import sdk from "@nmshd/connector-sdk";

const { ConnectorClient } = sdk;

const [templatorUrl, requestorUrl, apiKey] = process.argv.slice(2);
if (!templatorUrl || !requestorUrl || !apiKey) {
    console.log("FAILED usage: node connector6.mjs <templatorBaseUrl> <requestorBaseUrl> <apiKey>");
    process.exit(1);
}

/// The result of an SDK call, or a failure naming the call and the Connector's error.
function ok(what, response) {
    if (response.isError) {
        throw new Error(`${what}: ${JSON.stringify(response.error)}`);
    }
    return response.result;
}

async function until(what, check) {
    for (let i = 0; i < 100; i++) {
        const value = await check();
        if (value) return value;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
}

const inMinutes = (m) => new Date(Date.now() + m * 60_000).toISOString();

async function main() {
    const templator = ConnectorClient.create({ baseUrl: templatorUrl, apiKey });
    const requestor = ConnectorClient.create({ baseUrl: requestorUrl, apiKey });
    const templatorAddress = ok("templator IdentityInfo", await templator.account.getIdentityInfo()).address;
    const requestorAddress = ok("requestor IdentityInfo", await requestor.account.getIdentityInfo()).address;

    // The relationship.
    const template = ok(
        "create template",
        await templator.relationshipTemplates.createOwnRelationshipTemplate({
            content: { "@type": "ArbitraryRelationshipTemplateContent", value: { from: "connector-sdk 6.7.0" } },
            expiresAt: inMinutes(30)
        })
    );
    const token = ok("template token", await templator.relationshipTemplates.createTokenForOwnRelationshipTemplate(template.id));
    // Connector 7 DTOs carry `reference: {truncated, url}` where Connector 6 had
    // `truncatedReference`; the SDK passes the JSON through unchanged.
    const reference = token.reference?.truncated;
    assert.ok(reference, `a token reference: ${JSON.stringify(token)}`);
    const loaded = ok("load template", await requestor.relationshipTemplates.loadPeerRelationshipTemplate({ reference }));
    assert.equal(loaded.id, template.id);
    assert.equal(loaded.createdBy, templatorAddress);
    const canCreate = ok("can create", await requestor.relationships.canCreateRelationship({ templateId: template.id }));
    assert.equal(canCreate.isSuccess, true, JSON.stringify(canCreate));
    const requested = ok(
        "create relationship",
        await requestor.relationships.createRelationship({
            templateId: template.id,
            creationContent: { "@type": "ArbitraryRelationshipCreationContent", value: { from: "requestor" } }
        })
    );
    assert.equal(requested.status, "Pending");

    ok("templator sync", await templator.account.sync());
    const pending = ok("pending relationship", await templator.relationships.getRelationship(requested.id));
    assert.equal(pending.status, "Pending");
    assert.equal(pending.peer, requestorAddress);
    const accepted = ok("accept", await templator.relationships.acceptRelationship(requested.id));
    assert.equal(accepted.status, "Active");
    ok("requestor sync", await requestor.account.sync());
    const active = ok("active relationship", await requestor.relationships.getRelationship(requested.id));
    assert.equal(active.status, "Active");
    const listed = ok("list relationships", await requestor.relationships.getRelationships({ status: "Active" }));
    assert.ok(
        listed.some((r) => r.id === requested.id),
        JSON.stringify(listed)
    );

    // A file, uploaded as multipart by the SDK.
    const bytes = Buffer.from("bytes from the Connector 6 SDK \u00e4\u00f6\u00fc", "utf8");
    const file = ok(
        "upload",
        await templator.files.uploadOwnFile({
            title: "sdk file",
            description: "uploaded through /api/v2",
            expiresAt: inMinutes(60),
            file: bytes,
            filename: "sdk.txt"
        })
    );
    assert.equal(file.filename, "sdk.txt");
    assert.equal(file.filesize, bytes.length);
    const own = Buffer.from(ok("download own file", await templator.files.downloadFile(file.id)));
    assert.deepEqual(own, bytes);

    // A message with the file attached, received on the other side after its sync.
    const sent = ok(
        "send message",
        await templator.messages.sendMessage({
            recipients: [requestorAddress],
            content: { "@type": "Mail", to: [requestorAddress], subject: "from the SDK", body: "hello over /api/v2" },
            attachments: [file.id]
        })
    );
    const received = await until("the message at the requestor", async () => {
        ok("requestor sync", await requestor.account.sync());
        const messages = ok("list messages", await requestor.messages.getMessages({ createdBy: templatorAddress }));
        return messages.find((m) => m.id === sent.id);
    });
    assert.equal(received.content.subject, "from the SDK");
    assert.equal(received.content.body, "hello over /api/v2");
    const message = ok("get message", await requestor.messages.getMessage(sent.id));
    assert.equal(message.attachments.length, 1);
    const attachmentId = message.attachments[0].id ?? message.attachments[0];
    const attachment = ok("attachment metadata", await requestor.messages.getAttachment(sent.id, attachmentId));
    assert.equal(attachment.filename, "sdk.txt");
    const downloaded = Buffer.from(ok("download attachment", await requestor.messages.downloadAttachment(sent.id, attachmentId)));
    assert.deepEqual(downloaded, bytes);

    // An error arrives in the official envelope the SDK unpacks.
    const missing = await requestor.messages.getMessage("MSGnotthere000000000");
    assert.ok(missing.isError);
    assert.equal(missing.error.code, "error.runtime.recordNotFound");

    console.log(
        "RESULT " +
            JSON.stringify({
                relationship: active.id,
                relationshipStatus: active.status,
                message: message.id,
                file: file.id,
                downloadedBytes: downloaded.length,
                tokenHasTruncatedReference: "truncatedReference" in token,
                missingMessageError: missing.error.code
            })
    );
}

main().catch((e) => {
    console.log(`FAILED ${e.stack ?? e}`.replaceAll("\n", " | "));
    process.exit(1);
});
