# cohort's container image: one static binary on scratch, run as uid/gid 65532.
#
#   docker build -t cohort .                      # or: podman build --format docker -t cohort .
#   docker run --rm cohort demo --exit            # the whole path, no account, no network
#   docker run --env-file .env -p 8080:8080 -v cohort-data:/data cohort    # cohort serve
#
# Two targets make the same image from the same two trees of files:
#   image           (the default, the last stage) compiles cohort in
#                   golang:1.26-bookworm: it needs a registry to pull that from.
#   image-prebuilt  takes the trees already laid out in the build context
#                   under dist/ and pulls nothing. .ci/run builds it, on a
#                   machine with no registry, with that machine's Go and CA file:
#                     podman build --format docker --target image-prebuilt -t cohort:ci .
# The trees:
#   /rootfs/usr/local/bin/cohort               the binary
#   /rootfs/etc/ssl/certs/ca-certificates.crt  CA certificates, for HTTPS to Zendesk and CRMs
#   /rootfs/tmp/                               empty, mode 1777 (cohort demo makes a temp dir)
#   /rootfs-65532/data/                        empty; /data, owned by 65532, for SQLite
# BuildKit and buildah (podman) build only the stages a target needs, so
# image-prebuilt never pulls golang. (A FROM ${ARG} switch would be one stage
# fewer, but buildah 1.28, Debian 12's podman, does not follow an ARG's
# default to a stage.)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -tags nomsgpack: gin's documented build tag that leaves out its msgpack
# binding (github.com/ugorji/go/codec), which cohort never binds; with
# -ldflags="-s -w" (no symbol table or DWARF) that takes the image from
# 40.6 MB to 35 MB, inside its 40 MB budget. timetzdata embeds the time zone
# database (about 450 kB): scratch has no /usr/share/zoneinfo, and a schedule
# may name a zone (COHORT_SYNC_SCHEDULE="CRON_TZ=Europe/Berlin 0 6 * * *").
RUN CGO_ENABLED=0 go build -tags nomsgpack,timetzdata -trimpath -ldflags="-s -w" \
        -o /rootfs/usr/local/bin/cohort ./cmd/cohort \
    && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt \
    && install -d -m 1777 /rootfs/tmp \
    && install -d -m 0755 /rootfs-65532/data

FROM scratch AS prebuilt
COPY dist/rootfs/ /rootfs/
COPY dist/rootfs-65532/ /rootfs-65532/

# Everything but the two trees: both targets start from here.
FROM scratch AS runtime
# The sample rules: replace them by mounting a ConfigMap or a folder over
# /etc/cohort (segments.yaml and macros/*.yaml), or point the variables
# elsewhere.
COPY manifests/segments.yaml /etc/cohort/segments.yaml
COPY manifests/macros/*.yaml /etc/cohort/macros/
ENV COHORT_DATABASE_URL=sqlite:/data/cohort.db \
    COHORT_SEGMENTS_FILE=/etc/cohort/segments.yaml \
    COHORT_MACROS_DIR=/etc/cohort/macros \
    COHORT_LISTEN_ADDR=:8080
USER 65532:65532
# 8080: webhooks, the apps' API, /healthz, /readyz. 9090: /metrics, /healthz
# and /readyz for operators, when COHORT_METRICS_ADDR=:9090 is set.
EXPOSE 8080 9090
# No shell and no curl in the image: cohort asks itself (GET /readyz on
# COHORT_LISTEN_ADDR). Docker-format images only: podman build --format docker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/cohort", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/cohort"]
CMD ["serve"]
LABEL org.opencontainers.image.title="cohort" \
      org.opencontainers.image.description="Segment-aware support for your helpdesk: Zendesk webhooks in, enriched tickets out" \
      org.opencontainers.image.source="https://github.com/cohortdesk/cohort"

# The same three lines in both targets. Each tree's entries are copied with
# their modes (tmp stays 1777) and, for data, the owner --chown names; /
# itself is left as it is.
FROM runtime AS image-prebuilt
COPY --from=prebuilt /rootfs/ /
COPY --from=prebuilt --chown=65532:65532 /rootfs-65532/ /
WORKDIR /data

FROM runtime AS image
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 /rootfs-65532/ /
WORKDIR /data
