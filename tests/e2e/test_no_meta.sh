#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A driver without room for XDP metadata (--test-no-xdp-meta makes synfin's
# XDP program act as on one): XDP passes each cookie ACK up bare and TC
# ingress validates it again itself. Every real connection succeeds.
set -u
source "$(dirname "$0")/lib.sh"
tb_up
CONNS=100	# per family

tb_server accepted 80 --addr $IP4_S --addr $IP6_S
synfind_start --ports 80 --mode native --test-no-xdp-meta
expect_hooks "attached" "$(guard_hooks native)"
clients $IP4_S $CONNS
clients $IP6_S $CONNS
synfind_counters
expect_eq "connections accepted" "$(cat "$TB_TMP/accepted")" $((2 * CONNS))
expect_eq "ack_cookie_valid" "$(counter ack_cookie_valid)" $((2 * CONNS))
# Every cookie ACK XDP validated went up bare, a copy at the cookie's
# sequence number too.
expect_eq "handoff_no_meta" "$(counter handoff_no_meta)" \
	"$(($(counter ack_cookie_valid) + $(counter ack_cookie_again)))"
expect_eq "conn_handed" "$(counter conn_handed)" $((2 * CONNS))
expect_eq "ack_cookie_invalid" "$(counter ack_cookie_invalid)" 0
expect_eq "handoff_failed" "$(counter handoff_failed)" 0
expect_eq "kernel SYN cookies sent" "$(nstat_s TcpExtSyncookiesSent)" 0
synfind_stop
expect_eq "synfind exit status" "$SYNFIND_RC" 0
echo "PASS"
