import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tmpDir } from '@isar/testkit';

/** A real tinyproxy on 127.0.0.1 (test-only helper; the kit has no proxy of its own). */
export interface Tinyproxy {
  readonly url: string;
  readonly port: number;
  /** Log lines so far (CONNECT and request lines name the targets). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTinyproxy(): Promise<Tinyproxy> {
  const dir = await tmpDir('isar-tinyproxy-');
  const port = await freePort();
  const logFile = join(dir.path, 'tinyproxy.log');
  const conf = join(dir.path, 'tinyproxy.conf');
  // No ConnectPort line: CONNECT is allowed to any port (the kit's registries use random ones).
  await writeFile(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      'Allow 127.0.0.1',
      'LogLevel Info',
      `LogFile "${logFile}"`,
      'MaxClients 50',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (await canConnect(port)) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`tinyproxy did not start: ${await readFile(logFile, 'utf8').catch(() => '')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await dir.cleanup();
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
