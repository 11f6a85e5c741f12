#!/usr/bin/env bash
# Debian packages the project needs: CJK fonts for PDF letters/reports (WeasyPrint), chromium for
# the Playwright tests. Idempotent; needs root (as on CI and the dev machines).
set -euo pipefail
need=()
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "缺少系统包：${need[*]}（需要 root 执行 apt-get install）" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
