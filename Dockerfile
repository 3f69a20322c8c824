# Multi-stage build: compile the connector and the built-in WASM modules, then ship them in a
# small Debian image as a non-root user.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin && rm -rf /var/lib/apt/lists/* \
    && rustup target add wasm32-wasip2
COPY . .
RUN cargo build --release --locked -p connector \
    && (cd modules && cargo build --release --locked --target wasm32-wasip2) \
    && mkdir -p /out/modules \
    && cp target/release/connector /out/connector \
    && cp modules/target/wasm32-wasip2/release/*.wasm /out/modules/ \
    # Port 80 (the official default) without running as root.
    && setcap cap_net_bind_service=+ep /out/connector

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /usr/app connector \
    && mkdir -p /usr/app/data && chown connector /usr/app/data
COPY --from=build /out/connector /usr/local/bin/connector
COPY --from=build /out/modules /usr/app/modules
ENV moduleHost__builtinDirectory=/usr/app/modules
WORKDIR /usr/app
USER connector
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=5 CMD ["connector", "healthcheck"]
ENTRYPOINT ["connector"]
CMD ["start"]
