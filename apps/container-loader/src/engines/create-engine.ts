import type { LoaderSettings } from '../config/settings.js';
import { CliEngine } from './cli-engine.js';
import type { Engine } from './engine.js';
import { RegistryEngine } from './registry/registry-engine.js';

/** The engine the settings name, reached through the settings' environment. */
export function createEngine(
  settings: Pick<LoaderSettings, 'engine' | 'env' | 'registryUrl' | 'tmpDir'>,
): Engine {
  if (settings.engine === 'registry') {
    return new RegistryEngine({ url: settings.registryUrl, tmpDir: settings.tmpDir, env: settings.env });
  }
  return new CliEngine(settings.engine, settings.env);
}
