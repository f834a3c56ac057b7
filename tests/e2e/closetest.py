#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Drives both ends of real TCP connections from one process (each socket
is made in its own namespace with setns) through the four-way close, and
reads synfin's connection table after each step.

closetest.py --ns-server NS --ns-client NS --addr A --synfinctl CMD... SCENARIO
Scenarios: client-first, server-first, simultaneous, abort, preexisting.
Prints one line per step and exits non-zero at the first mismatch.
"""
import argparse, ctypes, json, os, socket, struct, subprocess, sys, time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL('libc.so.6', use_errno=True)

class Ns:
    def __init__(self, name):
        self.fd = os.open('/run/netns/' + name, os.O_RDONLY)
    def enter(self):
        if libc.setns(self.fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), 'setns')

def fail(msg):
    print('FAIL: ' + msg, flush=True)
    sys.exit(1)

def conn_entry(synfinctl, cport):
    """synfin's table entry of the connection from client port cport, or
    None; synfinctl is the command, with its -s, as a list."""
    out = subprocess.run(synfinctl + ['-j', 'conns'], capture_output=True,
                         text=True, timeout=10)
    if out.returncode:
        fail('synfinctl conns: ' + out.stdout + out.stderr)
    for e in json.loads(out.stdout)['conns']:
        if e['remote'].endswith(':%d' % cport):
            return e
    return None

class Bed:
    def __init__(self, a):
        self.a = a
        self.srv, self.cli = Ns(a.ns_server), Ns(a.ns_client)
        self.fam = socket.AF_INET6 if ':' in a.addr else socket.AF_INET
        self.srv.enter()
        self.lsock = socket.socket(self.fam, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((a.addr, a.port))
        self.lsock.listen(16)
        self.lsock.settimeout(5)

    def connect(self):
        self.cli.enter()
        c = socket.socket(self.fam, socket.SOCK_STREAM)
        c.settimeout(5)
        c.connect((self.a.addr, self.a.port))
        self.cport = c.getsockname()[1]
        s, _ = self.lsock.accept()
        s.settimeout(5)
        c.sendall(b'hello' * 100)
        got = b''
        while len(got) < 500:
            got += s.recv(4096)
        s.sendall(b'world' * 100)
        got = b''
        while len(got) < 500:
            got += c.recv(4096)
        return c, s

    def entry(self, c):
        """The table entry of the client's connection, or None."""
        return conn_entry(self.a.synfinctl, self.cport)

    def expect(self, c, step, conn, remote, local, closer=None, fin_remote=None,
               fin_local=None, wait=0.3):
        deadline = time.time() + 3
        while True:
            time.sleep(wait)
            e = self.entry(c)
            got = (e['state'], e['remote_side']['state'], e['local_side']['state']) if e else None
            if got == (conn, remote, local):
                break
            if time.time() > deadline:
                fail('%s: table shows %s, want %s' % (step, got, (conn, remote, local)))
        if closer and e['closer'] != closer:
            fail('%s: closer %s, want %s' % (step, e['closer'], closer))
        for side, want in (('remote_side', fin_remote), ('local_side', fin_local)):
            if want is not None and e[side].get('fin_seq') != want:
                fail('%s: %s fin_seq %s, want %s' % (step, side, e[side].get('fin_seq'), want))
        print('  ok: %-34s %-11s remote %-11s local %-11s' % (step, conn, remote, local), flush=True)
        return e

    def gone(self, c, step, within, expect_s=None):
        """Waits for the entry to go (within `within` s); with expect_s, not
        before 90% of expect_s after its last segment. How soon after is the
        sweep's latency: a timing, which a loaded machine stretches (3.31 s
        for 3 s, seen with a second test run beside), not a test's."""
        e = self.entry(c)
        start = time.monotonic() - (e['idle_ms'] / 1000.0 if e else 0)
        deadline = time.time() + within
        while self.entry(c):
            if time.time() > deadline:
                fail('%s: entry still there after %.1f s' % (step, within))
            time.sleep(0.05)
        took = time.monotonic() - start
        if expect_s is not None and took < expect_s * 0.9:
            fail('%s: removed %.2f s after its last segment, before its %.2f s' % (step, took, expect_s))
        print('  ok: %-34s entry removed after %.2f s' % (step, took), flush=True)

def client_first(b):
    c, s = b.connect()
    e = b.expect(c, 'established', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED')
    u = e['remote_side']['next_seq']
    c.shutdown(socket.SHUT_WR)                  # FIN seq=u
    b.expect(c, 'client FIN, server ACK', 'FIN-WAIT-2', 'FIN-WAIT-2', 'CLOSE-WAIT',
             closer='remote', fin_remote=u)
    if s.recv(10) != b'':
        fail('server did not see EOF')
    w = b.entry(c)['local_side']['next_seq']
    s.close()                                   # FIN+ACK seq=w ack=u+1
    b.expect(c, 'server FIN, client ACK', 'TIME-WAIT', 'TIME-WAIT', 'CLOSED',
             closer='remote', fin_remote=u, fin_local=w)
    c.close()
    return c

def server_first(b):
    c, s = b.connect()
    b.expect(c, 'established', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED')
    s.shutdown(socket.SHUT_WR)
    b.expect(c, 'server FIN, client ACK', 'FIN-WAIT-2', 'CLOSE-WAIT', 'FIN-WAIT-2',
             closer='local')
    if c.recv(10) != b'':
        fail('client did not see EOF')
    c.close()
    b.expect(c, 'client FIN, server ACK', 'TIME-WAIT', 'CLOSED', 'TIME-WAIT', closer='local')
    s.close()
    return c

def simultaneous(b):
    c, s = b.connect()
    b.expect(c, 'established', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED')
    # The client's FIN is lost after synfin saw it (tc_drop_fin): the
    # server's FIN does not ack it, and the client retransmits.
    c.shutdown(socket.SHUT_WR)
    time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    # CLOSING lasts one RTO at most; the caller counts the transitions.
    b.expect(c, 'FINs crossed, both acked', 'TIME-WAIT', 'TIME-WAIT', 'TIME-WAIT',
             wait=0.3)
    c.close(); s.close()
    return c

def abort(b):
    c, s = b.connect()
    b.expect(c, 'established', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED')
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    c.close()                                   # RST
    time.sleep(0.3)
    e = None
    try:
        s.recv(10)
    except ConnectionResetError:
        e = 'reset'
    if e != 'reset':
        fail('server socket was not reset')
    print('  ok: %-34s server got ECONNRESET' % 'client RST (SO_LINGER 0)', flush=True)
    s.close()
    return c

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ns-server', required=True)
    ap.add_argument('--ns-client', required=True)
    ap.add_argument('--addr', required=True)
    ap.add_argument('--port', type=int, default=80)
    ap.add_argument('--time-wait-s', type=float, default=3)
    ap.add_argument('--synfinctl', required=True, help='synfinctl with its -s')
    ap.add_argument('scenario', choices=['client-first', 'server-first', 'simultaneous', 'abort'])
    a = ap.parse_args()
    a.synfinctl = a.synfinctl.split()
    b = Bed(a)
    c = {'client-first': client_first, 'server-first': server_first,
         'simultaneous': simultaneous, 'abort': abort}[a.scenario](b)
    if a.scenario == 'abort':
        b.gone(c, 'closed by RST', 2)
    else:
        b.gone(c, 'TIME-WAIT expired', a.time_wait_s + 3, a.time_wait_s)
    return 0

if __name__ == '__main__':
    sys.exit(main())
