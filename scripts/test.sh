#!/usr/bin/env bash
# The full test suite, from a fresh Debian machine: installs what the tests need, lints, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm run --silent lint
node scripts/test.mjs "$@"
