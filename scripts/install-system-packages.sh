#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (nginx: the gateway's config is tested on
# the real server). Idempotent: does nothing when they are already there.
set -euo pipefail
missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run: sudo apt-get update && sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package starts a system nginx on port 80 where an init system exists; tests run their own.
if pgrep -x nginx >/dev/null 2>&1 && [ -f /run/nginx.pid ]; then
  /usr/sbin/nginx -s quit 2>/dev/null || true
fi
