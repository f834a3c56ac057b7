/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CONTROL_H
#define SYNFIN_CONTROL_H

#include "daemon.h"

/* The control socket: one JSON request line, one JSON reply line, per
 * connection. Requests: {"cmd": "status" | "stats" | "conns" | "ports", ...}.
 */
#define SYNFIN_DEFAULT_SOCKET "/run/synfin/synfind.sock"
#define CONTROL_MAX_REQUEST 4096

/* Listens on path (its directory is created). Returns the fd or -1. */
int control_open(const char *path);
/* Serves one client waiting on the listening socket. */
void control_serve(int lfd, struct daemon *d);
void control_close(int lfd, const char *path);

#endif
