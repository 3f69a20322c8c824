//! Runs the official `@nmshd/iql` 1.0.4 over queries and attributes, so the Rust `iql` crate's
//! answers can be compared with it (`iql/tests/official.rs`).
//!
//! Usage: node check.mjs < input.json
//! Input:  { "attributes": [<attribute JSON>, ...], "queries": ["<query>", ...] }
//! Output: one JSON array on stdout, one entry per query, in order:
//!   { "validate": <what validate(query) returns>,
//!     "execute": { "indices": [...] } | { "error": { "name": "TypeError", "message": "..." } } }
//! Exit code 0 when it ran; 2 when the official package or the input is missing.
//! Run with TZ=UTC: date-times without an offset are local time in JavaScript.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

let iql;
try {
    iql = require("@nmshd/iql");
} catch (error) {
    console.error(`@nmshd/iql is not installed (run \`npm ci\` in interop/): ${error.message}`);
    process.exit(2);
}

let input;
try {
    input = JSON.parse(readFileSync(0, "utf8"));
} catch (error) {
    console.error(`expected {attributes, queries} as JSON on stdin: ${error.message}`);
    process.exit(2);
}
if (!Array.isArray(input.attributes) || !Array.isArray(input.queries)) {
    console.error("expected {attributes: [...], queries: [...]} on stdin");
    process.exit(2);
}

const results = input.queries.map((query) => {
    const validate = iql.validate(query);
    let execute;
    try {
        execute = { indices: iql.execute(query, input.attributes) };
    } catch (error) {
        execute = { error: { name: error.name, message: error.message } };
    }
    return { validate, execute };
});
process.stdout.write(JSON.stringify(results));
