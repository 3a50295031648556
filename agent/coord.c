/*
 * coord.c - chorusd measures its proximity coordinate: the round-trip time
 * of a TCP handshake with each landmark peer of the configuration (3
 * tries each, the smallest kept), at start and every interval after
 * (relo/coord.h). A landmark that does not answer within 2 s is unknown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "agent.h"

#define TRIES 3
#define PROBE_TIMEOUT_S 2

struct coordinator {
	struct agent *a;
	unsigned interval_s;
	struct event *next;          /* the next round */
	struct event *probe;         /* the connect in progress */
	evutil_socket_t fd;
	size_t landmark;
	unsigned try;
	uint64_t t0, best_us;
	struct relo_coord c;         /* being measured */
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static socklen_t landmark_addr(const struct relo_peer_addr *l, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, l->address, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(l->port);
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, l->address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(l->port);
		return sizeof(*in6);
	}
	return 0;
}

static void start_probe(struct coordinator *co);

static void end_probe(struct coordinator *co)
{
	if (co->probe) {
		event_free(co->probe);
		co->probe = NULL;
	}
	if (co->fd >= 0) {
		evutil_closesocket(co->fd);
		co->fd = -1;
	}
}

/* One try done (ok: it connected): on to the next try, landmark or round. */
static void tried(struct coordinator *co, bool ok)
{
	struct agent *a = co->a;
	struct timeval next = { co->interval_s, 0 };
	uint64_t us = mono_us() - co->t0;

	end_probe(co);
	if (ok && us < co->best_us)
		co->best_us = us;
	if (++co->try < TRIES) {
		start_probe(co);
		return;
	}
	co->c.rtt_ms[co->landmark] = co->best_us == UINT64_MAX ? RELO_COORD_UNKNOWN
			: co->best_us / 1000 >= RELO_COORD_UNKNOWN ? RELO_COORD_UNKNOWN - 1
								   : (uint16_t)((co->best_us + 500) / 1000);
	co->try = 0;
	co->best_us = UINT64_MAX;
	if (++co->landmark < co->c.n) {
		start_probe(co);
		return;
	}
	a->coord = co->c;
	a->have_coord = true;
	{
		char bin[64];
		relo_coord_bin(&a->coord, bin, sizeof(bin));
		agent_log(a, RELO_LOG_DEBUG, "coordinate measured: landmark bin %s", bin[0] ? bin : "-");
	}
	co->landmark = 0;
	event_add(co->next, &next);
}

static void probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct coordinator *co = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	if (what & EV_TIMEOUT) {
		tried(co, false);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	tried(co, err == 0);
}

static void start_probe(struct coordinator *co)
{
	const struct relo_peer_addr *l = &co->a->cfg->landmarks[co->landmark];
	struct timeval tv = { PROBE_TIMEOUT_S, 0 };
	struct sockaddr_storage ss;
	socklen_t sl = landmark_addr(l, &ss);

	co->t0 = mono_us();
	co->fd = sl ? socket(ss.ss_family, SOCK_STREAM, 0) : -1;
	if (co->fd < 0 || evutil_make_socket_nonblocking(co->fd) ||
	    (connect(co->fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS)) {
		/* Not even tried: this one is unknown (after its tries). */
		if (co->fd >= 0)
			evutil_closesocket(co->fd);
		co->fd = -1;
		tried(co, false);
		return;
	}
	co->probe = event_new(co->a->base, co->fd, EV_WRITE, probe_cb, co);
	if (!co->probe || event_add(co->probe, &tv)) {
		tried(co, false);
		return;
	}
}

static void round_cb(evutil_socket_t fd, short what, void *arg)
{
	struct coordinator *co = arg;

	(void)fd;
	(void)what;
	memset(&co->c, 0, sizeof(co->c));
	co->c.n = (uint8_t)(co->a->cfg->n_landmarks < RELO_COORD_LANDMARKS
				    ? co->a->cfg->n_landmarks
				    : RELO_COORD_LANDMARKS);
	co->landmark = 0;
	co->try = 0;
	co->best_us = UINT64_MAX;
	if (co->c.n)
		start_probe(co);
}

int coord_start(struct agent *a, unsigned interval_s)
{
	struct coordinator *co;
	struct timeval soon = { 1, 0 };

	if (!a->cfg->n_landmarks)
		return 0;
	co = calloc(1, sizeof(*co));
	if (!co)
		return -ENOMEM;
	co->a = a;
	co->fd = -1;
	co->interval_s = interval_s ? interval_s : 60;
	co->next = evtimer_new(a->base, round_cb, co);
	if (!co->next || evtimer_add(co->next, &soon)) {
		free(co);
		return -ENOMEM;
	}
	a->coordinator = co;
	return 0;
}

void coord_stop(struct agent *a)
{
	struct coordinator *co = a->coordinator;

	if (!co)
		return;
	end_probe(co);
	event_free(co->next);
	free(co);
	a->coordinator = NULL;
}
