/*
 * chorus-netdelay - a router with delays, for tests where tc netem is not
 * available (kernels built without sch_netem): it makes one TUN device per
 * region, and every IPv4 packet a region sends to another region's
 * address is delivered there after the sum of the two regions' delays
 * divided by two (so a round trip between regions i and j takes d_i + d_j,
 * as netem on each region's link would give). Real packets of the real
 * kernel TCP stacks of the regions' network namespaces; only the wire is
 * ours.
 *
 *   chorus-netdelay --ready FILE REGION...   REGION: NAME:ADDR:DELAY_MS
 *
 * It creates TUN devices NAME (non-persistent: they go when it exits),
 * writes FILE once they exist, and routes until SIGTERM or SIGINT. The
 * caller moves each device into its namespace, gives it ADDR with a route
 * to the other regions through it, and sets it up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <event2/event.h>

#define MAX_REGIONS 16

struct router;

struct region {
	struct router *rt;
	char name[IFNAMSIZ];
	struct in_addr addr;
	unsigned delay_ms;
	int fd;
	struct event *ev;
	unsigned long long in, out, dropped;
};

struct router {
	struct event_base *base;
	struct region r[MAX_REGIONS];
	size_t n;
	unsigned long long unroutable;
};

struct packet {
	struct region *to;
	struct event *ev;
	size_t len;
	unsigned char data[];
};

static void deliver(evutil_socket_t fd, short what, void *arg)
{
	struct packet *p = arg;

	(void)fd;
	(void)what;
	if (write(p->to->fd, p->data, p->len) == (ssize_t)p->len)
		p->to->out++;
	else
		p->to->dropped++;
	event_free(p->ev);
	free(p);
}

static struct region *region_of(struct router *rt, const unsigned char *ip, size_t len)
{
	struct in_addr dst;
	size_t i;

	if (len < 20 || (ip[0] >> 4) != 4)
		return NULL; /* IPv4 only */
	memcpy(&dst, ip + 16, 4);
	for (i = 0; i < rt->n; i++)
		if (rt->r[i].addr.s_addr == dst.s_addr)
			return &rt->r[i];
	return NULL;
}

static void readable(evutil_socket_t fd, short what, void *arg)
{
	struct region *from = arg;
	struct router *rt = from->rt;
	unsigned char buf[65536];
	ssize_t n;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		struct region *to = region_of(rt, buf, (size_t)n);
		struct timeval tv;
		struct packet *p;
		unsigned ms;

		from->in++;
		if (!to || to == from) {
			rt->unroutable++;
			continue;
		}
		p = malloc(sizeof(*p) + (size_t)n);
		if (!p)
			continue;
		p->to = to;
		p->len = (size_t)n;
		memcpy(p->data, buf, (size_t)n);
		ms = (from->delay_ms + to->delay_ms) / 2;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (long)(ms % 1000) * 1000 + ((from->delay_ms + to->delay_ms) % 2) * 500;
		p->ev = evtimer_new(rt->base, deliver, p);
		if (!p->ev || evtimer_add(p->ev, &tv)) {
			if (p->ev)
				event_free(p->ev);
			free(p);
		}
	}
}

static int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct router rt;
	struct event *sigs[2];
	const char *ready = NULL;
	size_t i;
	int a;
	FILE *f;

	memset(&rt, 0, sizeof(rt));
	for (a = 1; a < argc; a++) {
		char spec[128], *name, *addr, *delay, *end;
		struct region *r;

		if (!strcmp(argv[a], "--ready") && a + 1 < argc) {
			ready = argv[++a];
			continue;
		}
		snprintf(spec, sizeof(spec), "%s", argv[a]);
		name = strtok(spec, ":");
		addr = strtok(NULL, ":");
		delay = strtok(NULL, ":");
		if (!name || !addr || !delay || rt.n == MAX_REGIONS || strlen(name) >= IFNAMSIZ) {
			fprintf(stderr, "usage: chorus-netdelay --ready FILE NAME:ADDR:DELAY_MS...\n");
			return 2;
		}
		r = &rt.r[rt.n++];
		r->rt = &rt;
		snprintf(r->name, sizeof(r->name), "%s", name);
		r->delay_ms = (unsigned)strtoul(delay, &end, 10);
		if (*end || inet_pton(AF_INET, addr, &r->addr) != 1) {
			fprintf(stderr, "chorus-netdelay: bad region %s\n", argv[a]);
			return 2;
		}
	}
	if (!ready || rt.n < 2) {
		fprintf(stderr, "usage: chorus-netdelay --ready FILE NAME:ADDR:DELAY_MS...\n");
		return 2;
	}
	rt.base = event_base_new();
	if (!rt.base)
		return 1;
	for (i = 0; i < rt.n; i++) {
		rt.r[i].fd = tun_open(rt.r[i].name);
		if (rt.r[i].fd < 0) {
			fprintf(stderr, "chorus-netdelay: TUN device %s: %s\n", rt.r[i].name,
				strerror(errno));
			return 1;
		}
		rt.r[i].ev = event_new(rt.base, rt.r[i].fd, EV_READ | EV_PERSIST, readable, &rt.r[i]);
		if (!rt.r[i].ev || event_add(rt.r[i].ev, NULL))
			return 1;
	}
	sigs[0] = evsignal_new(rt.base, SIGTERM, on_signal, rt.base);
	sigs[1] = evsignal_new(rt.base, SIGINT, on_signal, rt.base);
	if (!sigs[0] || !sigs[1] || event_add(sigs[0], NULL) || event_add(sigs[1], NULL))
		return 1;
	f = fopen(ready, "w");
	if (!f || fclose(f) != 0)
		return 1;
	event_base_dispatch(rt.base);
	for (i = 0; i < rt.n; i++) {
		fprintf(stderr, "chorus-netdelay: %s: %llu packets in, %llu out, %llu dropped\n",
			rt.r[i].name, rt.r[i].in, rt.r[i].out, rt.r[i].dropped);
		event_free(rt.r[i].ev);
		close(rt.r[i].fd);
	}
	event_free(sigs[0]);
	event_free(sigs[1]);
	event_base_free(rt.base);
	return 0;
}
