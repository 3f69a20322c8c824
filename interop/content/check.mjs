//! Runs JSON content through the official `@nmshd/content` 7.0.0 classes, so Rust tests can
//! compare our parser and serialiser with the library the runtime uses.
//!
//! Usage: node check.mjs [samples.json]   (stdin without an argument)
//!   Input:  [{ "value": <JSON>, "type"?: "GivenName" }]  (no type: `Serializable.fromUnknown`,
//!           as the runtime parses contents; a type: that class's `from()`)
//!   Output: [{ "ok": true, "json": <toJSON()> } | { "ok": false, "error": { "name", "message" } }]
//! Usage: node check.mjs --examples
//!   Output: [{ "name", "json" }]: contents the official library builds itself (with its own
//!   shorthands, e.g. `GivenName.from("Alice")`), serialised with `toJSON()`.
//! Exit code 0 when the samples were judged, whatever the verdicts; 2 when it could not run.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function fail(message) {
    process.stderr.write(`content check: ${message}\n`);
    process.exit(2);
}

let content, Serializable;
try {
    content = require("@nmshd/content");
    // serval and crypto as @nmshd/content itself resolves them: the very instances whose class
    // registry and libsodium it uses.
    const fromContent = createRequire(require.resolve("@nmshd/content"));
    ({ Serializable } = fromContent("@js-soft/ts-serval"));
    // File references decode base64 through libsodium, which loads asynchronously.
    await fromContent("@nmshd/crypto").SodiumWrapper.ready();
} catch (e) {
    fail(`@nmshd/content did not load (run npm ci in interop/): ${e.message}`);
}

/** The runtime sees JSON, never class instances: a round trip through text keeps it honest. */
const asJson = (object) => JSON.parse(JSON.stringify(object.toJSON()));

function judge(sample) {
    try {
        let parsed;
        if (sample.type) {
            const cls = content[sample.type];
            if (typeof cls?.from !== "function") fail(`no content class ${sample.type}`);
            parsed = cls.from(sample.value);
        } else {
            parsed = Serializable.fromUnknown(sample.value);
        }
        return { ok: true, json: asJson(parsed) };
    } catch (e) {
        return { ok: false, error: { name: e?.constructor?.name ?? "Error", message: String(e?.message ?? e) } };
    }
}

const ADDRESS = "did:e:localhost:dids:0123456789abcdef012345";
const OTHER = "did:e:localhost:dids:fedcba9876543210fedcba";
const FILE_REFERENCE = Buffer.from(`FILaaaaaaaaaaaaaaaaa@https://backbone.example|3|${Buffer.alloc(32, 7).toString("base64url")}||`).toString("base64url");

