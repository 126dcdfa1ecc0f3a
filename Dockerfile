# Cotizador: the app under Litestream. Mirrors the build commands CI runs
# (no Docker engine runs on the development machines, so CI cannot build it;
# TestProductionDockerfileMirrorsBuild compares it with the Makefile,
# scripts/litestream.sh and deploy/compose.yaml).
# On a server, deploy/compose.yaml builds it and puts Caddy in front:
#   cd deploy && docker compose up -d --build
# Alone it runs in production on 0.0.0.0:3000, so it refuses to start unless
# COTIZADOR_BASE_URL is https:// and COTIZADOR_TRUSTED_PROXIES names the
# HTTPS proxy in front (it never serves HTTPS itself).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Litestream, built from its pinned module in tools/ (its own go.mod keeps its
# dependencies out of the app's graph).
COPY tools/go.mod tools/go.sum ./tools/
RUN cd tools && go mod download
RUN cd tools && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o /out/litestream github.com/benbjohnson/litestream/cmd/litestream
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=1 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      -o /out/cotizador .

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data cotizador \
 && mkdir -p /data && chown cotizador /data
COPY --from=build /out/cotizador /out/litestream /usr/local/bin/
COPY litestream.yml /etc/litestream.yml
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER cotizador
VOLUME /data
ENV COTIZADOR_DB=/data/cotizador.db \
    COTIZADOR_ADDR=0.0.0.0:3000 \
    COTIZADOR_ENV=production \
    LITESTREAM_PATH=cotizador \
    LITESTREAM_REGION=us-east-1 \
    LITESTREAM_CONFIG=/etc/litestream.yml \
    LITESTREAM_METRICS_ADDR=127.0.0.1:9090 \
    COTIZADOR_SNAPSHOT_DIR=/data/snapshots
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/bin/env", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /api/health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
