#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs and starts what the suite needs (the
# wasm32-wasip2 target, Node.js and the message brokers, the pinned @nmshd npm packages, headless
# Chromium, schemathesis, podman with a local base image), then runs the whole workspace's tests,
# the broker tests once more against brokers of its own on non-standard ports, every fuzz target,
# and the full container image build when the Dockerfile changed. The build cache lives outside
# the checkout so repeated runs are fast.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enmeshed-connector/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== toolchain: wasm32-wasip2 target (module tests compile real WASM components)"
rustup target add wasm32-wasip2

echo "== services: Node.js and the message brokers (their standard loopback ports when free)"
mkdir -p "$CARGO_TARGET_DIR"
bash scripts/services.sh "$CARGO_TARGET_DIR/services.env"
# The tests read the brokers' addresses from CONNECTOR_TEST_{AMQP,MQTT,REDIS,NATS}.
source "$CARGO_TARGET_DIR/services.env"

echo "== interop: official @nmshd packages (and the Connector 6 SDK, openapi-typescript, openapi-fetch), pinned in interop/package-lock.json"
npm ci --prefix interop --no-audit --no-fund --loglevel=error

# The docs page test runs this very binary.
if [ ! -x /usr/bin/chromium ]; then
  echo "== headless Chromium for the API docs page test"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

echo "== property-based API testing: schemathesis, pinned in schemathesis/requirements.txt"
SCHEMATHESIS_VENV="$CARGO_TARGET_DIR/schemathesis-venv"
if ! cmp -s schemathesis/requirements.txt "$SCHEMATHESIS_VENV/requirements.txt"; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$SCHEMATHESIS_VENV"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install --quiet --disable-pip-version-check -r schemathesis/requirements.txt
  cp schemathesis/requirements.txt "$SCHEMATHESIS_VENV/requirements.txt"
fi
export SCHEMATHESIS="$SCHEMATHESIS_VENV/bin/schemathesis"

# host/tests/container_image.rs builds the image from the test build's binary and runs it. Podman
# builds and runs as root without a Docker engine; the base image is made locally (no registry).
echo "== container image: podman, runc, debootstrap and the local Debian base image"
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
scripts/image.sh base

echo "== tests"
cargo test --workspace --locked

echo "== the broker tests again, against brokers this script starts on non-standard ports"
bash scripts/services.sh --private "$CARGO_TARGET_DIR/private-services.env"
(
  source "$CARGO_TARGET_DIR/private-services.env"
  trap services_stop EXIT
  cargo test --locked -p module-host --test brokers
)

echo "== fuzzing: every parser of peer and Backbone data, ${FUZZ_SECONDS:-20} s a target"
bash scripts/fuzz.sh

# The Dockerfile's own build (a release compile inside the build base) runs only when the
# Dockerfile changed since its last successful run; the test above covers the image otherwise.
scripts/image.sh full-if-changed