/** One example per value type, built from the shapes a developer would pass to `from()`. */
function valueExamples(c) {
    return {
        Affiliation: c.Affiliation.from({ organization: "Org", role: "Dev", unit: "R&D" }),
        BirthDate: c.BirthDate.from({ day: 29, month: 2, year: 2000 }),
        BirthName: c.BirthName.from("Born"),
        BirthPlace: c.BirthPlace.from({ city: "Aachen", country: "DE", state: "NRW" }),
        Citizenship: c.Citizenship.from("DE"),
        CommunicationLanguage: c.CommunicationLanguage.from("de"),
        DeliveryBoxAddress: c.DeliveryBoxAddress.from({ recipient: "R", userId: "u1", deliveryBoxId: "b1", zipCode: "52062", city: "Aachen", country: "DE", phoneNumber: "+49 123", state: "NRW" }),
        DisplayName: c.DisplayName.from("Display"),
        EMailAddress: c.EMailAddress.from("alice@example.com"),
        FaxNumber: c.FaxNumber.from("+49 (0) 123-456"),
        GivenName: c.GivenName.from("Alice"),
        HonorificPrefix: c.HonorificPrefix.from("Dr."),
        HonorificSuffix: c.HonorificSuffix.from("PhD"),
        IdentityFileReference: c.IdentityFileReference.from(FILE_REFERENCE),
        JobTitle: c.JobTitle.from("Engineer"),
        Nationality: c.Nationality.from("FR"),
        MiddleName: c.MiddleName.from("M"),
        PhoneNumber: c.PhoneNumber.from("0049 1234 #5"),
        PostOfficeBoxAddress: c.PostOfficeBoxAddress.from({ recipient: "R", boxId: "42", zipCode: "52062", city: "Aachen", country: "AT" }),
        Pseudonym: c.Pseudonym.from("Nick"),
        Sex: c.Sex.from("intersex"),
        StreetAddress: c.StreetAddress.from({ recipient: "R", street: "Main", houseNo: "1a", zipCode: "52062", city: "Aachen", country: "DE" }),
        Surname: c.Surname.from("Smith"),
        Website: c.Website.from("https://www.example.com/path?q=1"),
        SchematizedXML: c.SchematizedXML.from({ value: "<a/>", schemaURL: "https://example.com/schema.xsd" }),
        ProprietaryBoolean: c.ProprietaryBoolean.from({ title: "t", value: true }),
        ProprietaryCountry: c.ProprietaryCountry.from({ title: "t", value: "CH", description: "d" }),
        ProprietaryEMailAddress: c.ProprietaryEMailAddress.from({ title: "t", value: "x@y.de" }),
        ProprietaryFileReference: c.ProprietaryFileReference.from({ title: "t", value: FILE_REFERENCE }),
        ProprietaryFloat: c.ProprietaryFloat.from({ title: "t", value: 2.5, valueHintsOverride: { min: 0, max: 10.5 } }),
        ProprietaryHEXColor: c.ProprietaryHEXColor.from({ title: "t", value: "#aBc" }),
        ProprietaryInteger: c.ProprietaryInteger.from({ title: "t", value: 5, valueHintsOverride: { min: 1, max: 10, editHelp: "h", values: [{ key: 5, displayName: "five" }], defaultValue: 5 } }),
        ProprietaryLanguage: c.ProprietaryLanguage.from({ title: "t", value: "en" }),
        ProprietaryPhoneNumber: c.ProprietaryPhoneNumber.from({ title: "t", value: "+1 555" }),
        ProprietaryString: c.ProprietaryString.from({ title: "t", value: "v", valueHintsOverride: { pattern: "^v$", propertyHints: { value: { max: 3 } } } }),
        ProprietaryURL: c.ProprietaryURL.from({ title: "t", value: "example.org" }),
        ProprietaryJSON: c.ProprietaryJSON.from({ title: "t", value: { a: [1, "b", null, { c: true }] } }),
        ProprietaryXML: c.ProprietaryXML.from({ title: "t", value: "<x/>", schemaURL: "http://example.com/x.xsd" }),
        Consent: c.Consent.from({ consent: "I agree", link: "https://example.com/terms", linkDisplayText: "Terms" })
    };
}

