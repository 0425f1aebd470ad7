# Local stand-in for golang:1.26, for machines without a registry: the Go
# toolchain as the go command itself fetches it, the golang.org/toolchain module
# from the Go module proxy. Built by `make docker-base`.
ARG BASE=arena-base/debian:bookworm
FROM ${BASE}
ARG GO_VERSION=1.26.8
ARG GOPROXY=https://proxy.golang.org
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/* \
 && arch="$(dpkg --print-architecture)" \
 && mod="v0.0.1-go${GO_VERSION}.linux-${arch}" \
 && curl -fsSL -o /tmp/go.zip "${GOPROXY}/golang.org/toolchain/@v/${mod}.zip" \
 && unzip -q /tmp/go.zip -d /tmp/go \
 && mv "/tmp/go/golang.org/toolchain@${mod}" /usr/local/go \
 && rm -rf /tmp/go /tmp/go.zip \
 && chmod +x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/* \
 && /usr/local/go/bin/go version
# Module zips carry no file modes, hence the chmod (the go command does the same).
ENV PATH=/usr/local/go/bin:/root/go/bin:$PATH GOTOOLCHAIN=local
CMD ["go", "version"]
