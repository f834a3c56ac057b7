#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Real TCP peers for synfin's namespace tests.

server: accept, echo what arrives until EOF, close; write the number of
        connections accepted to --stats at exit. With --name, answer each
        line with the name, a space and the line (which server answered).
client: N connections, each sending --bytes and reading them back, then
        closing; prints one JSON line (ok, failed, p50/p99 connect ms).
hold:   open one connection, print its TCP_INFO options as JSON, keep it
        until stdin closes.
Every call is bounded in count and time.
"""
import argparse, json, os, select, socket, struct, sys, threading, time

def tcp_info(c):
    """The options Linux negotiated, from TCP_INFO (struct tcp_info)."""
    b = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    opts, ws = b[5], b[6]
    peer = c.getpeername()
    local = c.getsockname()
    return {'peer': '%s:%d' % (peer[0], peer[1]),
            'local': '%s:%d' % (local[0], local[1]),
            'ts': bool(opts & 1), 'sack': bool(opts & 2),
            'wscale': bool(opts & 4), 'ecn': bool(opts & 8),
            'snd_wscale': ws & 0xf, 'rcv_wscale': ws >> 4,
            'snd_mss': struct.unpack_from('=I', b, 16)[0]}

def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET

def serve(args):
    socks = []
    for addr in args.addr:
        s = socket.socket(family(addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family(addr) == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, args.port))
        s.listen(args.backlog)
        socks.append(s)
    accepted = [0]
    deadline = time.time() + args.timeout

    name = args.name.encode() if args.name else None

    def echo(c):
        # Longer than a synfind start on a loaded machine: the tests hold
        # connections idle across one.
        c.settimeout(120)
        buf = b''
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                if not name:
                    c.sendall(d)
                    continue
                # --name: each line back after the server's name.
                buf += d
                while b'\n' in buf:
                    line, buf = buf.split(b'\n', 1)
                    c.sendall(name + b' ' + line + b'\n')
        except OSError:
            pass
        finally:
            c.close()

    def write_stats():
        with open(args.stats + '.tmp', 'w') as f:
            f.write('%d\n' % accepted[0])
        os.rename(args.stats + '.tmp', args.stats)

    write_stats()
    print('listening', flush=True)
    while time.time() < deadline:
        r, _, _ = select.select(socks, [], [], 0.2)
        for s in r:
            c, _ = s.accept()
            accepted[0] += 1
            with open(args.stats + '.conns', 'a') as f:
                f.write(json.dumps(tcp_info(c)) + '\n')
            write_stats()
            threading.Thread(target=echo, args=(c,), daemon=True).start()
    write_stats()

def one_conn(addr, port, nbytes, timeout):
    t0 = time.monotonic()
    c = socket.create_connection((addr, port), timeout=timeout)
    t1 = time.monotonic()
    payload = os.urandom(nbytes)
    c.sendall(payload)
    got = b''
    while len(got) < nbytes:
        d = c.recv(65536)
        if not d:
            break
        got += d
    c.shutdown(socket.SHUT_WR)
    tail = c.recv(1)
    c.close()
    if got != payload or tail:
        raise OSError('echo mismatch (%d of %d bytes)' % (len(got), nbytes))
    return (t1 - t0) * 1000.0

def client(args):
    ok = failed = 0
    lat, errors = [], {}
    deadline = time.time() + args.duration if args.duration else None
    i = 0
    while i < args.count and (deadline is None or time.time() < deadline):
        i += 1
        try:
            lat.append(one_conn(args.addr, args.port, args.bytes, args.timeout))
            ok += 1
        except OSError as e:
            failed += 1
            errors[str(e)] = errors.get(str(e), 0) + 1
        if args.interval:
            time.sleep(args.interval)
    lat.sort()
    pct = lambda p: round(lat[min(len(lat) - 1, int(len(lat) * p))], 3) if lat else None
    print(json.dumps({'ok': ok, 'failed': failed, 'p50_ms': pct(0.50),
                      'p99_ms': pct(0.99), 'errors': errors}), flush=True)
    return 0 if failed == 0 else 1

def hold(args):
    c = socket.create_connection((args.addr, args.port), timeout=args.timeout)
    c.sendall(b'x' * args.bytes)
    got = b''
    while len(got) < args.bytes:
        got += c.recv(65536)
    print(json.dumps(tcp_info(c)), flush=True)
    select.select([sys.stdin], [], [], args.timeout)
    c.close()

def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('server')
    s.add_argument('--addr', action='append', required=True)
    s.add_argument('--port', type=int, default=80)
    s.add_argument('--backlog', type=int, default=128)
    s.add_argument('--timeout', type=float, default=120)
    s.add_argument('--stats', required=True)
    s.add_argument('--name', help='answer lines with this name before them')
    for name in ('client', 'hold'):
        c = sub.add_parser(name)
        c.add_argument('--addr', required=True)
        c.add_argument('--port', type=int, default=80)
        c.add_argument('--count', type=int, default=1)
        c.add_argument('--bytes', type=int, default=1000)
        c.add_argument('--timeout', type=float, default=5)
        c.add_argument('--duration', type=float, default=0)
        c.add_argument('--interval', type=float, default=0)
    args = ap.parse_args()
    return {'server': serve, 'client': client, 'hold': hold}[args.cmd](args) or 0

if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:	# Ctrl-C: whoever started us cleans up
        sys.exit(130)
