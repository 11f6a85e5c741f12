#!/usr/bin/env bash
# Load tool for `make bench` (wrk, Debian). Idempotent; needs root. Not part of CI: without wrk the
# benchmarks fall back to a Python load generator.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ]; then echo "缺少 wrk（需要 root 执行 apt-get install wrk）" >&2; exit 1; fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
