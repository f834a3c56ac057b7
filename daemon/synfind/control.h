/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CONTROL_H
#define SYNFIN_CONTROL_H

#include "control_proto.h"

struct daemon;

/* synfind's side of the control protocol (control_proto.h). */

/* Listens on path (its directory is created). Returns the fd or -1. */
int control_open(const char *path);
/* Serves one client waiting on the listening socket. */
void control_serve(int lfd, struct daemon *d);
void control_close(int lfd, const char *path);

#endif
