#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""synfin's close tracker against Linux: the sequences of the kernel's
packetdrill close tests (tools/testing/selftests/net/packetdrill/tcp_close_*,
tcp_disorder_fin_in_FIN_WAIT) and more, with real sockets at both ends (each
made in its own namespace with setns), segments held or dropped by
tests/progs/tc_hold.bpf.c (behind synfin, or before it on the client's
egress), RSTs to sockets the application no longer holds written with a raw
socket. After every step, synfin's state of each endpoint (synfinctl conns)
is compared with the kernel's own (/proc/net/tcp of each namespace, which
lists TIME-WAIT too; no socket is CLOSED).

conform.py --ns-server NS --ns-client NS --addr A --synfinctl CMD --holds PIN
           [--md FILE] [SCENARIO...]
Fails on any disagreement that is not in DOCUMENTED below (and on a
documented one that is gone: the table must say what synfin does).
"""
import argparse, ctypes, socket, struct, sys, time
from closetest import Ns, conn_entry

# /proc/net/tcp's st column; the names synfinctl prints.
KSTATE = {1: 'ESTABLISHED', 2: 'SYN-SENT', 3: 'SYN-RECEIVED', 4: 'FIN-WAIT-1',
          5: 'FIN-WAIT-2', 6: 'TIME-WAIT', 7: 'CLOSED', 8: 'CLOSE-WAIT',
          9: 'LAST-ACK', 10: 'LISTEN', 11: 'CLOSING'}
EST, FW1, FW2, CLOSING, TW, CW, LA, CL = ('ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2',
    'CLOSING', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED')
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
CLIENT, SERVER = 0, 1
HOLD = 0xffffffff       # a rule's count: until it is cleared

# (scenario, step): (synfin's (client, server), why synfin differs). The
# client is synfin's remote side, the server its local side.
# The reasons synfin differs that recur across scenarios.
ACK_OF_FIN_SEEN = 'synfin saw the ACK of the FIN; it assumes what it passes arrives'
LAST_ACK_SEEN = 'synfin saw the last ACK; it assumes what it passes arrives'
RAW_RST = ("a valid RST closes both ends in synfin; C's TIME-WAIT socket did not send "
           "it (a raw socket did) and stays")

DOCUMENTED = {
    ('server-first', 'S close, C ACK lost after synfin'): ((CW, FW2), ACK_OF_FIN_SEEN),
    ('client-first', 'S close, C ACK lost after synfin'): ((TW, CL), LAST_ACK_SEEN),
    ('fin-wait-1-unacked', 'C FIN while S data+FIN held'): ((TW, CLOSING),
        "synfin saw S's FIN and takes the FINs as crossed (CLOSING); C never got "
        "S's FIN (C's FIN doesn't ack it), so C is FIN-WAIT-1, and S's ACK makes it FIN-WAIT-2"),
    ('fin-lost-before', 'C FIN lost before synfin'): ((EST, EST),
        'synfin never saw the FIN'),
    ('simultaneous', 'both FINs held after synfin'): ((CLOSING, CLOSING),
        'synfin saw both FINs cross; neither has arrived yet (FIN-WAIT-1 both)'),
    ('simultaneous', 'C FIN held, S FIN, C ACK'): ((CLOSING, TW),
        "synfin saw C's FIN, so S's FIN crossed it (CLOSING) and C's ACK ends S's "
        "close; S never got C's FIN: FIN-WAIT-2"),
    ('disorder-fin', "C's ACK of S's FIN before C's FIN"): ((CW, FW2),
        "C's FIN never passed synfin; the ACK's seq (past the FIN) says C sent one"),
    ('rst-fin-wait-1', 'C FIN, S ACK lost after synfin'): ((FW2, CW), ACK_OF_FIN_SEEN),
    ('rst-last-ack', 'S shutdown, C ACK lost before synfin'): ((FW2, LA),
        "synfin moves C to TIME-WAIT on C's ACK of S's FIN, which it never saw"),
    ('rst-last-ack', 'RST by C to S in LAST-ACK'): ((CL, CL), RAW_RST),
    ('rst-last-ack', 'RST by C to S in LAST-ACK after the lost ACK'): ((CL, CL), RAW_RST),
    ('rst-last-ack', 'S SO_LINGER 0 close in LAST-ACK'): ((FW2, LA),
        'Linux closes a LAST-ACK socket without a RST: nothing tells synfin'),
    ('rst-last-ack', 'S shutdown, C ACK lost after synfin'): ((TW, CL), LAST_ACK_SEEN),
}


class Holds:
    """tc_hold's rules (map hold_rules, pinned), through bpf(2)."""
    NR_BPF, MAP_LOOKUP, MAP_UPDATE, OBJ_GET = 321, 1, 2, 7
    FMT = '<BBBBHHHII'

    def __init__(self, path):
        self.libc = ctypes.CDLL('libc.so.6', use_errno=True)
        p = ctypes.create_string_buffer(path.encode())
        attr = struct.pack('<QII', ctypes.addressof(p), 0, 0).ljust(128, b'\0')
        self.fd = self.bpf(self.OBJ_GET, attr)
        self.used = 0

    def bpf(self, cmd, attr):
        buf = ctypes.create_string_buffer(attr, len(attr))
        r = self.libc.syscall(self.NR_BPF, cmd, buf, len(attr))
        if r < 0:
            raise OSError(ctypes.get_errno(), 'bpf(%d)' % cmd)
        return r

    def _rw(self, cmd, i, val):
        k = ctypes.create_string_buffer(struct.pack('<I', i))
        v = ctypes.create_string_buffer(val, 20)
        self.bpf(cmd, struct.pack('<IIQQQ', self.fd, 0, ctypes.addressof(k),
                                  ctypes.addressof(v), 0).ljust(128, b'\0'))
        return v.raw

    def add(self, cport, sender, after, flags_set=0, flags_clear=0, min_len=0,
            max_len=0xffff, count=HOLD):
        val = struct.pack('!H', cport) + struct.pack(self.FMT, sender, after, flags_set,
                                                    flags_clear, min_len, max_len, 0, count, 0)
        self._rw(self.MAP_UPDATE, self.used, val)
        self.used += 1
        return self.used - 1

    def dropped(self, i):
        return struct.unpack(self.FMT, self._rw(self.MAP_LOOKUP, i, b'\0' * 20)[2:])[-1]

    def clear(self):
        """Removes the rules; each must have dropped something, or the
        step before did not take the path it names."""
        for i in range(self.used):
            if not self.dropped(i):
                sys.exit('FAIL: hold rule %d dropped nothing' % i)
            self._rw(self.MAP_UPDATE, i, b'\0' * 20)
        self.used = 0


