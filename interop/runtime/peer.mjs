// One official @nmshd/runtime 7.0.0 (runtime.mjs) driven over stdin/stdout, so that tests in any
// language can use it as the other side of a relationship.
//
// Usage: node interop/runtime/peer.mjs <backboneBaseUrl> [--modules <json>]
//   (or BACKBONE_BASE_URL; `--modules '{"decider":{"automationConfig":[...]}}'` is merged over
//   the Connector's module configuration; PEER_LOG_LEVEL=debug writes more to stderr)
//
// Prints `READY <address>` once the identity exists, then answers each stdin line, a JSON
// command `{"id": n, "cmd": ..., ...}`, with one stdout line `{"id": n, "ok": <value>}` or
// `{"id": n, "error": {"code", "message"}}`. Commands run as they arrive, so a slow one (a
// `waitEvent`) does not hold up the others; the id pairs answers with commands.
//
//   call      {service, method, args?}  e.g. service "transportServices.messages",
//             "consumptionServices.incomingRequests", "anonymousServices.tokens", or
//             "dataViewExpander"; answers the Result's value, or its error's code and message.
//   sync      transportServices.account.syncEverything(); answers its value.
//   events    {since}  → {events: [{namespace, data}], next}
//   waitEvent {namespace, since, timeoutMs?, sync?, where?}  → {event, index}: the first event in
//             `namespace` from index `since` on (whose data contains `where`, if given), syncing
//             every 300 ms while waiting when `sync` is true; an error after `timeoutMs`.
//   stop      stops the runtime and exits.
//
// A failing command never ends the process: it is answered as an error.

import { createInterface } from "node:readline";
import { startRuntime } from "./runtime.mjs";

// Nothing but the protocol may reach stdout.
const protocol = process.stdout;
console.log = console.info = console.debug = console.trace = (...args) => console.error(...args);
function send(message) {
    let line;
    try {
        line = JSON.stringify(message);
    } catch (error) {
        line = JSON.stringify({ id: message.id, error: { code: "error.peer.unserializable", message: String(error) } });
    }
    protocol.write(`${line}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class CommandError extends Error {
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}

function parseArgs(argv) {
    const options = { baseUrl: process.env.BACKBONE_BASE_URL, modules: {} };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--modules") options.modules = JSON.parse(argv[++i]);
        else options.baseUrl = argv[i];
    }
    return options;
}

/** The facade `path` names ("transportServices.messages"), own properties only. */
function facade(services, path) {
    let target = services;
    for (const part of String(path).split(".")) {
        if (target === null || typeof target !== "object" || !Object.hasOwn(target, part)) {
            throw new CommandError("error.peer.unknownService", `no service '${path}'`);
        }
        target = target[part];
    }
    return target;
}

/** The value of a use case's Result; a failed Result becomes a CommandError with its code. */
function unwrap(result) {
    if (result && typeof result === "object" && typeof result.isError === "boolean") {
        if (result.isError) throw new CommandError(result.error.code, result.error.message);
        return result.value;
    }
    return result;
}

async function call(peer, { service, method, args }) {
    const target = facade(peer.services, service);
    if (typeof method !== "string" || method === "constructor" || method.startsWith("_") || typeof target[method] !== "function") {
        throw new CommandError("error.peer.unknownMethod", `'${service}' has no method '${method}'`);
    }
    const result = args === undefined ? await target[method]() : await target[method](args);
    return unwrap(result);
}

async function sync(peer) {
    return unwrap(await peer.services.transportServices.account.syncEverything());
}

async function waitEvent(peer, { namespace, since = 0, timeoutMs = 30000, sync: syncing = false, where }) {
    if (typeof namespace !== "string") throw new CommandError("error.peer.invalidCommand", "waitEvent needs a namespace");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const found = peer.events.find(namespace, since, where);
        if (found) return found;
        if (Date.now() >= deadline) {
            const seen = peer.events.since(since).events.map((e) => e.namespace).slice(-50);
            throw new CommandError(
                "error.peer.timeout",
                `no ${namespace} event${where ? ` with ${JSON.stringify(where)}` : ""} from index ${since} within ${timeoutMs} ms; the last seen since: ${JSON.stringify(seen)}`
            );
        }
        if (syncing) await sync(peer);
        // Module handlers finish asynchronously after the sync; look again before the next one.
        const found2 = peer.events.find(namespace, since, where);
        if (found2) return found2;
        await sleep(300);
    }
}

async function run(peer, command) {
    switch (command.cmd) {
        case "call":
            return await call(peer, command);
        case "sync":
            return await sync(peer);
        case "events":
            return peer.events.since(command.since ?? 0);
        case "waitEvent":
            return await waitEvent(peer, command);
        default:
            throw new CommandError("error.peer.unknownCommand", `unknown command '${command.cmd}'`);
    }
}

function errorOf(error) {
    if (error && typeof error === "object" && typeof error.code === "string") {
        return { code: error.code, message: String(error.message ?? "") };
    }
    return { code: "error.peer.exception", message: error?.stack ?? String(error) };
}

let stopping = false;

/** Stops the runtime, answers `id` (when a command asked), and exits. */
async function stop(peer, id) {
    if (stopping) return;
    stopping = true;
    try {
        await peer.runtime.stop();
    } catch (error) {
        console.error("stopping the runtime failed", error);
    }
    if (id !== undefined) send({ id, ok: null });
    process.exit(0);
}

async function main() {
    const options = parseArgs(process.argv.slice(2));
    const peer = await startRuntime({ ...options, logLevel: process.env.PEER_LOG_LEVEL ?? "error" });
    protocol.write(`READY ${peer.address}\n`);

    const lines = createInterface({ input: process.stdin });
    lines.on("line", (line) => {
        if (line.trim() === "") return;
        let command;
        try {
            command = JSON.parse(line);
        } catch (error) {
            send({ id: null, error: { code: "error.peer.invalidCommand", message: `not JSON: ${error.message}` } });
            return;
        }
        const id = command?.id ?? null;
        if (command?.cmd === "stop") {
            void stop(peer, id);
            return;
        }
        run(peer, command ?? {}).then(
            (value) => send({ id, ok: value === undefined ? null : value }),
            (error) => send({ id, error: errorOf(error) })
        );
    });
    // The driver went away: nobody is left to answer.
    lines.on("close", () => void stop(peer));
}

process.on("unhandledRejection", (error) => console.error("unhandled rejection", error));

main().catch((error) => {
    console.error("the runtime did not start", error);
    process.exit(1);
});