function examples() {
    const c = content;
    const out = [];
    const add = (name, object) => out.push({ name, json: asJson(object) });
    const identity = (value) => c.IdentityAttribute.from({ owner: ADDRESS, value, tags: ["x:a"] });
    const relationship = (value) => c.RelationshipAttribute.from({ owner: ADDRESS, key: "k", confidentiality: "protected", value });
    for (const [name, value] of Object.entries(valueExamples(c))) {
        const isIdentity = c.AttributeValues.Identity.TYPE_NAMES.includes(name);
        add(`attribute with ${name}`, isIdentity ? identity(value) : relationship(value));
    }
    const surname = () => identity(c.Surname.from("S")).toJSON();
    const proprietary = () => relationship({ "@type": "ProprietaryString", title: "t", value: "v" }).toJSON();
    const queries = {
        IdentityAttributeQuery: { "@type": "IdentityAttributeQuery", valueType: "Surname", tags: ["x:a"] },
        RelationshipAttributeQuery: {
            "@type": "RelationshipAttributeQuery",
            key: "k",
            owner: "",
            attributeCreationHints: { title: "t", valueType: "ProprietaryInteger", confidentiality: "public", description: "d", valueHints: { min: 1 } }
        },
        ThirdPartyRelationshipAttributeQuery: { "@type": "ThirdPartyRelationshipAttributeQuery", key: "k", owner: "thirdParty", thirdParty: OTHER },
        IQLQuery: { "@type": "IQLQuery", queryString: "GivenName && #x:a", attributeCreationHints: { valueType: "GivenName", tags: ["x:a"] } }
    };
    const settings = [
        { "@type": "StringFormFieldSettings", allowNewlines: true, min: 1, max: 10 },
        { "@type": "IntegerFormFieldSettings", unit: "kg", min: -1, max: 10 },
        { "@type": "DoubleFormFieldSettings", unit: "m", min: 0.5, max: 1.5 },
        { "@type": "BooleanFormFieldSettings" },
        { "@type": "DateFormFieldSettings" },
        { "@type": "RatingFormFieldSettings", maxRating: 7 },
        { "@type": "SelectionFormFieldSettings", options: ["a", "b"], allowMultipleSelection: true }
    ];
    const requestItems = [
        ...Object.values(queries).map((query) => ({ "@type": "ReadAttributeRequestItem", mustBeAccepted: true, query })),
        { "@type": "CreateAttributeRequestItem", mustBeAccepted: true, attribute: proprietary(), description: "d", metadata: { a: 1 } },
        { "@type": "ShareAttributeRequestItem", mustBeAccepted: true, attribute: surname(), attributeId: "ATTaaaaaaaaaaaaaaaaa", thirdPartyAddress: OTHER },
        { "@type": "ProposeAttributeRequestItem", mustBeAccepted: false, attribute: identity(c.GivenName.from("Y")).toJSON(), query: { "@type": "IdentityAttributeQuery", valueType: "GivenName" } },
        { "@type": "DeleteAttributeRequestItem", mustBeAccepted: true, attributeId: "ATTaaaaaaaaaaaaaaaaa" },
        { "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "c", link: "https://x.de", linkDisplayText: "abc", requiresInteraction: true },
        { "@type": "AuthenticationRequestItem", mustBeAccepted: true, title: "auth" },
        ...settings.map((s) => ({ "@type": "FormFieldRequestItem", mustBeAccepted: true, title: "f", settings: s })),
        { "@type": "TransferFileOwnershipRequestItem", mustBeAccepted: true, fileReference: FILE_REFERENCE, ownershipToken: "token" }
    ];
    for (const item of requestItems) {
        add(`Request with ${item["@type"]}`, c.Request.from({ id: "REQaaaaaaaaaaaaaaaaa", items: [item] }));
    }
    add(
        "Request with a group",
        c.Request.from({
            expiresAt: "2030-01-01T00:00:00Z",
            title: "T",
            description: "D",
            metadata: { m: [1] },
            items: [{ "@type": "RequestItemGroup", title: "G", description: "g", metadata: { x: 1 }, items: requestItems.slice(0, 3) }]
        })
    );
    const responseItems = [
        { "@type": "AcceptResponseItem", result: "Accepted" },
        { "@type": "RejectResponseItem", result: "Rejected", code: "some.code", message: "msg" },
        { "@type": "RejectResponseItem", result: "Rejected" },
        { "@type": "ErrorResponseItem", result: "Error", code: "error.x", message: "m" },
        { "@type": "CreateAttributeAcceptResponseItem", result: "Accepted", attributeId: "ATTaaaaaaaaaaaaaaaaa" },
        { "@type": "ReadAttributeAcceptResponseItem", result: "Accepted", attributeId: "ATTaaaaaaaaaaaaaaaaa", attribute: surname(), thirdPartyAddress: OTHER },
        { "@type": "ProposeAttributeAcceptResponseItem", result: "Accepted", attributeId: "ATTaaaaaaaaaaaaaaaaa", attribute: proprietary() },
        { "@type": "DeleteAttributeAcceptResponseItem", result: "Accepted", deletionDate: "2030-01-01T10:00:00.000+02:00" },
        { "@type": "AttributeAlreadySharedAcceptResponseItem", result: "Accepted", attributeId: "ATTaaaaaaaaaaaaaaaaa" },
        { "@type": "AttributeSuccessionAcceptResponseItem", result: "Accepted", predecessorId: "ATTaaaaaaaaaaaaaaaaa", successorId: "ATTbbbbbbbbbbbbbbbbb", successorContent: surname() },
        { "@type": "FormFieldAcceptResponseItem", result: "Accepted", response: ["a", "b"] },
        { "@type": "FormFieldAcceptResponseItem", result: "Accepted", response: 4.5 },
        { "@type": "FormFieldAcceptResponseItem", result: "Accepted", response: false },
        { "@type": "FormFieldAcceptResponseItem", result: "Accepted", response: "text" },
        { "@type": "TransferFileOwnershipAcceptResponseItem", result: "Accepted", attributeId: "ATTaaaaaaaaaaaaaaaaa", attribute: identity(c.IdentityFileReference.from(FILE_REFERENCE)).toJSON() }
    ];
    for (const item of responseItems) {
        add(`Response with ${item["@type"]}`, c.Response.from({ result: "Accepted", requestId: "REQaaaaaaaaaaaaaaaaa", items: [item] }));
    }
    const response = { result: "Accepted", requestId: "REQaaaaaaaaaaaaaaaaa", items: [{ "@type": "ResponseItemGroup", items: responseItems.slice(0, 3) }] };
    add("Response with a group", c.Response.from(response));
    add("ResponseWrapper", c.ResponseWrapper.from({ requestId: "REQaaaaaaaaaaaaaaaaa", requestSourceReference: "MSGaaaaaaaaaaaaaaaaa", requestSourceType: "Message", response }));
    const notificationItems = [
        { "@type": "PeerAttributeSucceededNotificationItem", predecessorId: "ATTaaaaaaaaaaaaaaaaa", successorId: "ATTbbbbbbbbbbbbbbbbb", successorContent: proprietary() },
        { "@type": "OwnAttributeDeletedByOwnerNotificationItem", attributeId: "ATTaaaaaaaaaaaaaaaaa" },
        { "@type": "PeerRelationshipAttributeDeletedByPeerNotificationItem", attributeId: "ATTaaaaaaaaaaaaaaaaa" },
        { "@type": "ForwardedAttributeDeletedByPeerNotificationItem", attributeId: "ATTaaaaaaaaaaaaaaaaa" }
    ];
    add("Notification", c.Notification.from({ id: "NOTaaaaaaaaaaaaaaaaa", items: notificationItems }));
    add("Mail", c.Mail.from({ to: [ADDRESS], cc: [OTHER], subject: "Hi", body: "Body" }));
    add("Mail without cc", c.Mail.from({ to: [ADDRESS], subject: "Hi", body: "Body" }));
    add("ArbitraryMessageContent", c.ArbitraryMessageContent.from({ value: { any: ["thing", 1] } }));
    const request = { items: [requestItems[0]], expiresAt: "2030-01-01T00:00:00.000Z" };
    add("RelationshipTemplateContent", c.RelationshipTemplateContent.from({ title: "T", metadata: { a: 1 }, onNewRelationship: request, onExistingRelationship: request }));
    add("ArbitraryRelationshipTemplateContent", c.ArbitraryRelationshipTemplateContent.from({ value: "x" }));
    add("RelationshipCreationContent", c.RelationshipCreationContent.from({ response }));
    add("ArbitraryRelationshipCreationContent", c.ArbitraryRelationshipCreationContent.from({ value: [1, 2] }));
    return out;
}

function readInput() {
    const file = process.argv[2];
    let samples;
    try {
        samples = JSON.parse(file ? readFileSync(file, "utf8") : readFileSync(0, "utf8"));
    } catch (e) {
        fail(`the input is not JSON: ${e.message}`);
    }
    if (!Array.isArray(samples)) fail("the input must be an array of {value, type?} samples");
    samples.forEach((s, i) => {
        if (s === null || typeof s !== "object" || !("value" in s)) fail(`sample ${i}: no value`);
    });
    return samples;
}

if (process.argv[2] === "--examples") {
    process.stdout.write(JSON.stringify(examples()));
} else {
    process.stdout.write(JSON.stringify(readInput().map(judge)));
}
