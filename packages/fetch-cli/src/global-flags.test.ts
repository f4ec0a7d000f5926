import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index.js';
import { commandHelp, GLOBAL_OPTIONS } from './help.js';
import { DEFAULT_PROGRAM, run } from './run.js';

/** Every command takes the global flags (`--quiet`, `--json`, `--debug`), before or after its name. */
async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

const GLOBAL_FLAGS = [['--quiet'], ['-q'], ['--json'], ['--debug'], ['--quiet', '--json', '--debug']];

describe.each(COMMANDS.map((command) => [command.name]))('%s takes the global flags', (name) => {
  it.each(GLOBAL_FLAGS)('%s after the command name is no unknown option', async (...flags) => {
    // No arguments: the command gets as far as its own argument check, whatever it needs.
    const r = await cli([name, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/unknown option/);
    expect(r.stderr).toMatch(new RegExp(`^isar-fetch: ${name}: (missing|the archive path)`));
    if (flags.includes('--json')) {
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    } else {
      expect(r.stdout).toBe('');
    }
  });

  it.each(GLOBAL_FLAGS)('%s before the command name counts as after it', async (...flags) => {
    const r = await cli([...flags, name]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/unknown option/);
    if (flags.includes('--json')) {
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    }
  });

  it('lists them in its --help', () => {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new Error(name);
    const help = commandHelp(DEFAULT_PROGRAM, command);
    for (const flag of ['-q, --quiet', '--json', '--debug', '-h, --help', '-V, --version']) {
      expect(help).toContain(flag);
    }
  });
});

describe('a command describing a global flag itself', () => {
  it('keeps its type and short flag, so -q means --quiet everywhere', () => {
    for (const command of COMMANDS) {
      for (const [name, spec] of Object.entries(command.options)) {
        const global = GLOBAL_OPTIONS[name];
        if (!global) continue;
        expect({ command: command.name, name, type: spec.type, short: spec.short }).toEqual({
          command: command.name,
          name,
          type: global.type,
          short: global.short,
        });
      }
    }
  });
});

describe('--json where the result is a path', () => {
  it('localpath --json --quiet prints {"path"}', async () => {
    const r = await cli(['localpath', 'docker://debian;tag=12', '--arch', 'amd64', '--json', '--quiet']);
    expect(r).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ path: 'container-images/amd64/debian_12.zst' })}\n`,
      stderr: '',
    });
  });
});