def csum(b):
    if len(b) & 1:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Conn:
    def __init__(self, c, s, cport):
        self.c, self.s, self.cport = c, s, cport


class Bed:
    def __init__(self, a):
        self.a = a
        self.srv, self.cli = Ns(a.ns_server), Ns(a.ns_client)
        self.fam = socket.AF_INET6 if ':' in a.addr else socket.AF_INET
        self.holds = Holds(a.holds)
        self.srv.enter()
        self.caddr = None
        self.lsock = socket.socket(self.fam, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((a.addr, a.port))
        self.lsock.listen(16)
        self.lsock.settimeout(5)
        self.rows = []          # (scenario, step, kernel, synfin, verdict, why)
        self.bad = 0

    def connect(self, cport=0):
        self.cli.enter()
        c = socket.socket(self.fam, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.settimeout(5)
        c.bind(('', cport))
        c.connect((self.a.addr, self.a.port))
        self.caddr = c.getsockname()[0]
        s, _ = self.lsock.accept()
        s.settimeout(5)
        conn = Conn(c, s, c.getsockname()[1])
        self.echo(conn)
        return conn

    def echo(self, conn):
        for a, b in ((conn.c, conn.s), (conn.s, conn.c)):
            a.sendall(b'x' * 500)
            got = 0
            while got < 500:
                got += len(b.recv(4096))

    # -- the two views
    def kernel(self, conn):
        def one(ns, lport, rport):
            ns.enter()
            for f in ('/proc/self/net/tcp', '/proc/self/net/tcp6'):
                for line in open(f).readlines()[1:]:
                    w = line.split()
                    if (int(w[1].split(':')[1], 16) == lport and
                            int(w[2].split(':')[1], 16) == rport):
                        return KSTATE[int(w[3], 16)]
            return CL
        return (one(self.cli, conn.cport, self.a.port), one(self.srv, self.a.port, conn.cport))

    def entry(self, conn):
        return conn_entry(self.a.synfinctl, conn.cport)

    def synfin(self, conn):
        e = self.entry(conn)
        return (e['remote_side']['state'], e['local_side']['state']) if e else (CL, CL)

    def step(self, conn, name, want):
        """After an action: the kernel's states must come to `want` (the
        scenario's own check; a held segment comes again after the backed-off
        RTO); then synfin's are read and judged."""
        deadline = time.monotonic() + 15
        while (k := self.kernel(conn)) != want:
            if time.monotonic() > deadline:
                sys.exit('FAIL: %s / %s: the kernel is at %s, the scenario wants %s'
                         % (self.scen, name, k, want))
            time.sleep(0.02)
        doc = DOCUMENTED.get((self.scen, name))
        deadline = time.monotonic() + 1
        while True:
            f = self.synfin(conn)
            if f == k or (doc and f == doc[0]) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if doc:
            verdict = 'documented' if f == doc[0] else 'DISAGREE'
        else:
            verdict = 'agree' if f == k else 'DISAGREE'
        if verdict == 'DISAGREE':
            self.bad += 1
        self.rows.append((self.scen, name, k, f, verdict, doc[1] if doc else ''))
        print('  %-10s %-20s %-44s kernel C %-11s S %-11s synfin C %-11s S %-11s'
              % (verdict, self.scen, name, k[0], k[1], f[0], f[1]), flush=True)
        if self.kernel(conn) != k:
            sys.exit('FAIL: %s / %s: the kernel moved on while synfin was read'
                     % (self.scen, name))

    def raw_rst(self, conn, sender, seq):
        """A RST from `sender`'s address and port to the other end."""
        ns, src, dst = ((self.cli, self.caddr, self.a.addr) if sender == CLIENT
                        else (self.srv, self.a.addr, self.caddr))
        sp, dp = ((conn.cport, self.a.port) if sender == CLIENT
                  else (self.a.port, conn.cport))
        ns.enter()
        fam = self.fam
        tcp = struct.pack('!HHIIBBHHH', sp, dp, seq, 0, 5 << 4, RST, 0, 0, 0)
        if fam == socket.AF_INET:
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, 20)
        else:
            pseudo = (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
                      struct.pack('!I3xB', 20, 6))
        tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
        r = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
        r.bind((src, 0))
        r.sendto(tcp, (dst, 0))
        r.close()


def linger0(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    sock.close()


def eof(sock):
    if sock.recv(10) != b'':
        sys.exit('FAIL: no EOF where the peer closed')


# -- scenarios: each drives one connection; b.step() after every action.

def server_first(b):            # packetdrill close-local-close-then-remote-fin
    k = b.connect()
    b.step(k, 'established', (EST, EST))
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (CW, FW2))
    eof(k.c)
    k.c.close()
    b.step(k, 'C close: FIN, S ACK', (CL, TW))
    k = b.connect()
    b.holds.add(k.cport, CLIENT, 1, ACK, FIN | SYN | RST, max_len=0)
    k.s.close()
    b.step(k, 'S close, C ACK lost after synfin', (CW, FW1))
    b.holds.clear()             # S sends its FIN again, C acks it again
    b.step(k, 'S FIN retransmitted, C ACK', (CW, FW2))
    k.c.close()
    b.step(k, 'C close: FIN, S ACK', (CL, TW))


def client_first(b):            # packetdrill close-remote-fin-then-close
    k = b.connect()
    b.step(k, 'established', (EST, EST))
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
    eof(k.s)
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (TW, CL))
    k = b.connect()
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
    eof(k.s)
    b.holds.add(k.cport, CLIENT, 1, ACK, FIN | SYN | RST, max_len=0)
    k.s.close()
    b.step(k, 'S close, C ACK lost after synfin', (TW, LA))
    b.holds.clear()
    b.step(k, 'S FIN retransmitted, C ACK', (TW, CL))


