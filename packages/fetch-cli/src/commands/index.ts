import type { Command } from '../command.js';
import { localpathCommand } from './localpath.js';

/** Every command of isar-fetch, in the order `--help` lists them. One file per command. */
export const COMMANDS: readonly Command[] = [localpathCommand];
