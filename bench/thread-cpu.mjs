// Preloaded (`node --import`) into the fetches the bench pairs for the SBOM's cost: at exit, the process's CPU
// (all threads, getrusage) and each thread's CPU
// time in ns from /proc/self/task/<tid>/schedstat (measure.py samples every 50 ms and misses each thread's
// last tick). The SBOM adds work only to the main thread and V8's (compiler, GC); zlib, fs and zstd do the
// same with and without it, and their noise swamps a difference of a few percent. Threads are told apart
// by creation order, as in measure.py: main, signal, 4 V8 platform threads, inspector, 4 libuv, addons.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';

/** This process's CPU seconds so far by thread kind: main, V8 (compiler, GC), the rest. */
export function threadCpuByKind() {
  const kinds = { main: 0, v8: 0, rest: 0 };
  const tids = readdirSync('/proc/self/task')
    .map(Number)
    .sort((a, b) => a - b);
  tids.forEach((tid, index) => {
    let ns = 0;
    try {
      ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended meanwhile.
    }
    const kind = index === 0 ? 'main' : index >= 2 && index <= 5 ? 'v8' : 'rest';
    kinds[kind] += ns / 1e9;
  });
  return kinds;
}

/**
 * The whole process's CPU seconds so far, threads that have ended included (getrusage): zstd's workers end with
 * their compression context, before the exit that reads the threads above.
 */
export function processCpu() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const out = process.env.BENCH_THREAD_CPU;
if (out)
  process.on('exit', () =>
    appendFileSync(out, `${JSON.stringify({ ...threadCpuByKind(), total: processCpu() })}\n`),
  );
