//! Proves that JSON values have exactly the official runtime types: each sample becomes an
//! object literal typed with its `@nmshd/runtime-types` 7.0.0 type, `tsc --noEmit --strict`
//! judges them all in one run, and every compiler error is mapped back to its sample and field.
//!
//! Usage: node check.mjs [samples.json]   (stdin without an argument)
//! Input:  [{ "type": "MessageDTO" | "MessageDTO[]" | ..., "value": <JSON>, "route": "...", "identity": "..." }]
//! Output: one JSON object on stdout:
//!   { "samples": n, "types": [...], "errors": [{ index, type, route, identity, path, kind, code, message }] }
//! `kind` is "type" (the compiler refused the value) or "format" (a date the runtime would print
//! differently). Exit code 0 when the check ran, whatever it found; 2 when it could not run or
//! its canaries show that the official types did not resolve.
//!
//! Why object literals: TypeScript applies excess-property checks only to fresh object literals,
//! so an extra field is an error exactly like a missing required field or a wrong type.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Route results the runtime declares next to its use cases; `types.ts` spells them out. */
const LOCAL_TYPES = new Set(["IdentityInfo", "SyncInfo", "ValidateChallengeResponse", "CanCreateRelationshipResponse"]);

/**
 * Samples that must fail. If the official packages did not resolve, TypeScript would quietly
 * type their members as `any` and pass everything; these prove each part of the check bites.
 */
const CANARIES = [
    {
        why: "extra fields are refused",
        type: "ChallengeDTO",
        value: { id: "CHLaaaaaaaaaaaaaaaaa", expiresAt: "2026-01-01T00:00:00.000Z", type: "Identity", signature: "s", challengeString: "c", extra: 1 }
    },
    {
        why: "status enums are checked (IdentityDeletionProcessStatus)",
        type: "IdentityDeletionProcessDTO",
        value: { id: "IDPaaaaaaaaaaaaaaaaa", status: "Approved" }
    },
    {
        why: "@nmshd/content resolves (an unknown content @type is refused)",
        type: "RelationshipTemplateDTO",
        value: {
            id: "RLTaaaaaaaaaaaaaaaaa",
            isOwn: true,
            createdBy: "did:e:localhost:dids:0000000000000000000000",
            createdByDevice: "DVCaaaaaaaaaaaaaaaaa",
            createdAt: "2026-01-01T00:00:00.000Z",
            content: { "@type": "NoSuchContent", value: {} },
            reference: { truncated: "x", url: "y" }
        }
    },
    {
        why: "@nmshd/core-types resolves (an unknown passwordLocationIndicator name is refused)",
        type: "PasswordProtectionDTO",
        value: { password: "1234", passwordLocationIndicator: "Nowhere" }
    }
];

/** The runtime prints every date with `toISOString()`-like precision: milliseconds and `Z`. */
const RUNTIME_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function fail(message) {
    process.stderr.write(`runtime-types check: ${message}\n`);
    process.exit(2);
}

function readInput() {
    const file = process.argv[2];
    const text = file ? readFileSync(file, "utf8") : readFileSync(0, "utf8");
    const samples = JSON.parse(text);
    if (!Array.isArray(samples)) fail("the input must be an array of {type, value} samples");
    samples.forEach((s, i) => {
        if (typeof s?.type !== "string" || !/^[A-Za-z][A-Za-z0-9]*(\[\])?$/.test(s.type)) fail(`sample ${i}: bad type name ${JSON.stringify(s?.type)}`);
        if (!("value" in s)) fail(`sample ${i}: no value`);
    });
    return samples;
}

/** `content["@type"]`, `recipients[0].address`: a field path as a reader would write it. */
function child(path, key) {
    if (typeof key === "number") return `${path}[${key}]`;
    const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
    if (plain) return path ? `${path}.${key}` : key;
    return `${path}[${JSON.stringify(key)}]`;
}

/**
 * Prints `value` as a TypeScript literal, one property or element per line, and records for each
 * line the field it holds: the compiler reports line numbers, this turns them back into fields.
 * An error about a whole object (a missing property) lands on the line that opens it.
 */
