# `inherit docker-loader`: the recipe's docker:// images are loaded into docker at boot.
# Same name and variables as Isar's docker-loader.bbclass; see container-loader.bbclass.
#
# SPDX-License-Identifier: MIT

inherit container-loader

CONTAINER_ENGINE = "docker"
CONTAINER_ENGINE_PACKAGES ?= "${DOCKER_PKGS}, apparmor"
CONTAINER_ENGINE_SERVICE ?= "docker.service"
