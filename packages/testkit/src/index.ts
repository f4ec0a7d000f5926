export type { AccessLogEntry } from './access-log.js';
export { parseAccessLog } from './access-log.js';
export { busyboxCacheDir, fetchBusybox } from './busybox-source.js';
export type { Dockerd } from './dockerd.js';
export { DOCKER, DOCKERD, startDockerd } from './dockerd.js';
export type {
  FaultMatchRequest,
  FaultPlan,
  FaultProxy,
  FaultProxyOptions,
  ProxiedRequest,
} from './fault-proxy.js';
export { faultProxy } from './fault-proxy.js';
export type {
  HostileAnswer,
  HostileBlobOptions,
  HostileHandler,
  HostileRegistry,
  HostileRequest,
} from './hostile-registry.js';
export { sha256Digest, startHostileRegistry } from './hostile-registry.js';
export type { BuiltImage, BuiltLayer, BuiltManifest, ImageSpec } from './image-builder.js';
export { buildImage, imageCacheDir } from './image-builder.js';
export type { Podman } from './podman.js';
export { createPodman, PODMAN } from './podman.js';
export type { Registry, RegistryCa, RegistryOptions, RegistryTokenServer } from './registry.js';
export { startRegistry } from './registry.js';
export type { CachedRootfs, RootfsSpec } from './rootfs.js';
export { cachedRootfs, MMDEBSTRAP, rootfsCacheDir, rootfsKey, rootfsUnavailable } from './rootfs.js';
export type { ChrootRunOptions, DeviceRoot } from './rootfs-chroot.js';
export { openDeviceRoot, SERVICE_PATH } from './rootfs-chroot.js';
export type { DeviceRootSpec, DeviceSuite } from './rootfs-devices.js';
export { DEVICE_ROOTS } from './rootfs-devices.js';
export type { Footprint, InstalledPackage } from './rootfs-footprint.js';
export { installedVersion, rootFootprint } from './rootfs-footprint.js';
export type { RunOptions, RunResult } from './run-command.js';
export { CommandError, runChecked, runCommand } from './run-command.js';
export type { PushOptions, TlsClientOptions } from './skopeo.js';
export { pushImage, skopeo, tlsFlags } from './skopeo.js';
export type { SmallFilesystem, SmallFilesystemOptions } from './small-filesystem.js';
export { canMountTmpfs, mountSmallFilesystem } from './small-filesystem.js';
export type { TmpDir } from './tmp-dir.js';
export { freePort, tmpDir } from './tmp-dir.js';
export type { TokenRequestRecord } from './token-server.js';
