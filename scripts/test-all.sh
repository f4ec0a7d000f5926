#!/usr/bin/env bash
# Every check the project has: typecheck, lint, then each package's tests (one package at a time: the
# end-to-end tests start registries and container engines, and the machine has two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm typecheck --output-logs=errors-only
pnpm lint
pnpm test
