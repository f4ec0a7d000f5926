#!/usr/bin/env python3
"""Runs a command, prints one JSON line: wall seconds, CPU seconds and peak RSS (KiB) of its process tree, and
the CPU seconds per thread kind of every process in the tree, sampled from /proc/<pid>/task/*/stat every 50 ms
(a thread that lives less than that is missed; the totals come from rusage, not from the samples)."""
import json, os, resource, subprocess, sys, time

TICK = os.sysconf("SC_CLK_TCK")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def tree(root):
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children(pid))
    return out


def kind(pid, tid, comm, exe, order):
    """Names a Node thread by when it was started (Node 20 does not name its threads): the main thread, then
    its signal thread, the 4 V8 platform threads (GC, compiler), the inspector thread and the 4 libuv pool
    threads (inflate, fs, crypto), all at start-up; every later thread is a native addon's (zstd's workers)
    or a worker_threads thread. Other programs are named by their executable."""
    if not exe.startswith("node"):
        return exe
    if tid == pid:
        return "main"
    if comm != "node":
        return comm
    if 2 <= order <= 5:
        return "v8"
    if 7 <= order <= 10:
        return "libuv"
    if order >= 11:
        return "zstd"
    return "other"


def sample(root, seen):
    for pid in tree(root):
        try:
            exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks = int(fields[11]) + int(fields[12])
            seen[(pid, int(tid))] = (comm, exe, ticks)


start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:])
seen = {}
while proc.poll() is None:
    sample(proc.pid, seen)
    time.sleep(0.05)
wall = time.monotonic() - start
code = proc.returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
threads = {}
# A process's tids rise in creation order, the main thread's (= the pid) first.
order = {}
for pid in {p for p, _ in seen}:
    for index, tid in enumerate(sorted(t for p, t in seen if p == pid)):
        order[(pid, tid)] = index
for (pid, tid), (comm, exe, ticks) in sorted(seen.items()):
    name = kind(pid, tid, comm, exe, order[(pid, tid)])
    if os.environ.get("MEASURE_PER_TID"):
        name = f"{name} {pid}/{tid}"
    threads[name] = round(threads.get(name, 0) + ticks / TICK, 2)
print(
    json.dumps(
        {
            "code": code,
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,
            "maxRssKiB": usage.ru_maxrss,
            "threads": threads,
        }
    )
)
sys.exit(0)
