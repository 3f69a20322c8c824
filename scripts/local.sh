#!/usr/bin/env bash
# Builds and starts, on this machine, a local Backbone and a Connector on the embedded store,
# then prints the Connector's base URL and API key. Data lives in ./data; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enmeshed-connector/target}"
BACKBONE_PORT="${BACKBONE_PORT:-8090}"
CONNECTOR_PORT="${CONNECTOR_PORT:-8080}"

echo "building (the first build takes a few minutes)..."
cargo build --release --locked -p backbone -p connector
# The built-in modules land next to the binary, where the Connector looks for them.
rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --release --locked --manifest-path modules/Cargo.toml --target wasm32-wasip2 --target-dir "$CARGO_TARGET_DIR"
bin="$CARGO_TARGET_DIR/release"

mkdir -p data
key_file=data/local-api-key
if [ ! -s "$key_file" ]; then
  # Meets the API key policy: 30+ characters with upper, lower, digits and a special character.
  printf 'Local-Key-%s-AZaz09!' "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$key_file"
  chmod 600 "$key_file"
fi
api_key="$(cat "$key_file")"

cat >data/local-config.json <<JSON
{
  "transportLibrary": {
    "baseUrl": "http://127.0.0.1:${BACKBONE_PORT}",
    "platformClientId": "test",
    "platformClientSecret": "test",
    "addressGenerationHostnameOverride": "localhost"
  },
  "database": { "driver": "sqlite", "folder": "./data", "dbName": "default" },
  "infrastructure": { "httpServer": { "host": "127.0.0.1", "port": ${CONNECTOR_PORT},
    "authentication": { "apiKey": { "keys": { "local": { "key": "${api_key}" } } } } } }
}
JSON

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$bin/backbone" start --port "$BACKBONE_PORT" --db data/backbone.db &
pids+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:${BACKBONE_PORT}/health" >/dev/null && break; sleep 0.1; done

"$bin/connector" start --config data/local-config.json &
pids+=($!)
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:${CONNECTOR_PORT}/health" >/dev/null && break; sleep 0.1; done

cat <<INFO

Enmeshed Connector is running.
  base URL : http://127.0.0.1:${CONNECTOR_PORT}
  API key  : ${api_key}   (send it as the X-API-KEY header)
  Backbone : http://127.0.0.1:${BACKBONE_PORT} (local)
  try      : curl -H "X-API-KEY: ${api_key}" http://127.0.0.1:${CONNECTOR_PORT}/Monitoring/Version
Ctrl-C stops both.
INFO
wait
