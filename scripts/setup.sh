#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine with Node 20: the Debian packages the tests and the demo use, pnpm,
# the workspace's dependencies (zstd-napi compiled offline against Node's headers) and a build.
# Idempotent: when everything is already there it only checks, installs nothing and builds from turbo's cache.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
# mmdebstrap: the Debian device roots the loader is tested in (built once into ~/.cache/isar-testkit/rootfs).
DEBIAN_PACKAGES=(docker-registry skopeo podman docker.io busybox-static zstd pigz apache2-utils openssl tinyproxy
  uidmap python3 ca-certificates jq mmdebstrap)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q >/dev/null
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian packages start services we do not use (tests run private instances on loopback).
for svc in docker-registry docker tinyproxy; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    as_root systemctl stop "$svc" || true
  fi
done

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  as_root npm install -g -E "pnpm@$PNPM_VERSION" >/dev/null
fi

# pnpm does not read npm's nodedir setting; node-gyp finds Node's headers through this variable (offline build).
export npm_config_nodedir=/usr
pnpm install --frozen-lockfile --reporter=silent
pnpm build --output-logs=errors-only
echo "setup: ready"
