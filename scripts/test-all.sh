#!/usr/bin/env bash
# Sets up everything on a fresh machine and runs every test: type check, build, unit tests
# (plain Node), then end-to-end tests in a real VS Code (code-server + Playwright + chromium).
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip   # onnxruntime-node must not download at install (offline)
T0=$SECONDS
step() { printf '\n== %s (%ds)\n' "$1" "$((SECONDS - T0))"; }

step "npm ci"
npm ci --no-audit --no-fund
step "type check"
npm run typecheck
step "build"
npm run build
step "unit tests"
npm run test:unit
step "end-to-end tests (code-server)"
bash test/e2e/run.sh
step "all tests passed"
