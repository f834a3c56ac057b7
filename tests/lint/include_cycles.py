#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The userspace include graph has no cycles.

A module is a name's .c and .h (config.c and config.h are "config"); module
A depends on B when A's .c or .h includes B.h. Exit 1, with each cycle,
when there is one.
Usage: tests/lint/include_cycles.py DIR...
"""
import glob
import os
import re
import sys

files = [f for d in sys.argv[1:] for f in glob.glob(d + '/**/*.[ch]', recursive=True)]
mod = lambda f: os.path.splitext(os.path.basename(f))[0]
known = {mod(f) for f in files}
deps = {}
for f in files:
    with open(f) as fh:
        for inc in re.findall(r'^#include "([^"]+)\.h"', fh.read(), re.M):
            if inc in known and inc != mod(f):
                deps.setdefault(mod(f), set()).add(inc)

cycles = {}
def walk(node, path):
    for nxt in sorted(deps.get(node, ())):
        if nxt in path:
            cyc = path[path.index(nxt):]
            cycles.setdefault(frozenset(cyc), cyc + [nxt])
        elif nxt not in done:
            walk(nxt, path + [nxt])
    done.add(node)

done = set()
for m in sorted(deps):
    if m not in done:
        walk(m, [m])
for c in cycles.values():
    print('include cycle: ' + ' -> '.join(c))
print('%d modules, %d include cycles' % (len(known), len(cycles)))
sys.exit(1 if cycles else 0)