function printLiteral(value, path, indent, lead, out, owner = null, key = null) {
    const open = (text) => out.push({ text: lead + text, path, owner, key, node: value });
    if (value === SETTLED) return open("undefined as any");
    if (Array.isArray(value) || (value !== null && typeof value === "object")) {
        const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
        const [l, r] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
        if (entries.length === 0) return open(l + r);
        open(l);
        const inner = indent + "    ";
        entries.forEach(([key, v], n) => {
            const keyText = typeof key === "number" ? "" : `${JSON.stringify(key)}: `;
            printLiteral(v, child(path, key), inner, inner + keyText, out, value, key);
            if (n < entries.length - 1) out[out.length - 1].text += ",";
        });
        out.push({ text: indent + r, path });
        return;
    }
    open(JSON.stringify(value));
}

/** Dates the runtime would print differently; content is free-form and not looked into. */
function dateFormatErrors(value, path, found) {
    if (Array.isArray(value)) return value.forEach((v, i) => dateFormatErrors(v, child(path, i), found));
    if (value === null || typeof value !== "object") return;
    for (const [key, v] of Object.entries(value)) {
        if (key === "content" || key === "creationContent") continue;
        const p = child(path, key);
        if (typeof v === "string" && (/At$/.test(key) || key === "deletionDate") && !RUNTIME_DATE.test(v)) {
            found.push({ path: p, message: `'${v}' is not a date as the runtime prints it (YYYY-MM-DDTHH:mm:ss.sssZ)` });
        } else {
            dateFormatErrors(v, p, found);
        }
    }
}

function typeExpression(name) {
    const array = name.endsWith("[]");
    const base = array ? name.slice(0, -2) : name;
    const qualified = LOCAL_TYPES.has(base) ? `L.${base}` : `RT.${base}`;
    return `L.Wire<${qualified}${array ? "[]" : ""}>`;
}

function generate(samples) {
    const lines = [
        { text: `import type * as RT from "@nmshd/runtime-types";`, path: null, index: null },
        { text: `import type * as L from "../types.js";`, path: null, index: null },
        { text: "", path: null, index: null }
    ];
    samples.forEach((s, index) => {
        const out = [];
        printLiteral(s.value, "", "", `const sample${index}: ${typeExpression(s.type)} = `, out);
        out[out.length - 1].text += ";";
        lines.push({ text: `// ${index}: ${s.type} from ${s.route ?? "?"} (${s.identity ?? "?"})`.replace(/\n/g, " "), path: null, index });
        for (const l of out) lines.push({ ...l, index });
    });
    return lines;
}

/** Runs the project's pinned `tsc` on `file`; resolves with its output (it exits 2 on errors). */
function tsc(file) {
    const compiler = require.resolve("typescript/bin/tsc");
    const args = [compiler, "--noEmit", "--strict", "--pretty", "false", "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", file];
    return new Promise((resolve, reject) => {
        execFile(process.execPath, args, { cwd: here, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error && typeof error.code !== "number") return reject(error);
            resolve({ code: error ? error.code : 0, output: stdout + stderr });
        });
    });
}

/** `file(line,col): error TS1234: message` plus indented continuation lines. */
function parseDiagnostics(output) {
    const diagnostics = [];
    for (const line of output.split("\n")) {
        const m = /^(.*)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
        if (m) diagnostics.push({ file: m[1], line: Number(m[2]), code: m[4], message: m[5] });
        else if (/^\s+\S/.test(line) && diagnostics.length) diagnostics[diagnostics.length - 1].message += "\n" + line.trim();
        else if (line.trim()) diagnostics.push({ file: null, line: 0, code: "", message: line.trim() });
    }
    return diagnostics;
}

/**
 * TypeScript stops at the first extra field of an object literal, and a wrong field can hide an
 * extra one next to it. So the check runs in rounds: each reported field is settled in a working
 * copy (an extra field removed, a wrong one or a missing one replaced by `undefined as any`, which
 * any type accepts) and the next round looks past it, until a round finds nothing new.
 */
const MAX_ROUNDS = 8;
const SETTLED = Symbol("settled");
const EXCESS_PROPERTY = "TS2353";

/** Settles the field an error was reported at; false when there is nothing to settle. */
function settle(at, message) {
    const missing = [...message.matchAll(/Property '([^']+)' is missing in type/g)].map((m) => m[1]);
    const list = /is missing the following properties from type '[^']*': ([^.]+?)(?:, and \d+ more)?\.?$/m.exec(message);
    if (list) missing.push(...list[1].split(", "));
    if (missing.length && at.node !== null && typeof at.node === "object" && !Array.isArray(at.node)) {
        for (const name of missing) at.node[name] = SETTLED;
        return true;
    }
    if (!at.owner) return false;
    if (message.includes("is missing")) return false;
    if (at.code === EXCESS_PROPERTY && !Array.isArray(at.owner)) delete at.owner[at.key];
    else at.owner[at.key] = SETTLED;
    return true;
}