def fin_wait_1_unacked(b):      # FIN in FIN-WAIT-1, data and FIN unacked
    k = b.connect()
    b.holds.add(k.cport, SERVER, 1, min_len=1)
    b.holds.add(k.cport, SERVER, 1, FIN)
    k.s.sendall(b'd' * 1000)
    k.s.close()
    b.step(k, 'S data+FIN, held after synfin', (EST, FW1))
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C FIN while S data+FIN held', (FW2, CLOSING))
    b.holds.clear()
    b.step(k, 'S data+FIN retransmitted, C ACK', (TW, TW))


def fin_with_data(b):           # the FIN on a data segment (TCP_CORK)
    for first in (CLIENT, SERVER):
        k = b.connect()
        a, o = (k.c, k.s) if first == CLIENT else (k.s, k.c)
        a.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        a.sendall(b'f' * 300)
        a.shutdown(socket.SHUT_WR)
        who = 'C' if first == CLIENT else 'S'
        b.step(k, '%s data+FIN in one segment' % who, (FW2, CW) if first == CLIENT else (CW, FW2))
        got = b''
        while len(got) < 300:
            got += o.recv(4096)
        eof(o)
        o.close()
        b.step(k, 'the other closes', (TW, CL) if first == CLIENT else (CL, TW))


