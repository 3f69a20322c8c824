# The Connector's image: the one `connector` binary (the built-in WebAssembly modules are compiled
# into it) on Debian, running as a non-root user, with Docker's HEALTHCHECK.
#
# Targets:
#   (default)  compiles the connector from the sources in the `build` stage:
#                docker build -t connector .
#   prebuilt   ships an already built binary, the file `connector` of the build context:
#                docker build --target prebuilt -f Dockerfile -t connector DIR_WITH_THE_BINARY
#              (the binary must be built for the runtime base's glibc, e.g. on bookworm).
# Base images are build arguments, so the image builds without a registry from local bases;
# scripts/image.sh makes them (debootstrap) and builds with podman.

ARG BUILD_BASE=rust:1.95-slim-bookworm
ARG RUNTIME_BASE=debian:bookworm-slim

# What every image of the Connector is, whichever way the binary was made.
FROM ${RUNTIME_BASE} AS runtime
# CA certificates for TLS to the Backbone, webhooks and brokers (the local base has them already).
RUN if [ ! -e /etc/ssl/certs/ca-certificates.crt ]; then \
        apt-get update && apt-get install -y --no-install-recommends ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --gid 10001 connector \
    && useradd --uid 10001 --gid 10001 --home-dir /usr/app --no-create-home connector \
    && mkdir -p /usr/app/data && chown connector:connector /usr/app/data
WORKDIR /usr/app
# Numeric, so an orchestrator can check `runAsNonRoot` without reading /etc/passwd.
USER 10001:10001
# The embedded store lives in ./data (database.folder); mount a volume there to keep it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=5 CMD ["connector", "healthcheck"]
ENTRYPOINT ["connector"]
CMD ["start"]

# Port 80 (the official default) without root: the binary carries cap_net_bind_service. setcap
# runs in a stage of its own so the final image holds the binary once, not once more per RUN.
FROM ${RUNTIME_BASE} AS setcap
RUN command -v setcap >/dev/null || { apt-get update && apt-get install -y --no-install-recommends libcap2-bin; }

FROM setcap AS prebuilt-binary
COPY connector /out/connector
RUN setcap cap_net_bind_service=+ep /out/connector

FROM runtime AS prebuilt
COPY --from=prebuilt-binary /out/connector /usr/local/bin/connector

FROM ${BUILD_BASE} AS build
WORKDIR /src
# The connector's build script compiles the built-in modules for this target.
RUN rustup target add wasm32-wasip2
COPY . .
# The build folder goes in the same step: only the binary leaves this stage, and a layer holding
# gigabytes of intermediate artifacts would only cost disk.
RUN cargo build --release --locked -p connector && mkdir -p /out && cp target/release/connector /out/connector \
    && rm -rf target

FROM setcap AS built-binary
COPY --from=build /out/connector /out/connector
RUN setcap cap_net_bind_service=+ep /out/connector

FROM runtime
COPY --from=built-binary /out/connector /usr/local/bin/connector
