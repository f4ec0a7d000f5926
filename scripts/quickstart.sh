#!/usr/bin/env bash
# The README's two commands: `bash scripts/quickstart.sh demo` and `bash scripts/quickstart.sh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  demo) bash scripts/setup.sh && exec pnpm --silent demo ;;
  test) bash scripts/setup.sh && exec bash scripts/test-all.sh ;;
  *) echo "usage: bash scripts/quickstart.sh demo|test" >&2; exit 2 ;;
esac
