#!/usr/bin/env bash
# The whole test suite: system packages, type check against the real provider SDKs, lint, then jest.
# Extra arguments go to jest (e.g. a test path, or --json --outputFile=... as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
npx tsc --noEmit -p .
npm run --silent lint
npx jest "$@"
