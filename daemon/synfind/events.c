// SPDX-License-Identifier: GPL-2.0
/* Events from the data path (connections established, adopted, closed,
 * reset), rate-limited there, logged here at debug level.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "synfin.h"
#include "log.h"
#include "ct_format.h"
#include "events.h"

#define EVENT_NAME(id, name) [SF_EV_##id] = name,
static const char *const event_names[SF_EV__MAX] = {
	SYNFIN_EVENT_TYPES(EVENT_NAME)
};

struct events {
	struct ring_buffer *rb;
};

static int on_event(void *ctx, void *data, size_t len)
{
	const struct synfin_event *e = data;
	char remote[64], local[64];

	(void)ctx;
	if (len < sizeof(*e) || e->type >= SF_EV__MAX) {
		pr_debug("event: malformed (%zu bytes)", len);
		return 0;
	}
	ct_endpoint_format(&e->key, 0, remote, sizeof(remote));
	ct_endpoint_format(&e->key, 1, local, sizeof(local));
	pr_debug("event: %s %s -> %s, now %s (%s)", event_names[e->type], remote,
		 local, tcp_state_name(e->state),
		 e->origin < 4 ? synfin_origin_names[e->origin] : "?");
	return 0;
}

struct events *events_open(int ringbuf_fd)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->rb = ring_buffer__new(ringbuf_fd, on_event, ev, NULL);
	if (!ev->rb) {
		pr_err("Couldn't open the events ring buffer: %s", strerror(errno));
		free(ev);
		return NULL;
	}
	return ev;
}

int events_fd(const struct events *ev)
{
	return ring_buffer__epoll_fd(ev->rb);
}

int events_consume(struct events *ev)
{
	return ring_buffer__consume(ev->rb);
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	free(ev);
}
