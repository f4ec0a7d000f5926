import { describe, expect, it } from 'vitest';
import type { Command } from '../command.js';
import { run } from '../run.js';

/**
 * Exit 130 tells bitbake and CI that the user pressed Ctrl-C: only the command's own signal may say that. An
 * AbortError that escapes while nobody interrupted us is the echo of another failure, and exits 1.
 */
function failing(error: () => unknown, before?: () => void): Command {
  return {
    name: 'boom',
    summary: 'fails',
    positionals: [],
    options: { json: { type: 'boolean', description: 'JSON' } },
    run: async () => {
      before?.();
      throw error();
    },
  };
}

async function runWith(command: Command, signal: AbortSignal, json = false) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    signal,
  };
  const code = await run(['boom', ...(json ? ['--json'] : [])], io, { commands: [command] });
  return { code, stdout, stderr };
}

const abortError = () => new DOMException('The operation was aborted', 'AbortError');

describe('exit 130 means our own signal was aborted', () => {
  it('an AbortError while the signal is not aborted: exit 1', async () => {
    const r = await runWith(failing(abortError), new AbortController().signal);
    expect(r.code).toBe(1);
  });

  it('with --json too: the JSON error says exit 1', async () => {
    const r = await runWith(failing(abortError), new AbortController().signal, true);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.exitCode).toBe(1);
  });

  it('an interrupt (the signal aborted): exit 130, whatever error the command ends with', async () => {
    const controller = new AbortController();
    const interrupted = failing(
      () => new Error('ENOENT: the temp file was already removed'),
      () => controller.abort(abortError()),
    );
    expect((await runWith(interrupted, controller.signal)).code).toBe(130);
    expect((await runWith(failing(abortError), controller.signal)).code).toBe(130);
  });
});
