# `inherit podman-loader`: the recipe's docker:// images are loaded into podman at boot.
# Same name and variables as Isar's podman-loader.bbclass; see container-loader.bbclass.
#
# SPDX-License-Identifier: MIT

inherit container-loader

CONTAINER_ENGINE = "podman"
CONTAINER_ENGINE_PACKAGES ?= "podman"
# podman has no daemon: its socket unit is the closest thing to "the engine is up".
CONTAINER_ENGINE_SERVICE ?= "podman.socket"
