#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""BPF objects, asked of the kernel by id (Debian 12's bpftool 7.1 lists no
TCX link, and stops listing links at the first one it doesn't know).

count:       {"prog": N, "map": N, "link": N, "btf": N}, the whole host's
fds PID...:  "KIND ID" lines of every BPF object the processes hold an fd of
alive FILE:  the "KIND ID" lines of FILE whose object still exists
"""
import ctypes, errno, json, os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
from hooks import libc, NR_BPF  # noqa: E402

# enum bpf_cmd: KIND -> (GET_NEXT_ID, GET_FD_BY_ID)
CMDS = {'prog': (11, 13), 'map': (12, 14), 'btf': (23, 19), 'link': (31, 30)}

def bpf(cmd, start_id):
    """The command on union bpf_attr { u32 id; u32 next_id; u32 open_flags; }."""
    attr = ctypes.create_string_buffer(struct.pack('=III', start_id, 0, 0), 16)
    ret = libc.syscall(NR_BPF, cmd, attr, 16)
    return ret, ctypes.get_errno(), struct.unpack_from('=I', attr.raw, 4)[0]

def count(kind):
    n, cur = 0, 0
    while True:
        ret, err, nxt = bpf(CMDS[kind][0], cur)
        if ret < 0:
            if err != errno.ENOENT:
                sys.exit('%s GET_NEXT_ID: %s' % (kind, os.strerror(err)))
            return n
        n, cur = n + 1, nxt

def alive(kind, obj_id):
    ret, err, _ = bpf(CMDS[kind][1], obj_id)
    if ret >= 0:
        os.close(ret)
        return True
    if err != errno.ENOENT:
        sys.exit('%s %d GET_FD_BY_ID: %s' % (kind, obj_id, os.strerror(err)))
    return False

def held(pid):
    """KIND ID of the BPF objects behind pid's fds, from /proc/PID/fdinfo."""
    out = set()
    d = '/proc/%s/fdinfo' % pid
    try:
        names = os.listdir(d)
    except OSError:
        return out
    for n in names:
        try:
            with open(os.path.join(d, n)) as f:
                for line in f:
                    k, _, v = line.partition(':')
                    if k in ('prog_id', 'map_id', 'link_id', 'btf_id'):
                        out.add('%s %d' % (k[:-3], int(v)))
        except OSError:
            pass	# closed meanwhile
    return out

def main():
    cmd = sys.argv[1]
    if cmd == 'count':
        print(json.dumps({k: count(k) for k in CMDS}))
    elif cmd == 'fds':
        ids = set()
        for pid in sys.argv[2:]:
            ids |= held(pid)
        print('\n'.join(sorted(ids)))
    elif cmd == 'alive':
        with open(sys.argv[2]) as f:
            for line in sorted(set(f.read().split('\n'))):
                if line.strip():
                    kind, obj_id = line.split()
                    if alive(kind, int(obj_id)):
                        print(line)
    else:
        sys.exit('usage: bpfobjs.py count | fds PID... | alive FILE')

if __name__ == '__main__':
    main()
