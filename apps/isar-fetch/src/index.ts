import { type CliIo, type ProgramInfo, run } from '@isar/fetch-cli';
import packageJson from '../package.json' with { type: 'json' };

/** isar-fetch as it names itself in messages, `--help` and `--version`. */
export const PROGRAM: ProgramInfo = {
  name: 'isar-fetch',
  version: packageJson.version,
  description: "Fetch container images from registries into Isar's download cache.",
};

/** Runs the isar-fetch command line; resolves to the exit code. The bin (`main.ts`) wires it to the process. */
export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return run(argv, io, { program: PROGRAM });
}
