#!/usr/bin/env bash
# Runs scripts/test.sh the way a new machine would: in a Debian bookworm tree made by
# debootstrap (the root of a mount namespace of its own) that holds only a clone of this
# repository's HEAD and the Rust toolchain of the machine it runs on (plus a C linker, git and
# the machine's certificate authorities, which any machine that builds Rust from crates.io has). Everything else (Node.js, brokers, Chromium,
# podman, the npm packages, schemathesis, the crates) scripts/test.sh has to install itself.
#
#   scripts/fresh-debian.sh [FOLDER]      default /var/tmp/fresh-debian; needs root
#
# The new root shares this machine's network, so brokers that run here on their standard ports
# would be found and used; stop them first for a run that has to start its own
# (FRESH_STOP_BROKERS=1 does that and starts them again afterwards, with the commands below).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (debootstrap, mount namespaces)" >&2; exit 1; }

ROOT=${1:-/var/tmp/fresh-debian}
REPO=$PWD
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

if [ ! -x "$ROOT/bin/bash" ]; then
  echo "== debootstrap bookworm into $ROOT"
  debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >"$ROOT.debootstrap.log" 2>&1
fi

echo "== the machine's Rust toolchain, certificate authorities and package sources"
toolchain=$(rustup show active-toolchain | cut -d' ' -f1)
mkdir -p "$ROOT/root/.rustup/toolchains" "$ROOT/root/.cargo"
cp -a "$HOME/.rustup/settings.toml" "$ROOT/root/.rustup/"
rm -rf "$ROOT/root/.rustup/toolchains/$toolchain"
cp -a "$(rustc --print sysroot)" "$ROOT/root/.rustup/toolchains/$toolchain"
cp -a "$HOME/.cargo/bin" "$HOME/.cargo/env" "$ROOT/root/.cargo/"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/"
  rm -f "$ROOT/etc/apt/sources.list"
fi
mkdir -p "$ROOT/usr/local/share/ca-certificates"
cp -a /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/" 2>/dev/null || true

echo "== a clone of HEAD"
rm -rf "$ROOT/root/connector"
git clone --quiet "$REPO" "$ROOT/root/connector"

# The tree becomes the root of a mount namespace of its own (pivot_root, as a container's
# root is), not a chroot: podman's `exec` (the image's HEALTHCHECK) cannot enter a container
# from inside a chroot.
enter() {
  unshare --mount --fork /bin/bash -c '
    set -e
    mount --make-rprivate /
    mount --bind "$0" "$0"
    mount -t proc proc "$0/proc"
    mount --rbind /sys "$0/sys"
    mount --rbind /dev "$0/dev"
    mkdir -p "$0/.oldroot"
    cd "$0"
    pivot_root . .oldroot
    umount -l /.oldroot
    cd /
    exec "$@"' "$ROOT" "$@"
}

restart_brokers() {
  rabbitmq-server -detached >/dev/null 2>&1 || true
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
}
if [ "${FRESH_STOP_BROKERS:-0}" = 1 ]; then
  echo "== stopping this machine's brokers for the run"
  rabbitmqctl stop >/dev/null 2>&1 || true
  pkill -x mosquitto || true
  redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
  pkill -x nats-server || true
fi

echo "== scripts/test.sh in the new root"
status=0
# How this machine's tools find its certificate authorities (NODE_EXTRA_CA_CERTS, PIP_CERT,
# SSL_CERT_FILE, ...) is the machine's, so it goes along; nothing else of its environment does.
ca_env=()
while IFS= read -r line; do ca_env+=("$line"); done < <(env | grep -E '^[A-Z_0-9]*(CA_|_CA|CERT)[A-Z_0-9]*=' || true)
enter /usr/bin/env -i HOME=/root TERM=dumb "${ca_env[@]}" \
  PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash -c '
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq ca-certificates gcc libc6-dev git >/dev/null
    cd /root/connector && bash scripts/test.sh' || status=$?

if [ "${FRESH_STOP_BROKERS:-0}" = 1 ]; then
  echo "== stopping the new root's brokers, starting this machine's again"
  for name in beam.smp epmd mosquitto redis-server nats-server; do pkill -x "$name" || true; done
  sleep 2
  restart_brokers
fi
echo "== scripts/test.sh in a fresh Debian root: exit $status"
exit "$status"
