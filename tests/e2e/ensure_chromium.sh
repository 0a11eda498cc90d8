#!/usr/bin/env bash
# On CI (CI=true) the browser tests must run: install Debian's Chromium when it is missing.
# Elsewhere nothing is installed; the browser tests skip with a message saying how to get it.
set -euo pipefail
if [ "${CI:-}" != "true" ] || command -v chromium >/dev/null 2>&1 || [ -n "${KBSIM_CHROMIUM:-}" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "CI=true but Chromium is missing and cannot be installed without root: apt-get install chromium" >&2
  exit 1
fi
