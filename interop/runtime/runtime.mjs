// One official @nmshd/runtime 7.0.0 (the engine of the Enmeshed App) with a fresh identity on a
// Backbone, kept in an in-memory LokiJS database, with the runtime modules the official Connector
// runs: request, decider (no automation unless a caller configures it) and notification.
//
// Every event published on the runtime's event bus is recorded from the first one on, as JSON
// of the event's data, the way the Connector's webhooks module posts it. Logs go to stderr only:
// stdout belongs to whoever drives the runtime (peer.mjs speaks a line protocol there).

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Runtime } = require("@nmshd/runtime");
const { ConsumptionController } = require("@nmshd/consumption");
const { AccountController } = require("@nmshd/transport");
const { LokiJsConnection } = require("@js-soft/docdb-access-loki");
const { DataEvent, EventEmitter2EventBus } = require("@js-soft/ts-utils");

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"];

/** Loggers writing `[level] name - message` lines to stderr from `minLevel` up. */
class StderrLoggerFactory {
    constructor(minLevel) {
        this.min = Math.max(0, LEVELS.indexOf(minLevel));
    }

    getLogger(name) {
        const category = typeof name === "function" ? name.name : String(name);
        const logger = {};
        LEVELS.forEach((level, index) => {
            logger[level] =
                index < this.min
                    ? () => undefined
                    : (...messages) => process.stderr.write(`[${level}] ${category} - ${messages.map(describe).join(" ")}\n`);
        });
        return logger;
    }
}

function describe(value) {
    if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
    if (typeof value === "string") return value;
    try {
        return JSON.stringify(value);
    } catch {
        return String(value);
    }
}

/** Every event of one event bus, in publishing order, as `{namespace, data}` JSON snapshots. */
export class EventLog {
    events = [];

    constructor(eventBus) {
        // "**" is how the Connector's messageBrokerPublisher module subscribes to everything. The
        // handler runs synchronously inside `publish`, so the log keeps the publishing order.
        eventBus.subscribe("**", (event) => {
            const data = event instanceof DataEvent ? event.data : undefined;
            this.events.push({ namespace: event.namespace, data: data === undefined ? null : JSON.parse(JSON.stringify(data)) });
        });
    }

    /** The events from index `since` on and the index after the last one. */
    since(since = 0) {
        return { events: this.events.slice(since), next: this.events.length };
    }

    /** The first event from `since` on in `namespace` whose data contains `where` (if given), with its index. */
    find(namespace, since = 0, where = undefined) {
        for (let index = since; index < this.events.length; index++) {
            const event = this.events[index];
            if (event.namespace === namespace && (where == null || contains(event.data, where))) return { event, index };
        }
        return undefined;
    }
}

/** True when each field of `pattern` is in `value`, recursively; other values must be equal. */
function contains(value, pattern) {
    if (pattern === null || typeof pattern !== "object") return value === pattern;
    if (value === null || typeof value !== "object") return false;
    if (Array.isArray(pattern)) {
        return Array.isArray(value) && pattern.length === value.length && pattern.every((p, i) => contains(value[i], p));
    }
    return Object.entries(pattern).every(([key, p]) => contains(value[key], p));
}

/** The runtime's abstract parts filled in the way an app or the Connector fills them. */
class PeerRuntime extends Runtime {
    #db;
    #services;

    constructor(config, loggerFactory) {
        const eventBus = new EventEmitter2EventBus((error, namespace) =>
            process.stderr.write(`[error] event handler for ${namespace} failed: ${describe(error)}\n`)
        );
        super(config, loggerFactory, eventBus);
        this.eventLog = new EventLog(eventBus);
    }

    async createDatabaseConnection() {
        this.#db = LokiJsConnection.inMemory();
        return this.#db;
    }

    async initAccount() {
        const db = await this.#db.getDatabase("peer");
        const accountController = await new AccountController(this.transport, db, this.transport.config).init();
        // As the Connector: no default own identity attributes.
        const consumptionController = await new ConsumptionController(this.transport, accountController, {
            setDefaultOwnIdentityAttributes: false
        }).init();
        this.#services = await this.login(accountController, consumptionController);
    }

    getServices() {
        return this.#services;
    }

    getHealth() {
        return Promise.resolve({ isHealthy: true, services: {} });
    }

    async loadModule(moduleConfiguration) {
        throw new Error(`only the runtime's built-in modules can be loaded, not '${moduleConfiguration.location}'`);
    }

    async stop() {
        if (this.isInitialized && this.isStarted) await super.stop();
        await this.#db?.close();
    }
}

/** The module configuration the official Connector ends up with: request and decider forced on. */
export function connectorModules() {
    return {
        request: { enabled: true, location: "@nmshd/runtime:RequestModule" },
        decider: { enabled: true, location: "@nmshd/runtime:DeciderModule" },
        notification: { enabled: true, location: "@nmshd/runtime:NotificationModule" }
    };
}

/**
 * Starts one runtime with a new identity on the Backbone at `baseUrl`.
 *
 * `modules` is merged over {@link connectorModules} per module (e.g.
 * `{decider: {automationConfig: [...]}}`); `logLevel` is the lowest level written to stderr.
 * Answers the runtime, its services (the facades a use case is called through), its address and
 * its event log.
 */
export async function startRuntime({ baseUrl, modules = {}, logLevel = "error" }) {
    if (!baseUrl) throw new Error("a Backbone base URL is needed");
    const moduleConfig = connectorModules();
    for (const [name, overrides] of Object.entries(modules)) {
        moduleConfig[name] = { ...moduleConfig[name], ...overrides };
    }
    const config = {
        transportLibrary: {
            baseUrl,
            platformClientId: process.env.BACKBONE_CLIENT_ID ?? "test",
            platformClientSecret: process.env.BACKBONE_CLIENT_SECRET ?? "test",
            addressGenerationHostnameOverride: "localhost",
            datawalletEnabled: false
        },
        modules: moduleConfig
    };
    const runtime = new PeerRuntime(config, new StderrLoggerFactory(logLevel));
    await runtime.init();
    await runtime.start();
    const { transportServices, consumptionServices, dataViewExpander } = runtime.getServices();
    const services = { transportServices, consumptionServices, anonymousServices: runtime.anonymousServices, dataViewExpander };
    const identity = await transportServices.account.getIdentityInfo();
    if (identity.isError) throw identity.error;
    return { runtime, services, address: identity.value.address, events: runtime.eventLog };
}
