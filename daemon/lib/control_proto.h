/* SPDX-License-Identifier: GPL-2.0 */
/* The control protocol between synfind and its clients (synfinctl, or
 * anything that speaks JSON): where the socket is, what may be asked and
 * what comes back. One connection carries one request line and one reply
 * line, each a JSON object.
 *
 * Request: {"cmd": NAME, ...arguments}. Reply: an object of the fields
 * below, or {"error": "one line"}.
 */
#ifndef SYNFIN_CONTROL_PROTO_H
#define SYNFIN_CONTROL_PROTO_H

#define SYNFIN_DEFAULT_SOCKET "/run/synfin/synfind.sock"
/* A longer request line is refused. */
#define CONTROL_MAX_REQUEST 4096

/* -> uptime_ms, xdp_prog_id, tc_ingress_prog_id, tc_egress_prog_id,
 *    tc_guard_prog_id, interfaces [{name, ifindex, mode: native|skb|tc}], ports, ct_entries, ct_size,
 *    secret_age_ms, last_sweep_us, expired_total, evicted_total,
 *    resumed_from_pins, ct_filter_trusted, ct_filter_rebuilds,
 *    ct_filter_can_rebuild, ct_filter_fill
 */
#define CONTROL_CMD_STATUS "status"
/* -> counters {name: n}, summary {name: n}, uptime_ms */
#define CONTROL_CMD_STATS "stats"
/* [state, port, limit] -> conns [entry], total */
#define CONTROL_CMD_CONNS "conns"
/* op: list | set | add | del, [spec] -> ports, count */
#define CONTROL_CMD_PORTS "ports"
/* state -> flushed */
#define CONTROL_CMD_FLUSH "flush"
/* -> reloaded */
#define CONTROL_CMD_RELOAD "reload"

#endif
