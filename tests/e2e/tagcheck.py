#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""VLAN tags on SYN-ACKs, for test_vlan.sh.

syns IFACE DST_MAC SRC DST PORT COUNT: COUNT SYNs (Linux's options), sent
    as plain frames through IFACE's qdisc, so its TC egress tags them.
tags PCAP: the SYN-ACKs in PCAP by family and by their tags, outermost
    first ("88a8:10,8100:100", or "none"), as JSON: {"4": {tags: n}, ...}.
    libpcap puts a tag the kernel kept beside the frame back into it.
"""
import json, random, sys
from scapy.all import (Ether, IP, IPv6, TCP, Dot1Q, Dot1AD, conf, rdpcap,
                       sendp)

def syns(iface, dst_mac, src, dst, port, count):
    conf.verb = 0
    ip = IPv6(src=src, dst=dst) if ':' in dst else IP(src=src, dst=dst)
    opts = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)),
            ('NOP', None), ('WScale', 7)]
    base = random.randint(20000, 60000 - count)
    frames = [Ether(dst=dst_mac) / ip /
              TCP(sport=base + i, dport=port, flags='S',
                  seq=random.getrandbits(32), window=64240, options=opts)
              for i in range(count)]
    sendp(frames, iface=iface)

def tags(path):
    out = {'4': {}, '6': {}}
    for pkt in rdpcap(path):
        layer, seen = pkt.payload, []
        while isinstance(layer, (Dot1Q, Dot1AD)):
            seen.append('%s:%d' % ('88a8' if isinstance(layer, Dot1AD) else '8100',
                                   layer.vlan))
            layer = layer.payload
        if not layer.haslayer(TCP) or layer[TCP].flags != 'SA':
            continue
        fam = '6' if isinstance(layer, IPv6) else '4'
        key = ','.join(seen) or 'none'
        out[fam][key] = out[fam].get(key, 0) + 1
    print(json.dumps(out, sort_keys=True))

if __name__ == '__main__':
    if sys.argv[1] == 'syns':
        syns(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]),
             int(sys.argv[7]))
    elif sys.argv[1] == 'tags':
        tags(sys.argv[2])
    else:
        sys.exit(__doc__)
