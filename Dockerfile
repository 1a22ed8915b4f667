# flowdb sidecar image. Holds only the esbuild bundle of server/src/main.ts (all dependencies
# inlined, no node_modules, no dev dependencies), the engine worker thread bundle (flush and
# compaction CPU work; loaded from next to server.mjs) and a tiny HTTP /readyz probe.
#   scripts/bundle-server.sh                      # -> dist/image/{server.mjs,engine-worker.mjs,healthcheck.mjs,data/}
#   docker build -t flowdb .                      # on the public Node 24 slim image
#   docker build --build-arg BASE=flowdb-base:node24 -t flowdb .   # offline (scripts/base-image.sh)
# No RUN steps: the offline base has no shell. Flags: `docker run flowdb --sync=interval:10`
# (or FLOWDB_* env). SIGTERM (docker stop, kubelet) reaches node as PID 1: graceful drain, exit 0.
ARG BASE=node:24-slim
FROM ${BASE}

LABEL org.opencontainers.image.title="flowdb" \
      org.opencontainers.image.description="flowdb LSM key-value sidecar (Connect, gRPC, gRPC-Web on one port)"

WORKDIR /app
COPY --chown=0:0 dist/image/server.mjs dist/image/engine-worker.mjs dist/image/healthcheck.mjs /app/
# Mount point of the data volume, owned by the non-root user (a fresh named volume copies this owner).
COPY --chown=65532:65532 dist/image/data/ /var/lib/flowdb/

ENV NODE_ENV=production \
    FLOWDB_LISTEN=0.0.0.0:50051 \
    FLOWDB_DATA_DIR=/var/lib/flowdb

USER 65532:65532
VOLUME ["/var/lib/flowdb"]
EXPOSE 50051
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]
# 16 MiB semi-spaces: Node 24 sizes the young generation from the host's memory (128 MB of new
# space on a 24 GiB node), most of it garbage under write load (BENCHMARKS.md, issue 3).
ENTRYPOINT ["node", "--max-semi-space-size=16", "/app/server.mjs"]
CMD []
