#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The soak's real client: connections one after another, each echoing
--bytes through tcpcheck's server, for --duration seconds (at most --count),
taking the addresses in turn. A connection whose connect took a second or
more had its SYN retransmitted (Linux's first SYN timeout is 1 s): it is
counted as retried, not failed. Every second --progress gets the totals so
far; at the end one JSON line on stdout.
"""
import argparse, json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
from tcpcheck import one_conn  # noqa: E402

RETRIED_MS = 900.0	# a connect this slow waited for a SYN retransmission

def write_atomic(path, obj):
    with open(path + '.tmp', 'w') as f:
        f.write(json.dumps(obj) + '\n')
    os.rename(path + '.tmp', path)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--addr', action='append', required=True)
    ap.add_argument('--port', type=int, default=80)
    ap.add_argument('--bytes', type=int, default=2000)
    ap.add_argument('--timeout', type=float, default=10)
    ap.add_argument('--interval', type=float, default=0.01)
    ap.add_argument('--duration', type=float, required=True)
    ap.add_argument('--count', type=int, default=1000000)
    ap.add_argument('--progress', required=True)
    args = ap.parse_args()

    tot = {'ok': 0, 'retried': 0, 'failed': 0}
    lat, errors = [], {}
    t0 = time.monotonic()
    deadline, next_report = t0 + args.duration, t0
    i = 0
    while i < args.count and time.monotonic() < deadline:
        addr = args.addr[i % len(args.addr)]
        i += 1
        try:
            ms = one_conn(addr, args.port, args.bytes, args.timeout)
            lat.append(ms)
            tot['ok'] += 1
            if ms >= RETRIED_MS:
                tot['retried'] += 1
        except OSError as e:
            tot['failed'] += 1
            key = '%s: %s' % (addr, e)
            errors[key] = errors.get(key, 0) + 1
            print('connection %d to %s failed after %.1f s: %s' % (
                i, addr, time.monotonic() - t0, e), file=sys.stderr, flush=True)
        now = time.monotonic()
        if now >= next_report:
            write_atomic(args.progress, dict(tot, attempts=i))
            next_report = now + 1
        time.sleep(args.interval)
    write_atomic(args.progress, dict(tot, attempts=i))
    lat.sort()
    pct = lambda p: round(lat[min(len(lat) - 1, int(len(lat) * p))], 3) if lat else None
    print(json.dumps(dict(tot, attempts=i, seconds=round(time.monotonic() - t0, 1),
                          p50_ms=pct(0.50), p99_ms=pct(0.99),
                          max_ms=round(lat[-1], 3) if lat else None, errors=errors)),
          flush=True)
    return 0 if tot['failed'] == 0 else 1

if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
