import { defineConfig } from 'tsup';
import { appBuild } from '../../tsup.base.mjs';

export default defineConfig(appBuild());
