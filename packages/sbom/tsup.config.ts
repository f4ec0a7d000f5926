import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.mjs';

export default defineConfig(libraryBuild());
