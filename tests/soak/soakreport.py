#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The soak's checks and its markdown summary, from what soak.sh kept in
DIR. Prints the summary, writes it to OUT, exits 1 if a check failed.

Steady, as checked here:
- RSS: within one synfind instance, no sample after its first minute more
  than RSS_GROWTH_KB above its first sample after that minute; and no
  resumed instance's first-minute RSS more than RSS_GROWTH_KB above the
  first resumed one's.
- fds: every sample of an instance the same count, and every resumed
  instance the same count as the first resumed one.
- table: every sample's entries at most the connections accepted in the
  TIME-WAIT time before it (plus a restart's pause and a sweep pass), and
  an empty table once TIME-WAIT has passed after the end.
"""
import glob, json, os, sys, time

RSS_GROWTH_KB = 1024
TABLE_SLACK_S = 10	# a sweep pass, the sampling period and a margin
TABLE_SLACK_N = 20

D, OUT = sys.argv[1], sys.argv[2]
checks = []		# (ok, text)

def check(ok, text):
    checks.append((bool(ok), text))

def load(name):
    with open(os.path.join(D, name)) as f:
        return json.load(f)

def lines(name):
    try:
        with open(os.path.join(D, name)) as f:
            return [l.split() for l in f if l.strip()]
    except OSError:
        return []

params = {}
for l in lines('params'):
    params[l[0]] = ' '.join(l[1:])
P = lambda k: int(params[k])
instances = [(int(i), int(pid), int(t)) for i, pid, t in lines('instances')]
last = instances[-1][0]
final = load('stats-%d.json' % last)
c = final['counters']
summ = final['summary']

# --- The client and the server.
cl = load('client.json')
cal_cl, cal_fl = load('cal-client.json'), load('cal-flood.json')
accepted = P('accepted1') - P('accepted0')
check(cl['failed'] == 0, 'client: %d connections failed (%s)' % (cl['failed'], cl['errors'] or 'none'))
check(cl['ok'] == cl['attempts'] and accepted == cl['ok'],
      'server accepted %d, client completed %d of %d' % (accepted, cl['ok'], cl['attempts']))
synretrans = P('synretrans1') - P('synretrans0')

# --- The floods.
floods = [json.loads(l) for l in open(os.path.join(D, 'floods.jsonl')) if l.strip()]
check(floods and all(f.get('rc') == 0 for f in floods),
      'flood: %d runs, exit statuses %s' % (len(floods), sorted({f.get('rc') for f in floods})))

def split(n):
    """Frames of each type in a mixed run of n: S, A, FA, R in turn from S."""
    return (n + 3) // 4, (n + 2) // 4, (n + 1) // 4, n // 4
f_total = sum(f['total'] for f in floods)
f_syn = sum(split(f['total'])[0] for f in floods)
f_ack = sum(split(f['total'])[1] + split(f['total'])[2] for f in floods)
f_rst = sum(split(f['total'])[3] for f in floods)
f_dropped = sum(max(f['dropped'], 0) for f in floods)
f_secs = sum(f['seconds'] for f in floods)
lost = P('tx_dropped1') - P('tx_dropped0')	# every frame the client veth lost
c_syn = cl['attempts'] + synretrans

# --- Counters against the traffic. Frames lost on the veth never reach
# synfin: each count lies between what was sent less all that was lost and
# what was sent.
def between(name, v, lo, hi):
    check(lo <= v <= hi, '%s %d within [%d, %d]' % (name, v, lo, hi))
check(c['syn_seen'] == c['synack_sent'] + c['drop_no_room'] + c['syn_kernel_sock'],
      'syn_seen %d = synack_sent %d + drop_no_room %d + syn_kernel_sock %d' % (
          c['syn_seen'], c['synack_sent'], c['drop_no_room'], c['syn_kernel_sock']))
between('syn_seen (flood SYNs + client SYNs and retransmissions, less veth losses)',
        c['syn_seen'], f_syn + c_syn - lost, f_syn + c_syn)
between('ack_cookie_invalid (forged ACK and FIN+ACK)', c['ack_cookie_invalid'], f_ack - lost, f_ack)
between('ct_rst_unknown (forged RST)', c['ct_rst_unknown'], f_rst - lost, f_rst)
# Frames are lost on the veth in runs of consecutive ones, which take the
# four types alike: what arrives of each is a quarter, within a bound.
f_arr = [c['syn_seen'] - c_syn, c['ack_cookie_invalid'] / 2, c['ct_rst_unknown']]
spread = max(f_arr) - min(f_arr)
check(spread <= max(f_arr) * 0.002 + 100,
      'the types arrived alike: SYN %d, ACK+FIN/2 %d, RST %d (spread %d)' % (
          f_arr[0], f_arr[1], f_arr[2], spread))
# A forged ACK passes the 24-bit cookie by chance, 2^-24 for each of the
# two periods a cookie is valid in: such a hand-off makes no connection
# (the kernel finds no route back to the flood's sources).
chance = c['conn_handed'] - accepted
mean = 2.0 * c['ack_cookie_invalid'] / 2 ** 24
bound = int(mean + 4 * mean ** 0.5 + 3)
check(c['conn_handed'] == c['ack_cookie_valid'] == c['ct_new_cookie'] and 0 <= chance <= bound,
      'conn_handed %d = ack_cookie_valid %d = ct_new_cookie %d = connections accepted %d + '
      'forged ACKs that passed the cookie by chance %d (expected %.1f, at most %d)' % (
          c['conn_handed'], c['ack_cookie_valid'], c['ct_new_cookie'], accepted, chance, mean,
          bound))
check(c['ct_to_time_wait'] == accepted,
      'ct_to_time_wait %d = connections (the client closes first)' % c['ct_to_time_wait'])
zero = ('handoff_failed', 'handoff_no_listener', 'ct_track_failed', 'ct_new_kernel',
        'drop_bad_flags', 'malformed_l2', 'malformed_ip', 'malformed_tcp', 'ct_fin_invalid',
        'ct_data_after_fin', 'events_dropped', 'frag_syn_dropped', 'frag_tiny_dropped',
        'vlan_deep_dropped', 'ext_deep_dropped')
bad = {k: c[k] for k in zero if c.get(k)}
check(not bad, 'zero: %s' % (bad or ', '.join(zero)))
# summary.dropped: each dropped frame once.
once = ('ack_cookie_invalid', 'drop_no_conn', 'drop_bad_flags', 'drop_no_room', 'malformed_l2',
        'malformed_ip', 'malformed_tcp', 'handoff_failed', 'ct_fin_invalid', 'ct_data_after_fin',
        'ct_rst_invalid', 'ct_rst_unknown', 'frag_syn_dropped', 'frag_tiny_dropped',
        'vlan_deep_dropped', 'ext_deep_dropped')
dropped_once = sum(c.get(k, 0) for k in once)
check(summ['dropped'] == dropped_once,
      'stats summary.dropped %d = the drop counters, each frame once, %d (adopt_skipped %d counts '
      'frames also counted as ack_cookie_invalid/ct_rst_unknown)' % (
          summ['dropped'], dropped_once, c['adopt_skipped']))
for n in ('TcpExtSyncookiesSent', 'TcpExtListenOverflows', 'TcpExtListenDrops'):
    check(P(n + '1') == P(n + '0'), 'server %s +%d' % (n, P(n + '1') - P(n + '0')))

# --- Restarts: the pinned counters go on; the daemon's own start again.
restarts = 0
for i, pid, t in instances[:-1]:
    before = load('stats-%d.json' % i)['counters']
    after = load('stats-%d-after.json' % i)['counters']
    back = [k for k in before if after[k] < before[k]]
    check(not back, 'restart %d: no counter went back (%s)' % (i, back or 'all kept'))
    restarts += 1
statuses = {i: load('status-%d.json' % i) for i, _, _ in instances}
expired = sum(s['expired_total'] for s in statuses.values())
tw_expired = sum(load('stats-%d.json' % i)['summary']['time_wait_expired'] for i, _, _ in instances)
evicted = sum(s['evicted_total'] for s in statuses.values())
made = c['ct_new_cookie'] + c['ct_new_kernel'] + c['ct_adopted']
# The estimate is exact only with the table still: after the drain.
check(statuses[last]['evicted_total'] == 0,
      'entries evicted (the last instance\'s estimate, after the drain): %d; the others\' '
      'estimates under traffic: %s' % (statuses[last]['evicted_total'],
                                       [s['evicted_total'] for i, s in sorted(statuses.items())
                                        if i != last]))
for i, _, _ in instances[1:]:
    check('resumed from pins' in open(os.path.join(D, 'synfind-%d.log' % i)).read(),
          'instance %d resumed from pins' % i)

# --- SIGHUP and synfinctl.
hups = {int(l[0]): int(l[2]) for l in lines('hups')}
for i, _, _ in instances:
    log = open(os.path.join(D, 'synfind-%d.log' % i)).read()
    n = log.count('reloaded ')
    check(n == hups[i], 'instance %d: %d SIGHUPs, %d reloads logged' % (i, hups[i], n))
    errs = [l for l in log.splitlines() if l.startswith(('Error', 'Warning')) or 'refused' in l]
    check(not errs, 'instance %d: no errors or warnings logged (%s)' % (i, errs[:2] or 'none'))
timeline = [l for l in lines('timeline')]
ctl_bad = sum(1 for l in timeline if l[10] != '1')
check(ctl_bad == 0, 'synfinctl rounds (status, stats, conns): %d, %d failed' % (len(timeline), ctl_bad))

# --- RSS, fds and the table, per instance.
mins = int(params['minutes'])
start = {i: t for i, _, t in instances}
rows = [dict(t=int(l[0]), inst=int(l[1]), pid=l[2], rss=int(l[3]), fds=int(l[4]),
             ent=int(l[5]), acc=int(l[6]), ok=int(l[7]), retried=int(l[8])) for l in timeline
        if l[3] != '-' and l[5] != '-']
rss_notes, fd_notes, first_rss, first_fds = [], [], {}, {}
for i, _, _ in instances:
    r = [x for x in rows if x['inst'] == i]
    if not r:
        continue
    fds = sorted({x['fds'] for x in r})
    first_fds[i] = r[0]['fds']
    check(len(fds) == 1, 'instance %d: fds %s over %d samples' % (i, fds, len(r)))
    aged = [x for x in r if x['t'] - start[i] >= 60]
    if len(aged) >= 2:
        first_rss[i] = aged[0]['rss']
        grow = max(x['rss'] for x in aged) - aged[0]['rss']
        check(grow <= RSS_GROWTH_KB, 'instance %d: RSS %d kB after its first minute, +%d kB at most '
              'after (bound %d)' % (i, aged[0]['rss'], grow, RSS_GROWTH_KB))
check(first_rss or mins < 5,
      'RSS checked on instances %s (a run of %d minutes: an instance needs two samples past its '
      'first minute)' % (sorted(first_rss) or 'none', mins))
resumed = [i for i, _, _ in instances[1:] if i in first_fds]
if len(resumed) >= 2:
    check(len({first_fds[i] for i in resumed}) == 1,
          'resumed instances hold the same fds: %s' % {i: first_fds[i] for i in resumed})
res_rss = [i for i in resumed if i in first_rss]
if len(res_rss) >= 2:
    check(max(first_rss[i] for i in res_rss) - first_rss[res_rss[0]] <= RSS_GROWTH_KB,
          'resumed instances\' RSS after a minute: %s kB' % {i: first_rss[i] for i in res_rss})
downs = [int(l[1]) for l in lines('downtimes')] or [0]
served_down = sum(int(l[2]) for l in lines('downtimes'))
window = P('tw_ms') / 1000 + max(downs) + TABLE_SLACK_S
over = []
for x in rows:
    old = [y for y in rows if y['t'] <= x['t'] - window]
    acc0 = old[-1]['acc'] if old else P('accepted0')
    if x['ent'] > x['acc'] - acc0 + TABLE_SLACK_N:
        over.append((x['t'], x['ent'], x['acc'] - acc0))
check(not over, 'table entries at most the connections of the last %d s + %d (%d samples; over: %s)'
      % (window, TABLE_SLACK_N, len(rows), over[:3] or 'none'))
# What is left once TIME-WAIT has passed: only the entries of forged ACKs
# that passed the cookie (the kernel never answered them), which nothing
# expires while established_timeout_s is 0.
fin = load('conns-final.json')
FLOOD_SRC = ('198.19.', '2001:db8:1:')
phantoms = [e for e in fin['conns'] if e['origin'] == 'cookie' and
            e['local_side']['packets'] == 0 and e['saddr'].startswith(FLOOD_SRC)]
check(fin['total'] == len(fin['conns']) == len(phantoms) <= max(chance, 0),
      'table after TIME-WAIT: %d entries left, %d of them of forged ACKs that passed the cookie, '
      'ESTABLISHED and never answered (%s)' % (
          fin['total'], len(phantoms),
          ', '.join('%s:%d idle %d s' % (e['saddr'], e['sport'], e['idle_ms'] // 1000)
                    for e in phantoms) or 'none'))

# --- BPF objects.
ids = {l.strip() for l in open(os.path.join(D, 'ids')) if l.strip()}
alive = [l.strip() for l in open(os.path.join(D, 'ids-alive')) if l.strip()]
check(not alive, 'BPF objects held by synfind and synfin-flood: %d, left after the final stop: %s'
      % (len(ids), alive or 0))
bb, ba = json.loads(params['bpf_before']), json.loads(params['bpf_after'])

# --- The summary.
mins = int(params['minutes'])
ent_max = max((x['ent'] for x in rows), default=0)
conn_rate = cl['ok'] / cl['seconds'] if cl['seconds'] else 0
cal_rate = cal_cl['ok'] / cal_cl['seconds'] if cal_cl['seconds'] else 0
cal_arr = (cal_fl['total'] - max(cal_fl['dropped'], 0)) / cal_fl['seconds']
kinds = sorted({i.split()[0] for i in ids})
md = []
w = md.append
w('### Soak: %d minutes (`make soak SOAK_MINUTES=%d`), %s' % (mins, mins, time.strftime('%Y-%m-%d')))
w('')
w('On a shared 2-core machine (load average %s at the start, %s at the end), synfind in %s mode.'
  % (params['load0'], params['load1'], params['mode']))
w('')
w('| | |')
w('|---|---|')
w('| flood | mixed SYN, ACK, FIN+ACK, RST in turn, IPv4 and IPv6 in turn, {} runs of up to {} s: '
  '{:,} frames at {:,}/s ({}% of the {:,}/s an unthrottled generator got through alone); '
  '{:,} lost in the veth |'.format(len(floods), params['seg_s'], f_total, P('rate'),
                                   P('rate_share'), int(cal_arr), lost))
w('| real client | {:,} connections with 2000 bytes echoed, {:.0f}/s ({:.0f}/s alone): '
  '{} failed, {} waited for a SYN retransmission (1 s); connect p50 {} ms, p99 {} ms, max {} ms |'
  .format(cl['ok'], conn_rate, cal_rate, cl['failed'], cl['retried'], cl['p50_ms'], cl['p99_ms'],
          cl['max_ms']))
w('| synfind | %d instances: %d `--keep` restarts (stopped %s s each: %s s, then the start), '
  '%d connections served meanwhile; %d SIGHUPs, %d rounds of synfinctl status, stats and conns |'
  % (len(instances), restarts, '-'.join(str(x) for x in sorted({min(downs), max(downs)})),
     params['down_s'], served_down, sum(hups.values()), len(timeline)))
w('| RSS | %s kB after each instance\'s first minute; growth after it at most %d kB |'
  % (', '.join(str(first_rss[i]) for i in sorted(first_rss)) or '-',
     max([max(x['rss'] for x in rows if x['inst'] == i and x['t'] - start[i] >= 60) - first_rss[i]
          for i in first_rss] or [0])))
w('| fds | %s per instance (the first a fresh start, the others resumed from pins) |'
  % ', '.join(str(first_fds[i]) for i in sorted(first_fds)))
w('| table | at most {:,} entries (TIME-WAIT {} s), {} after the drain; {:,} made, {:,} expired '
  '({:,} TIME-WAIT; the few each instance expires between its last status and its stop are '
  'missing) |'.format(ent_max, P('tw_ms') / 1000, fin['total'], made, expired, tw_expired))
w('| counters | syn_seen {:,}, synack_sent {:,}, ack_cookie_invalid {:,}, ct_rst_unknown {:,}, '
  'conn_handed {:,} ({} of them forged ACKs that passed the cookie by chance; {:.1f} expected), '
  'adopt_skipped {:,} |'.format(c['syn_seen'], c['synack_sent'], c['ack_cookie_invalid'],
                                c['ct_rst_unknown'], c['conn_handed'], chance, mean,
                                c['adopt_skipped']))
w('| BPF objects | %d held (%s), %d left; host-wide before/after: %s / %s (other users load '
  'and unload meanwhile) |' % (len(ids), '/'.join(kinds), len(alive),
                               ', '.join('%s %d' % kv for kv in sorted(bb.items())),
                               ', '.join('%s %d' % kv for kv in sorted(ba.items()))))
w('')
w('Per minute (the last sample of each):')
w('')
w('| min | synfind pid | RSS kB | fds | table entries | accepted | retried |')
w('|---|---|---|---|---|---|---|')
t0 = instances[0][2]
by_min = {}
for x in rows:
    by_min[(x['t'] - t0) // 60] = x
for m in sorted(by_min):
    x = by_min[m]
    w('| %d | %s | %d | %d | %d | %d | %d |' % (m, x['pid'], x['rss'], x['fds'], x['ent'],
                                               x['acc'] - P('accepted0'), x['retried']))
w('')
nfail = sum(1 for ok, _ in checks if not ok)
w('Checks: %d of %d passed.' % (len(checks) - nfail, len(checks)))
w('')
for ok, text in checks:
    w('- %s %s' % ('ok:' if ok else '**FAIL**:', text))
text = '\n'.join(md) + '\n'
print()
print(text)
with open(OUT, 'w') as f:
    f.write(text)
print('(written to %s)' % OUT)
sys.exit(1 if nfail else 0)
