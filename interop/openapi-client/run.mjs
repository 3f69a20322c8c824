// Generates a client from a running Connector's API document and uses it: openapi-typescript
// (pinned in interop/package.json) turns `/docs/json` into `generated/api.d.ts`, the
// TypeScript compiler checks `client.ts` against it and emits JavaScript, which then calls
// the Connector through openapi-fetch.
//
// Usage: node interop/openapi-client/run.mjs <connectorBaseUrl> <apiKey>
// Prints `RESULT <json>` and exits 0 on success; prints `FAILED <message>` and exits 1 otherwise.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const generated = path.join(here, "generated");

const [baseUrl, apiKey] = process.argv.slice(2);
if (!baseUrl || !apiKey) {
    console.log("FAILED usage: node run.mjs <connectorBaseUrl> <apiKey>");
    process.exit(1);
}

function compile() {
    const configFile = path.join(here, "tsconfig.json");
    const host = {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
            throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        }
    };
    const config = ts.getParsedCommandLineOfConfigFile(configFile, {}, host);
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    const emitted = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
    if (diagnostics.length > 0) {
        const text = ts.formatDiagnostics(diagnostics, {
            getCanonicalFileName: (f) => f,
            getCurrentDirectory: () => here,
            getNewLine: () => "\n"
        });
        throw new Error(`client.ts does not compile against the generated types:\n${text}`);
    }
}

async function main() {
    const answer = await fetch(`${baseUrl}/docs/json`);
    if (answer.status !== 200) throw new Error(`GET /docs/json answered ${answer.status}`);
    const document = await answer.json();

    fs.rmSync(generated, { recursive: true, force: true });
    fs.mkdirSync(generated, { recursive: true });
    const types = astToString(await openapiTS(document));
    fs.writeFileSync(path.join(generated, "api.d.ts"), types);
    compile();

    const { run } = await import(pathToFileURL(path.join(generated, "out", "client.js")).href);
    const result = await run(baseUrl, apiKey);
    console.log("RESULT " + JSON.stringify({ ...result, generatedTypeLines: types.split("\n").length }));
}

main().catch((e) => {
    console.log(`FAILED ${e.stack ?? e}`.replaceAll("\n", " | "));
    process.exit(1);
});
