# `inherit registry-loader`: the recipe's docker:// images are pushed at boot into the registry on the
# device (Debian's docker-registry), keeping their manifest digests where the archive allows it.
# Our addition to Isar's docker-loader and podman-loader; see container-loader.bbclass.
#
# Variables (besides container-loader's):
#   CONTAINER_REGISTRY_URL  the registry to push to (default http://127.0.0.1:5000; https://user:pass@host
#                           works)
#
# SPDX-License-Identifier: MIT

inherit container-loader

CONTAINER_ENGINE = "registry"
CONTAINER_ENGINE_PACKAGES ?= "docker-registry"
CONTAINER_ENGINE_SERVICE ?= "docker-registry.service"
