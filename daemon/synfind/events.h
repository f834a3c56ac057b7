/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_EVENTS_H
#define SYNFIN_EVENTS_H

struct events;

/* Reads the programs' ring buffer; every event is logged at debug level. */
struct events *events_open(int ringbuf_fd);
/* To poll for readability. */
int events_fd(const struct events *ev);
/* Logs what is waiting; returns how many events. */
int events_consume(struct events *ev);
void events_close(struct events *ev);

#endif
