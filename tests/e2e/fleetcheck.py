#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The client of test_fleet.sh: which member of an anycast fleet answers a
connection (its servers are tcpcheck.py server --name).

client: one connection; with --hold-map, tc_hold (on the client's egress)
        drops the client's handshake ACK and --switch (a command) runs
        between that ACK and the first data, which then carries the
        cookie (ack = cookie + 1). --expect NAME: NAME must answer both
        lines and close cleanly; --expect none: nothing (no data, no
        EOF, no RST) may come back within --wait s. Prints one JSON line.
Every call is bounded in count and time.
"""
import argparse, json, os, shlex, socket, struct, subprocess, sys, time
from conform import Holds, ACK, FIN, SYN, RST, CLIENT
from tcpcheck import family


def fail(res, msg):
    res['error'] = msg
    print(json.dumps(res), flush=True)
    sys.exit(1)


def readline(c, res, what):
    buf = b''
    while not buf.endswith(b'\n'):
        try:
            d = c.recv(65536)
        except socket.timeout:
            fail(res, '%s: no answer within %g s (%d bytes so far)' % (what, c.gettimeout(), len(buf)))
        except OSError as e:
            fail(res, '%s: %s' % (what, e))
        if not d:
            fail(res, '%s: EOF after %d bytes' % (what, len(buf)))
        buf += d
    return buf


def client(a):
    fam = family(a.addr)
    res = {'addr': a.addr, 'cport': a.cport}
    holds = rule = None
    if a.hold_map:
        holds = Holds(a.hold_map)
        # The client's first pure ACK: the handshake's third segment.
        rule = holds.add(a.cport, CLIENT, 0, ACK, FIN | SYN | RST, max_len=0, count=1)
    c = socket.socket(fam, socket.SOCK_STREAM)
    if a.cport:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(('', a.cport))
    c.settimeout(a.timeout)
    try:
        c.connect((a.addr, a.port))
    except OSError as e:
        fail(res, 'connect: %s' % e)
    res['cport'] = c.getsockname()[1]
    if holds:
        # Sent from the softirq that took the SYN-ACK: soon, but maybe
        # after connect() returned.
        deadline = time.monotonic() + 2
        while holds.dropped(rule) < 1:
            if time.monotonic() > deadline:
                fail(res, 'the handshake ACK was not held')
            time.sleep(0.01)
        res['acks_held'] = holds.dropped(rule)
        sw = subprocess.run(shlex.split(a.switch), capture_output=True, text=True, timeout=10)
        if sw.returncode:
            fail(res, '%s: %s' % (a.switch, sw.stderr.strip()))
    first = b'first data of port %d\n' % res['cport']
    c.sendall(first)
    if a.expect == 'none':
        c.settimeout(a.wait)
        try:
            d = c.recv(65536)
            fail(res, 'got %r, expected nothing' % d if d else 'EOF, expected nothing')
        except socket.timeout:
            res['answered_by'] = None
        except OSError as e:
            fail(res, 'expected nothing, got: %s' % e)
        # Gone without a FIN that would wait for the peer.
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        c.close()
    else:
        reply = readline(c, res, 'first line')
        res['answered_by'] = reply.split(b' ', 1)[0].decode()
        if reply != a.expect.encode() + b' ' + first:
            fail(res, 'answer %r, expected %r' % (reply, a.expect.encode() + b' ' + first))
        # More than a segment back and forth on the handed connection.
        second = os.urandom(1500).hex().encode() + b'\n'
        c.sendall(second)
        if readline(c, res, 'second line') != a.expect.encode() + b' ' + second:
            fail(res, 'second answer is not %s echoing' % a.expect)
        res['bytes'] = len(first) + len(second)
        c.shutdown(socket.SHUT_WR)
        try:
            tail = c.recv(1)
        except OSError as e:
            fail(res, 'close: %s' % e)
        if tail:
            fail(res, 'data after the answers: %r' % tail)
        c.close()
    if holds:
        holds.clear()
    print(json.dumps(res), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('client')
    c.add_argument('--addr', required=True)
    c.add_argument('--port', type=int, default=80)
    c.add_argument('--cport', type=int, default=0)
    c.add_argument('--hold-map', help="tc_hold's pinned rules (needs --cport, --switch)")
    c.add_argument('--switch', help='the command run between the held ACK and the data')
    c.add_argument('--expect', required=True, help='the server that answers, or none')
    c.add_argument('--wait', type=float, default=3, help='with --expect none')
    c.add_argument('--timeout', type=float, default=5)
    a = ap.parse_args()
    if a.cmd == 'client' and a.hold_map and not (a.cport and a.switch):
        ap.error('--hold-map needs --cport and --switch')
    return client(a)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:	# Ctrl-C: whoever started us cleans up
        sys.exit(130)
