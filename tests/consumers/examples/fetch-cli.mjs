// Run an isar-fetch command in-process, with its output captured instead of written to the terminal.
import { run } from '@isar/fetch-cli';

const [url, arch = 'arm64'] = process.argv.slice(2);

let stdout = '';
let stderr = '';
const code = await run(['resolve', url, '--arch', arch, '--json'], {
  stdout: { write: (text) => (stdout += text) },
  stderr: { write: (text) => (stderr += text) },
  env: process.env, // BB_STRICT_CHECKSUM, ZSTD_DEFAULTS, proxies...
});
// 0 ok, 1 registry/fetch failure, 2 bad input; errors are one line on stderr.
console.log(JSON.stringify({ code, result: code === 0 ? JSON.parse(stdout) : null, stderr }));
