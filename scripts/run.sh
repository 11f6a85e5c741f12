#!/usr/bin/env bash
# `make run`: migrate, load demo data once, create the office admin once, start the worker, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8000}"
BIN=.venv/bin
# Development settings (generated SECRET_KEY, DEBUG, this port) in git-ignored var/local.env: the
# README's commands then work in any shell, and every generated link carries this port.
$BIN/python -m jointcredit.config.localenv --port "$PORT"
$BIN/jointcredit migrate --noinput
$BIN/jointcredit createcachetable
$BIN/jointcredit demo --size small
$BIN/jointcredit bootstrap_admin
mkdir -p var
$BIN/jointcredit worker >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "任务进程已启动（日志 var/worker.log）；演示邮件写入 var/mail/。"
echo "打开 http://127.0.0.1:${PORT}/ （门户）与 http://127.0.0.1:${PORT}/staff/ （工作台）"
$BIN/jointcredit serve --port "$PORT"
