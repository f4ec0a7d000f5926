import type { Command } from '../command.js';
import { fetchCommand } from './fetch.js';
import { localpathCommand } from './localpath.js';
import { resolveCommand } from './resolve.js';
import { sbomCommand } from './sbom.js';
import { unpackCommand } from './unpack.js';
import { verifyCommand } from './verify.js';

/** Every command of isar-fetch, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly Command[] = [
  fetchCommand,
  unpackCommand,
  localpathCommand,
  resolveCommand,
  verifyCommand,
  sbomCommand,
];