def fin_retransmitted(b):       # the first FIN lost behind synfin
    k = b.connect()
    b.holds.add(k.cport, CLIENT, 1, FIN)
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C FIN held after synfin', (FW1, EST))
    b.holds.clear()
    b.step(k, 'C FIN retransmitted, S ACK', (FW2, CW))
    eof(k.s)
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (TW, CL))


def fin_lost_before(b):         # the first FIN lost before synfin
    k = b.connect()
    b.holds.add(k.cport, CLIENT, 0, FIN)
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C FIN lost before synfin', (FW1, EST))
    b.holds.clear()
    b.step(k, 'C FIN retransmitted, S ACK', (FW2, CW))
    eof(k.s)
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (TW, CL))


def ooo_fin(b):                 # the FIN before a missing data segment
    for after in (1, 0):
        k = b.connect()
        b.holds.add(k.cport, CLIENT, after, min_len=1)
        k.c.sendall(b'o' * 400)
        time.sleep(0.05)        # the data its own segment, the FIN another
        k.c.shutdown(socket.SHUT_WR)
        where = 'held after' if after else 'lost before'
        b.step(k, 'C data %s synfin, C FIN' % where, (FW1, EST))
        b.holds.clear()
        b.step(k, 'C data retransmitted, S ACK', (FW2, CW))
        got = b''
        while len(got) < 400:
            got += k.s.recv(4096)
        eof(k.s)
        k.s.close()
        b.step(k, 'S close: FIN, C ACK', (TW, CL))


def simultaneous(b):            # both FINs cross
    k = b.connect()
    b.holds.add(k.cport, CLIENT, 1, FIN)
    b.holds.add(k.cport, SERVER, 1, FIN)
    k.c.shutdown(socket.SHUT_WR)
    k.s.shutdown(socket.SHUT_WR)
    b.step(k, 'both FINs held after synfin', (FW1, FW1))
    b.holds.clear()
    b.step(k, 'FINs retransmitted, ACKs', (TW, TW))
    k = b.connect()
    b.holds.add(k.cport, CLIENT, 1, FIN)
    k.c.shutdown(socket.SHUT_WR)
    time.sleep(0.05)
    k.s.shutdown(socket.SHUT_WR)
    b.step(k, 'C FIN held, S FIN, C ACK', (CLOSING, FW2))
    b.holds.clear()
    b.step(k, 'C FIN retransmitted, S ACK', (TW, TW))


def disorder_fin(b):            # packetdrill disorder_fin_in_FIN_WAIT
    k = b.connect()
    b.holds.add(k.cport, CLIENT, 0, FIN)
    k.c.shutdown(socket.SHUT_WR)    # lost before synfin
    time.sleep(0.05)
    k.s.shutdown(socket.SHUT_WR)
    b.step(k, "C's ACK of S's FIN before C's FIN", (CLOSING, FW2))
    b.holds.clear()
    b.step(k, 'C FIN retransmitted, S ACK', (TW, TW))