/** One compiler run over `samples`; the errors of the input samples and the canaries that failed. */
async function compile(samples, inputCount) {
    const lines = generate(samples);
    const dir = mkdtempSync(join(here, ".check-"));
    const file = join(dir, "samples.ts");
    writeFileSync(file, lines.map((l) => l.text).join("\n") + "\n");
    let result;
    try {
        result = await tsc(file);
    } finally {
        if (!process.env.KEEP_RUNTIME_TYPES_CHECK) rmSync(dir, { recursive: true, force: true });
    }
    const found = [];
    const canaryHit = new Set();
    for (const d of parseDiagnostics(result.output)) {
        const at = d.file && d.file.endsWith("samples.ts") ? lines[d.line - 1] : undefined;
        if (!at || at.index === null) fail(`the compiler refused the checker itself: ${d.file ?? ""}(${d.line}) ${d.code} ${d.message}`);
        if (at.index >= inputCount) canaryHit.add(at.index - inputCount);
        else found.push({ at, code: d.code, message: d.message });
    }
    if (result.code !== 0 && found.length === 0 && canaryHit.size === 0) fail(`tsc failed without diagnostics:\n${result.output}`);
    return { found, canaryHit };
}

/**
 * Content fields typed as one class (not a union) print without `@type` in `toJSON()`
 * (`ResponseWrapper.response`, `RelationshipCreationContent.response`,
 * `RelationshipTemplateContent.onNewRelationship` / `onExistingRelationship`): that is what the
 * official library sends and what our content prints (the `content` crate's tests compare both
 * with the library). The runtime-types declare these fields with their JSON interfaces, whose
 * `@type` is required, so the declared type is stricter than the runtime's own output. The
 * checker adds the `@type` the interface wants to such a field before comparing, and checks the
 * rest of the field as usual.
 */
const TYPED_FIELDS = {
    ResponseWrapper: { response: "Response" },
    RelationshipCreationContent: { response: "Response" },
    RelationshipTemplateContent: { onNewRelationship: "Request", onExistingRelationship: "Request" }
};

function withDeclaredTypes(value) {
    if (Array.isArray(value)) return value.forEach(withDeclaredTypes);
    if (value === null || typeof value !== "object") return;
    const fields = TYPED_FIELDS[value["@type"]];
    for (const [key, v] of Object.entries(value)) {
        if (fields?.[key] && v !== null && typeof v === "object" && !("@type" in v)) v["@type"] = fields[key];
        withDeclaredTypes(v);
    }
}

async function main() {
    const input = readInput();
    // The working copy loses each extra field once reported, so the next round sees past it.
    const working = input.map((s) => ({ ...s, value: structuredClone(s.value) }));
    working.forEach((s) => withDeclaredTypes(s.value));
    const canaries = CANARIES.map((c) => ({ ...c, route: `canary: ${c.why}`, identity: "checker" }));
    const errors = [];
    const seen = new Set();
    for (let round = 0; round < MAX_ROUNDS; round++) {
        const { found, canaryHit } = await compile([...working, ...canaries], input.length);
        if (round === 0) {
            CANARIES.forEach((c, i) => {
                if (!canaryHit.has(i)) fail(`canary passed although it must fail (${c.why}): the official types did not resolve; run npm ci in interop/`);
            });
        }
        let settled = false;
        for (const { at, code, message } of found) {
            const key = `${at.index}|${at.path}|${code}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const s = input[at.index];
            errors.push({ index: at.index, type: s.type, route: s.route ?? null, identity: s.identity ?? null, path: at.path, kind: "type", code, message });
            settled = settle({ ...at, code }, message) || settled;
        }
        if (!settled) break;
    }

    input.forEach((s, index) => {
        const found = [];
        dateFormatErrors(s.value, "", found);
        for (const f of found) errors.push({ index, type: s.type, route: s.route ?? null, identity: s.identity ?? null, path: f.path, kind: "format", code: "", message: f.message });
    });

    const types = [...new Set(input.map((s) => s.type))].sort();
    process.stdout.write(JSON.stringify({ samples: input.length, types, errors }, null, 2) + "\n");
}

main().catch((e) => fail(e?.stack ?? String(e)));
