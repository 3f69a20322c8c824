// The official @nmshd/transport 7.0.0 as templator, our Connector as requestor: creates a
// template and a token for it, prints the token's references, accepts the Connector's
// relationship request, reads the Connector's message and downloads its attachment, then
// answers with a message carrying a file of its own.
//
// Usage: node interop/transport/templator.mjs <backboneBaseUrl>
// Prints `ADDRESS <address>`, `TOKEN <truncatedReference> <urlReference>`, then `RESULT <json>`
// and exits 0 on success; prints `FAILED <message>` and exits 1 otherwise.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { newIdentity, until } from "./identity.mjs";

const require = createRequire(import.meta.url);
const { TokenContentRelationshipTemplate, RelationshipStatus } = require("@nmshd/transport");
const { CoreDate } = require("@nmshd/core-types");
const { CoreBuffer } = require("@nmshd/crypto");
const { JSONWrapper } = require("@js-soft/ts-serval");

const [baseUrl] = process.argv.slice(2);
if (!baseUrl) {
    console.log("FAILED usage: node templator.mjs <backboneBaseUrl>");
    process.exit(1);
}

const CONNECTOR_FILE_TEXT = "a file from the Connector";
const OWN_FILE_TEXT = "a file from the official transport";

async function main() {
    const me = await newIdentity(baseUrl, "templator");

    const template = await me.relationshipTemplates.sendRelationshipTemplate({
        content: JSONWrapper.from({ from: "official transport" }),
        expiresAt: CoreDate.utc().add({ minutes: 10 })
    });
    const token = await me.tokens.sendToken({
        content: TokenContentRelationshipTemplate.from({ templateId: template.id, secretKey: template.secretKey }),
        expiresAt: CoreDate.utc().add({ minutes: 10 }),
        ephemeral: false
    });
    const reference = token.toTokenReference(baseUrl);
    console.log(`TOKEN ${reference.truncate()} ${reference.toUrl()}`);

    const request = await until("the Connector's relationship request", async () => {
        const sync = await me.syncEverything();
        return sync.relationships.find((r) => r.status === RelationshipStatus.Pending);
    });
    assert.equal(request.templateId.toString(), template.id.toString());
    const creationContent = request.creationContent.toJSON();
    assert.equal(creationContent["@type"], "ArbitraryRelationshipCreationContent");
    assert.equal(creationContent.value.from, "connector");
    const connector = request.peer.address;
    await me.relationships.accept(request.id);

    const message = await until("the Connector's message", async () => {
        const sync = await me.syncEverything();
        return sync.messages.find((m) => m.createdBy.toString() === connector.toString());
    });
    const messageContent = message.content.toJSON();
    assert.equal(message.attachments.length, 1, "the Connector's message carries one attachment");
    const attachment = await me.files.downloadFileContent(message.attachments[0]);
    assert.equal(attachment.toUtf8(), CONNECTOR_FILE_TEXT);
    const attachmentMeta = await me.files.getFile(message.attachments[0]);

    const file = await me.files.sendFile({
        buffer: CoreBuffer.fromUtf8(OWN_FILE_TEXT),
        title: "Reply",
        filename: "reply.txt",
        mimetype: "text/plain",
        expiresAt: CoreDate.utc().add({ minutes: 10 })
    });
    const reply = await me.messages.sendMessage({
        recipients: [connector],
        content: JSONWrapper.from({ text: "hello Connector", answering: message.id.toString() }),
        attachments: [file]
    });
    await me.close();
    return {
        creationContent,
        messageContent,
        attachmentText: attachment.toUtf8(),
        attachmentFilename: attachmentMeta.filename,
        replyId: reply.id.toString(),
        replyFileId: file.id.toString(),
        replyFileText: OWN_FILE_TEXT
    };
}

main().then(
    (result) => {
        console.log(`RESULT ${JSON.stringify(result)}`);
        process.exit(0);
    },
    (error) => {
        console.log(`FAILED ${error?.stack ?? error}`);
        process.exit(1);
    }
);
