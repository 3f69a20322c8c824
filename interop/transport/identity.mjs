// What every interop script needs: a polling helper and a fresh identity of the official
// @nmshd/transport 7.0.0 on a Backbone, kept in an in-memory LokiJS database.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Transport, AccountController } = require("@nmshd/transport");
// The content types (Arbitrary*Content, Mail, …) the Connector sends, registered as in the App.
require("@nmshd/content");
const { LokiJsConnection } = require("@js-soft/docdb-access-loki");
const { SimpleLoggerFactory } = require("@js-soft/simple-logger");
const { EventEmitter2EventBus } = require("@js-soft/ts-utils");

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 250 ms until it returns something truthy, at most `tries` times. */
export async function until(what, check, tries = 240) {
    for (let i = 0; i < tries; i++) {
        const value = await check();
        if (value) return value;
        await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}`);
}

/** The official transport library, initialised for the Backbone at `baseUrl`, logging only fatal errors. */
export async function officialTransport(baseUrl) {
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
    return transport;
}

/** Creates an identity on the Backbone at `baseUrl` and prints `ADDRESS <address>`. */
export async function newIdentity(baseUrl, name) {
    const transport = await officialTransport(baseUrl);
    const db = await LokiJsConnection.inMemory().getDatabase(name);
    const account = new AccountController(transport, db, transport.config);
    await account.init();
    console.log(`ADDRESS ${account.identity.address.toString()}`);
    return account;
}