def rst_cases(b):
    # ESTABLISHED, by either side.
    for who in (CLIENT, SERVER):
        k = b.connect()
        linger0(k.c if who == CLIENT else k.s)
        b.step(k, 'RST in ESTABLISHED by %s' % 'CS'[who], (CL, CL))
    # C FIN-WAIT-2 / S CLOSE-WAIT, by either side.
    for who in (CLIENT, SERVER):
        k = b.connect()
        k.c.shutdown(socket.SHUT_WR)
        b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
        linger0(k.c if who == CLIENT else k.s)
        b.step(k, 'RST in FIN-WAIT-2/CLOSE-WAIT by %s' % 'CS'[who], (CL, CL))


def rst_fin_wait_1(b):
    for who in (CLIENT, SERVER):
        k = b.connect()
        b.holds.add(k.cport, SERVER, 1, ACK, FIN | SYN | RST, max_len=0)
        k.c.shutdown(socket.SHUT_WR)
        b.step(k, 'C FIN, S ACK lost after synfin', (FW1, CW))
        linger0(k.c if who == CLIENT else k.s)
        b.step(k, 'RST in FIN-WAIT-1/CLOSE-WAIT by %s' % 'CS'[who], (CL, CL))
        b.holds.clear()


def rst_last_ack(b):
    # S in LAST-ACK, C's last ACK lost before synfin: synfin knows S's state.
    # C's RST at S's rcv_nxt (a raw one: C's socket is TIME-WAIT) ends it.
    for who in (CLIENT, SERVER):
        k = b.connect()
        k.c.shutdown(socket.SHUT_WR)
        b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
        eof(k.s)
        b.holds.add(k.cport, CLIENT, 0, ACK, FIN | SYN | RST, max_len=0)
        k.s.shutdown(socket.SHUT_WR)
        b.step(k, 'S shutdown, C ACK lost before synfin', (TW, LA))
        if who == CLIENT:
            b.raw_rst(k, CLIENT, b.entry(k)['remote_side']['next_seq'])
            b.step(k, 'RST by C to S in LAST-ACK', (TW, CL))
        else:                   # Linux sends none from LAST-ACK (tcp_need_reset)
            linger0(k.s)
            b.step(k, 'S SO_LINGER 0 close in LAST-ACK', (TW, CL))
        b.holds.clear()
    # The ACK lost behind synfin, which takes S's socket for gone: C's RST
    # at S's rcv_nxt (a raw one: C's socket is TIME-WAIT) still reaches S,
    # whose LAST-ACK it ends (guard_segment passes a RST past local_gone).
    k = b.connect()
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
    eof(k.s)
    b.holds.add(k.cport, CLIENT, 1, ACK, FIN | SYN | RST, max_len=0)
    k.s.shutdown(socket.SHUT_WR)
    b.step(k, 'S shutdown, C ACK lost after synfin', (TW, LA))
    b.raw_rst(k, CLIENT, b.entry(k)['remote_side']['next_seq'])
    b.step(k, 'RST by C to S in LAST-ACK after the lost ACK', (TW, CL))
    b.holds.clear()


def rst_time_wait(b):
    # S holds TIME-WAIT (server first); C's socket is gone: a raw RST.
    k = b.connect()
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (CW, FW2))
    eof(k.c)
    k.c.close()
    b.step(k, 'C close: FIN, S ACK', (CL, TW))
    b.raw_rst(k, CLIENT, b.entry(k)['remote_side']['next_seq'])
    b.step(k, 'RST by C to S in TIME-WAIT', (CL, CL))
    # C holds TIME-WAIT (client first).
    k = b.connect()
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
    eof(k.s)
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (TW, CL))
    b.raw_rst(k, SERVER, b.entry(k)['local_side']['next_seq'])
    b.step(k, 'RST by S to C in TIME-WAIT', (CL, CL))


