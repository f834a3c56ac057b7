#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The BPF programs an interface runs, a line each: HOOK NAME, sorted.

HOOK is xdp/native, xdp/skb, tcx/ingress or tcx/egress. Run it in the
interface's namespace. Debian 12's bpftool (7.1) doesn't list TCX links,
so TCX is asked with BPF_PROG_QUERY; XDP comes from ip -d link.
"""
import ctypes, json, socket, struct, subprocess, sys

BPF_PROG_QUERY = 16
BPF_TCX_INGRESS, BPF_TCX_EGRESS = 46, 47
NR_BPF = 321                     # x86_64
XDP_MODES = {1: 'native', 2: 'skb', 3: 'hw'}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def tcx_prog_ids(ifindex, attach_type):
    ids = (ctypes.c_uint32 * 64)()
    # union bpf_attr's query: target_ifindex, attach_type, query_flags,
    # attach_flags, prog_ids, prog_cnt, then fields left zero.
    attr = ctypes.create_string_buffer(struct.pack(
        '=IIIIQI', ifindex, attach_type, 0, 0, ctypes.addressof(ids), 64), 64)
    if libc.syscall(NR_BPF, BPF_PROG_QUERY, attr, 64) < 0:
        err = ctypes.get_errno()
        sys.exit('BPF_PROG_QUERY: %s' % __import__('os').strerror(err))
    count = struct.unpack_from('=I', attr.raw, 24)[0]
    return list(ids[:count])

def prog_name(prog_id):
    out = subprocess.run(['bpftool', '-j', 'prog', 'show', 'id', str(prog_id)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)['name']

def main():
    ifname = sys.argv[1]
    lines = []
    link = json.loads(subprocess.run(['ip', '-j', '-d', 'link', 'show', 'dev', ifname],
                                     capture_output=True, text=True, check=True).stdout)[0]
    for a in link.get('xdp', {}).get('attached', []):
        lines.append('xdp/%s %s' % (XDP_MODES.get(a['mode'], a['mode']), a['prog']['name']))
    ifindex = socket.if_nametoindex(ifname)
    for hook, t in (('ingress', BPF_TCX_INGRESS), ('egress', BPF_TCX_EGRESS)):
        for i in tcx_prog_ids(ifindex, t):
            lines.append('tcx/%s %s' % (hook, prog_name(i)))
    print('\n'.join(sorted(lines)))

if __name__ == '__main__':
    main()
