#!/usr/bin/env bash
# JupyterHub's proxy (configurable-http-proxy) comes from npm: install the version hub/package-lock.json pins
# into hub/node_modules, once (and again when the lockfile changes), as tests/e2e/ensure_chromium.sh does Chromium.
# Without npm: on CI (CI=true) install Node.js and npm from Debian when root can, else fail; elsewhere say how to
# get it and go on (make hub stops there; the class test is skipped with the same message).
set -euo pipefail
cd "$(dirname "$0")"
proxy=node_modules/.bin/configurable-http-proxy
if [ -x "$proxy" ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" != "true" ]; then
    echo "hub/ensure_proxy.sh: npm is missing, so JupyterHub's proxy cannot be installed and the class hub" \
         "(make hub, tests/e2e/test_hub.py) is skipped: apt-get install nodejs npm" >&2
    exit 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "CI=true but npm is missing and cannot be installed without root: apt-get install nodejs npm" >&2
    exit 1
  fi
fi
# The proxy asks for a newer Node than Debian's and says so; it runs on Node 20.
npm ci --no-audit --no-fund --loglevel=error
