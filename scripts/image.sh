#!/usr/bin/env bash
# Builds and runs the Connector's container image with podman and no registry: the base images are
# made on this machine (Debian bookworm by debootstrap, Rust on top of it) and stay in a podman
# store of our own under $CARGO_TARGET_DIR, so nothing touches the machine's own podman images.
#
#   scripts/image.sh base                    make the local Debian base image (cached tarball)
#   scripts/image.sh build-base              make the local Rust build base image
#   scripts/image.sh prebuilt BINARY [TAG]   image from an already built `connector` binary
#   scripts/image.sh full [TAG]              the whole multi-stage build from the sources
#   scripts/image.sh full-if-changed [TAG]   `full`, but only when the Dockerfile changed since
#                                            the last successful full build
#   scripts/image.sh podman ARGS...          podman with this store and settings
#
# With a registry none of this is needed: `docker build .` or `podman build --format docker .`.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enmeshed-connector/target}"
STATE="$CARGO_TARGET_DIR/container"
# Our settings (no systemd, runc, no ulimits) whatever the machine's podman defaults are.
export CONTAINERS_CONF="$PWD/scripts/podman/containers.conf"
# vfs works on every file system, including inside another container; it copies each layer in
# full, which the runtime images (about 150 MB) afford.
PODMAN=(podman --root "$STATE/storage" --runroot "$STATE/run" --storage-driver vfs)

RUNTIME_BASE=localhost/enmeshed-connector/debian:bookworm-minbase
BUILD_BASE=localhost/enmeshed-connector/rust:1.95-bookworm
DEFAULT_TAG=localhost/enmeshed-connector/connector:latest
# What the runtime base holds beyond minbase: certificates for TLS to the Backbone, and setcap,
# which the Dockerfile needs and would otherwise fetch with apt.
BASE_PACKAGES=ca-certificates,libcap2-bin

podman_() { "${PODMAN[@]}" "$@"; }

# Builds that download (rustup, crates) trust what this machine trusts, e.g. a proxy's CA. The
# bundle is mounted for the RUN steps only and never becomes part of an image.
HOST_CA=/etc/ssl/certs/ca-certificates.crt
DOWNLOADS=(--network host)
[ -f "$HOST_CA" ] && DOWNLOADS+=(--volume "$HOST_CA:$HOST_CA:ro")

has_image() { podman_ image exists "$1"; }

# Debian bookworm minbase, trimmed as debian:bookworm-slim is. The tarball is kept (its name
# carries the package list) so a new podman store is filled again in seconds, not a minute.
base() {
  has_image "$RUNTIME_BASE" && return
  local tarball="$STATE/debian-bookworm-minbase-${BASE_PACKAGES//,/-}.tar"
  if [ ! -f "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
    local rootfs="$STATE/rootfs"
    rm -rf "$rootfs"
    mkdir -p "$STATE"
    echo "== debootstrap bookworm (minbase + $BASE_PACKAGES)"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$rootfs" http://deb.debian.org/debian >"$STATE/debootstrap.log" 2>&1 \
      || { tail -20 "$STATE/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    # Packages installed later leave out documentation too, as in the slim images.
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
      >"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
    tar -C "$rootfs" --numeric-owner --xattrs -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
  fi
  podman_ import --quiet --change 'CMD ["bash"]' "$tarball" "$RUNTIME_BASE" >/dev/null
}

# What rust:1.95-slim-bookworm holds: a C toolchain for linking and rustup with Rust 1.95, plus
# the wasm32-wasip2 target the built-in modules compile to. rustup-init is pinned by version and
# hash, as in the official image.
RUSTUP_VERSION=1.28.2
RUSTUP_SHA256=20a06e644b0d9bd2fbdbfd52d42540bdde820ea7df86e92e533c073da0cdd43c
build_base() {
  has_image "$BUILD_BASE" && return
  base
  echo "== $BUILD_BASE"
  podman_ build "${DOWNLOADS[@]}" --format docker -t "$BUILD_BASE" -f - . <<EOF
FROM $RUNTIME_BASE
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:\$PATH
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev curl \\
    && rm -rf /var/lib/apt/lists/* \\
    && curl --proto '=https' --tlsv1.2 -sSfo /tmp/rustup-init \\
       https://static.rust-lang.org/rustup/archive/$RUSTUP_VERSION/x86_64-unknown-linux-gnu/rustup-init \\
    && echo "$RUSTUP_SHA256  /tmp/rustup-init" | sha256sum -c - \\
    && chmod +x /tmp/rustup-init \\
    && /tmp/rustup-init -y --no-modify-path --profile minimal --default-toolchain 1.95.0 --target wasm32-wasip2 \\
    && rm /tmp/rustup-init
EOF
}

# The build context is a folder holding only the binary, so nothing else is sent.
prebuilt() {
  local binary="$1" tag="${2:-$DEFAULT_TAG}"
  base
  local context
  context="$(mktemp -d "$STATE/context.XXXXXX")"
  cp "$binary" "$context/connector"
  local status=0
  # No layer cache: every binary is new, and cached steps would pile up as untagged images.
  podman_ build --quiet --layers=false --format docker --target prebuilt \
    --build-arg RUNTIME_BASE="$RUNTIME_BASE" -t "$tag" -f Dockerfile "$context" >/dev/null || status=$?
  rm -rf "$context"
  return "$status"
}

full() {
  local tag="${1:-$DEFAULT_TAG}"
  build_base
  # What an earlier build left (a failed one keeps its working containers) goes first.
  podman_ rm --all --force >/dev/null
  podman_ image prune --force >/dev/null
  echo "== disk before the full build: $(df -h --output=avail "$STATE" | tail -1 | tr -d ' ') free"
  # cargo fetches the crates from crates.io during the build. Without layer caching each stage
  # is one working copy instead of one per instruction, which under vfs (every layer a full copy
  # of the tree) is the difference between a few and tens of gigabytes.
  podman_ build "${DOWNLOADS[@]}" --layers=false --format docker --build-arg BUILD_BASE="$BUILD_BASE" \
    --build-arg RUNTIME_BASE="$RUNTIME_BASE" -t "$tag" -f Dockerfile .
  podman_ image prune --force >/dev/null
  # The binary runs in its image (the runtime base's glibc and user).
  podman_ run --rm "$tag" --version
}

# A full build costs a release compile (many minutes on two cores), so it runs when the
# Dockerfile changed; its hash is stored only when the build and the smoke run succeeded.
full_if_changed() {
  local stamp="$STATE/full-build.sha256" hash
  hash="$(cat Dockerfile .dockerignore | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "== full image build: Dockerfile unchanged since the last successful one, skipped"
    return
  fi
  echo "== full image build: the Dockerfile changed"
  full "$@"
  mkdir -p "$STATE"
  echo "$hash" >"$stamp"
}

case "${1:-}" in
  base) base ;;
  build-base) build_base ;;
  prebuilt) shift; prebuilt "$@" ;;
  full) shift; full "$@" ;;
  full-if-changed) shift; full_if_changed "$@" ;;
  podman) shift; podman_ "$@" ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
