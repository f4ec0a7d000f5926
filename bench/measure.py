#!/usr/bin/env python3
"""Runs a command, prints one JSON line: wall seconds, CPU seconds and peak RSS (KiB) of its process tree."""
import json, resource, subprocess, sys, time

start = time.monotonic()
code = subprocess.call(sys.argv[1:])
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxRssKiB": usage.ru_maxrss}))
sys.exit(0)
