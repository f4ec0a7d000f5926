/**
 * The Debian roots the device tests run in: minbase plus what a container-loader package pulls in on the
 * device (nodejs, zstd, ca-certificates) and the docker client (it talks to the kit's dockerd through a
 * bind-mounted socket). trixie also has systemd and docker-registry, so a loader unit can be verified against
 * real units there. One list per suite, shared by every test, so each root is built (and cached) once.
 */
import type { RootfsSpec } from './rootfs.js';

export interface DeviceRootSpec extends RootfsSpec {
  /** What `node --version` says there. */
  node: RegExp;
}

export const DEVICE_ROOTS = {
  /** Debian 12: Node 18.19 / 18.20 (security updates), docker.io 20.10 (client and engine in one package). */
  bookworm: {
    suite: 'bookworm',
    packages: ['nodejs', 'zstd', 'ca-certificates', 'docker.io'],
    node: /^v18\.(19|2\d)\./,
  },
  /** Debian 13: Node 20.19, the docker client split out as docker-cli. */
  trixie: {
    suite: 'trixie',
    packages: ['nodejs', 'zstd', 'ca-certificates', 'docker-cli', 'systemd', 'docker-registry'],
    node: /^v20\.(19|[2-9]\d)\./,
  },
} as const satisfies Record<string, DeviceRootSpec>;

export type DeviceSuite = keyof typeof DEVICE_ROOTS;