def tw_reuse(b):
    # The server holds TIME-WAIT; the client's new SYN on the tuple has a
    # higher ISN and timestamp: the kernel takes it (synfin passes it on).
    k = b.connect()
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (CW, FW2))
    eof(k.c)
    k.c.close()
    b.step(k, 'C close: FIN, S ACK', (CL, TW))
    k2 = b.connect(k.cport)
    b.step(k2, 'new SYN to S in TIME-WAIT', (EST, EST))
    k2.c.close(); k2.s.close()
    # The client holds TIME-WAIT: tcp_tw_reuse lets it connect again after
    # a second; the server has nothing, synfin's cookie takes it.
    k = b.connect()
    k.c.shutdown(socket.SHUT_WR)
    b.step(k, 'C shutdown: FIN, S ACK', (FW2, CW))
    eof(k.s)
    k.s.close()
    b.step(k, 'S close: FIN, C ACK', (TW, CL))
    k.c.close()
    time.sleep(1.1)
    k2 = b.connect(k.cport)
    b.step(k2, 'new SYN from C in TIME-WAIT', (EST, EST))
    k2.c.close(); k2.s.close()


def half_close(b):
    for first in (CLIENT, SERVER):
        k = b.connect()
        a, o = (k.c, k.s) if first == CLIENT else (k.s, k.c)
        who = 'CS'[first]
        a.shutdown(socket.SHUT_WR)
        want = (FW2, CW) if first == CLIENT else (CW, FW2)
        b.step(k, '%s shutdown: FIN, ACK' % who, want)
        eof(o)
        for i in range(3):      # the other way keeps flowing
            o.sendall(b'h' * 2000)
            got = 0
            while got < 2000:
                got += len(a.recv(4096))
        b.step(k, 'data the other way, acked', want)
        o.close()
        b.step(k, 'the other closes', (TW, CL) if first == CLIENT else (CL, TW))


SCENARIOS = {
    'server-first': server_first, 'client-first': client_first,
    'fin-wait-1-unacked': fin_wait_1_unacked, 'fin-with-data': fin_with_data,
    'fin-retransmitted': fin_retransmitted, 'fin-lost-before': fin_lost_before,
    'ooo-fin': ooo_fin, 'simultaneous': simultaneous, 'disorder-fin': disorder_fin,
    'rst': rst_cases, 'rst-fin-wait-1': rst_fin_wait_1, 'rst-last-ack': rst_last_ack,
    'rst-time-wait': rst_time_wait, 'tw-reuse': tw_reuse, 'half-close': half_close,
}


def summary(rows, title):
    out = ['### %s' % title, '',
           '| scenario | steps | agree | documented | disagree |', '|---|---|---|---|---|']
    for scen in dict.fromkeys(r[0] for r in rows):
        v = [r[4] for r in rows if r[0] == scen]
        out.append('| %s | %d | %d | %d | %d |' % (scen, len(v), v.count('agree'),
                   v.count('documented'), v.count('DISAGREE')))
    out += ['', '| scenario | step | kernel C / S | synfin C / S | verdict |',
            '|---|---|---|---|---|']
    for r in rows:
        out.append('| %s | %s | %s / %s | %s / %s | %s%s |' % (r[0], r[1], r[2][0], r[2][1],
                   r[3][0], r[3][1], r[4], (': ' + r[5]) if r[5] else ''))
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ns-server', required=True)
    ap.add_argument('--ns-client', required=True)
    ap.add_argument('--addr', required=True)
    ap.add_argument('--port', type=int, default=80)
    ap.add_argument('--synfinctl', required=True, help='synfinctl with its -s')
    ap.add_argument('--holds', required=True, help="tc_hold's pinned map")
    ap.add_argument('--md', help='the summary, markdown, to this file')
    ap.add_argument('--title', default='synfin against Linux')
    ap.add_argument('scenario', nargs='*', help=', '.join(SCENARIOS))
    a = ap.parse_args()
    a.synfinctl = a.synfinctl.split()
    for name in a.scenario:
        if name not in SCENARIOS:
            ap.error('no scenario %s: %s' % (name, ', '.join(SCENARIOS)))
    b = Bed(a)
    start = time.monotonic()
    for name in a.scenario or SCENARIOS:
        b.scen = name
        SCENARIOS[name](b)
        b.holds.clear()
    md = summary(b.rows, a.title)
    if a.md:
        with open(a.md, 'w') as f:
            f.write(md)
    print(md)
    print('%d steps in %.1f s' % (len(b.rows), time.monotonic() - start))
    if b.bad:
        print('FAIL: %d step(s) where synfin disagrees with Linux' % b.bad)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
