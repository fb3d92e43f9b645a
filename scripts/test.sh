#!/usr/bin/env bash
# The whole test suite, as a new user (or CI) runs it on a fresh Debian 12 machine as root:
# installs what is missing, checks format and lint, then runs unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npx biome check .
node scripts/run-tests.mjs "$@"
