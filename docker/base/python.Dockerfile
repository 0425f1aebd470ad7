# Local stand-in for python:3.11-slim, for machines without a registry:
# Debian's own python3 (3.11 in bookworm) with venv and the shared libpython
# (python:3.11-slim has it too; uWSGI links to it), on the debootstrapped base.
# Built by `make docker-base`; users with a registry never need it.
ARG BASE=arena-base/debian:bookworm
FROM ${BASE}
# The system store, which includes CAs the host added (see mk/docker.mk).
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv libpython3.11 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
