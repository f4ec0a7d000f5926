/**
 * container-loader as a library: the same run the CLI does (`main`), and its parts for embedding in other
 * device tooling. The CLI is `dist/main.js`; the single-file build for devices is `dist/container-loader.mjs`.
 */
export { type CliIo, ExitCode, main } from './cli/main.js';
export { type ConfigAssignment, parseConfigText, readConfigFile } from './config/config-file.js';
export {
  DEFAULT_REGISTRY_URL,
  ENGINES,
  type EngineName,
  type FlagValues,
  type LoaderSettings,
  resolveSettings,
} from './config/settings.js';
export { createEngine } from './engines/create-engine.js';
export type { Engine, LoadedImage, PreparedArchive } from './engines/engine.js';
export { isLoaderError, LoaderError, type LoaderErrorCode } from './errors.js';
export { type DiscoveredInputs, discoverInputs, type InputSource, type LoadItem } from './inputs/discover.js';
export {
  type ListedImage,
  type ListProblem,
  type ParsedImageList,
  parseImageList,
} from './inputs/image-list.js';
export { type ImageName, parseImageName } from './inputs/image-name.js';
export type { ImageSbom } from './inputs/sbom-file.js';
export type { ImageResult, ImageStatus, LoadReport } from './report/result.js';
export { type LoadImagesOptions, loadImages } from './run/load-images.js';
