#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Spoofed TCP segments through an AF_PACKET socket, for the namespace
tests: random source ports (and addresses within --src), random sequence
and acknowledgement numbers, correct checksums. Bounded by --count and
--duration; prints one JSON line with what it sent.
"""
import argparse, ipaddress, json, os, random, socket, struct, sys, time

FLAGS = {'syn': 0x02, 'ack': 0x10, 'fin': 0x11, 'rst': 0x04}

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(dst_mac, src_mac, src, dst, sport, dport, seq, ack, flags):
    opts = struct.pack('!BBH', 2, 4, 1460) if flags & 0x02 else b''
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack,
                      (5 + len(opts) // 4) << 4, flags, 64240, 0, 0) + opts
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack('!BBH', 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000,
                         64, 6, 0, src.packed, dst.packed)
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        etype = 0x0800
    else:
        pseudo = src.packed + dst.packed + struct.pack('!I3xB', len(tcp), 6)
        tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack('!IHBB16s16s', 0x60000000, len(tcp), 6, 64,
                         src.packed, dst.packed)
        etype = 0x86dd
    return dst_mac + src_mac + struct.pack('!H', etype) + ip + tcp

def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--iface', required=True)
    ap.add_argument('--dst-mac', required=True)
    ap.add_argument('--dst', required=True)
    ap.add_argument('--dport', type=int, default=80)
    ap.add_argument('--src', required=True, help='address or CIDR')
    ap.add_argument('--type', choices=sorted(FLAGS), default='ack')
    ap.add_argument('--count', type=int, default=1000)
    ap.add_argument('--duration', type=float, default=30)
    ap.add_argument('--seed', type=int, default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    net = ipaddress.ip_network(a.src, strict=False)
    dst = ipaddress.ip_address(a.dst)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4]
    dmac = mac(a.dst_mac)
    sent, t0 = 0, time.monotonic()
    while sent < a.count and time.monotonic() - t0 < a.duration:
        src = net[rnd.randrange(net.num_addresses)] if net.num_addresses > 1 else net[0]
        f = frame(dmac, src_mac, src, dst, rnd.randrange(1024, 65536), a.dport,
                  rnd.getrandbits(32), rnd.getrandbits(32), FLAGS[a.type])
        try:
            s.send(f)
            sent += 1
        except BlockingIOError:
            time.sleep(0.001)
    print(json.dumps({'sent': sent, 'seconds': round(time.monotonic() - t0, 3)}))
    return 0 if sent == a.count else 1

if __name__ == '__main__':
    sys.exit(main())
