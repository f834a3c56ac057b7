#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""SYNs shaped to get past a guard that can't read them, for test_door.sh.

doorcheck.py IFACE DST_MAC SRC4 DST4 SRC6 DST6 PORT COUNT
Sends COUNT SYNs of each class through IFACE and counts the SYN-ACKs that
come back within a second, as JSON {class: n}:
  frag4  an IPv4 SYN in two fragments, 24 bytes of TCP in the first
  tiny4  an IPv4 SYN in 8-byte fragments (RFC 1858's tiny fragment)
  frag6  an IPv6 SYN in two fragments, 24 bytes of TCP in the first
  ext6   an IPv6 SYN behind five extension headers
"""
import json, random, sys, time
from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, TCP, AsyncSniffer, conf, fragment,
                       raw, sendp)

OPTS = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)), ('NOP', None),
        ('WScale', 7)]

def syn(sport, port):
    return TCP(sport=sport, dport=port, flags='S', seq=random.getrandbits(32),
               window=64240, options=OPTS)

def frag6(eth, src, dst, tcp, first):
    """The TCP segment (checksummed) in two fragments: first bytes, the rest."""
    seg = raw(IPv6(src=src, dst=dst) / tcp)[40:]
    ident = random.getrandbits(32)
    return [eth / IPv6(src=src, dst=dst) /
            IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=ident) / seg[:first],
            eth / IPv6(src=src, dst=dst) /
            IPv6ExtHdrFragment(nh=6, offset=first // 8, m=0, id=ident) / seg[first:]]

def frames(cls, a, sport):
    eth = Ether(dst=a['mac'])
    if cls == 'frag4':
        return fragment(IP(src=a['src4'], dst=a['dst4']) / syn(sport, a['port']),
                        fragsize=24), eth
    if cls == 'tiny4':
        return fragment(IP(src=a['src4'], dst=a['dst4']) / syn(sport, a['port']),
                        fragsize=8), eth
    if cls == 'frag6':
        return frag6(eth, a['src6'], a['dst6'], syn(sport, a['port']), 24), None
    ip6 = (IPv6(src=a['src6'], dst=a['dst6']) / IPv6ExtHdrHopByHop() /
           IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
           IPv6ExtHdrDestOpt())
    return [eth / ip6 / syn(sport, a['port'])], None

def main():
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    conf.verb = 0
    iface, mac, src4, dst4, src6, dst6, port, count = sys.argv[1:]
    a = dict(mac=mac, src4=src4, dst4=dst4, src6=src6, dst6=dst6, port=int(port))
    out = {}
    for n, cls in enumerate(('frag4', 'tiny4', 'frag6', 'ext6')):
        base = 20000 + 1000 * n
        sn = AsyncSniffer(iface=iface, filter='tcp src port %d' % a['port'],
                          store=True)
        sn.start()
        time.sleep(0.3)
        for i in range(int(count)):
            fr, eth = frames(cls, a, base + i)
            sendp([eth / f for f in fr] if eth is not None else fr, iface=iface)
        time.sleep(1.0)
        got = sn.stop()
        out[cls] = sum(1 for p in got if p.haslayer(TCP) and
                       p[TCP].flags == 'SA' and base <= p[TCP].dport < base + int(count))
    print(json.dumps(out, sort_keys=True))

if __name__ == '__main__':
    main()
