/*
 * net.c - TLS/TCP overlay links with RELOAD framing on libevent
 * (relo/net.h; RFC 6940 sections 6.6.2, 6.6.5)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "relo/frame.h"
#include "relo/net.h"
#include "relo/print.h"
#include "relo/ring.h"

#define INFLIGHT 64            /* unacknowledged frames remembered per link */
#define HANDSHAKE_TIMEOUT_S 10
#define RTO_MIN_MS 200
#define RTO_MAX_MS 60000
#define MAX_QUEUED (4u << 20)  /* bytes waiting to go out before a link is given up */
#define MAX_HANDSHAKING 64     /* incoming links still authenticating */

struct relo_timer {
	struct event *ev;
	void (*fire)(void *arg);
	void *arg;
};

struct sent {
	uint32_t seq;
	uint64_t at;
	bool live;
};

struct relo_link {
	struct relo_net *net;
	struct bufferevent *bev;
	SSL *ssl;
	struct relo_ipport remote;
	struct relo_nodeid peer, expect;
	bool have_expect;
	void *cookie;              /* the node's connection attempt (outgoing) */
	bool outgoing, up, closing, freed_sched;
	uint32_t seq_out;
	struct relo_ackwin win;
	struct sent sent[INFLIGHT];
	unsigned sent_next;
	double srtt, rttvar;       /* RFC 6298, in ms */
	uint32_t rto;
	bool have_rtt;
	struct event *check;       /* ack timeout check, every second */
	struct event *gone;        /* tears the link down on the next turn */
	struct relo_link *next;
};

struct relo_net {
	struct relo_net_opts o;
	SSL_CTX *ctx;
	struct evconnlistener *lst;
	struct relo_ipport listen;
	struct relo_node *node;
	struct relo_link *links;
	struct relo_wirecfg wc;
	uint32_t overlay;
	struct relo_net_stats st;
};

static void net_log(struct relo_net *net, enum relo_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void net_log(struct relo_net *net, enum relo_log_level l, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!net->o.log || l > net->o.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	net->o.log(net->o.log_arg, l, line);
}

static uint64_t now_ms(struct relo_net *net)
{
	struct timeval tv;

	event_base_gettimeofday_cached(net->o.base, &tv);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

/* ---- addresses ---- */

int relo_ipport_parse(const char *s, struct relo_ipport *out)
{
	char host[64];
	const char *port = NULL, *end;
	unsigned long p = 6084;
	char *e;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || (size_t)(end - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -EINVAL;
	} else {
		end = strrchr(s, ':');
		if (end && strchr(s, ':') == end) { /* one colon: IPv4 and a port */
			if ((size_t)(end - s) >= sizeof(host))
				return -EINVAL;
			memcpy(host, s, (size_t)(end - s));
			host[end - s] = '\0';
			port = end + 1;
		} else {
			if (strlen(s) >= sizeof(host))
				return -EINVAL;
			strcpy(host, s);
		}
	}
	if (port) {
		p = strtoul(port, &e, 10);
		if (!*port || *e || p > 65535)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->type = RELO_ADDR_IPV4;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->type = RELO_ADDR_IPV6;
	} else {
		return -EINVAL;
	}
	out->port = (uint16_t)p;
	return 0;
}

static socklen_t to_sockaddr(const struct relo_ipport *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->type == RELO_ADDR_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->addr, 4);
		return sizeof(*in);
	}
	if (a->type == RELO_ADDR_IPV6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		memcpy(&in6->sin6_addr, a->addr, 16);
		return sizeof(*in6);
	}
	return 0;
}

static void from_sockaddr(const struct sockaddr *sa, struct relo_ipport *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		a->type = RELO_ADDR_IPV4;
		memcpy(a->addr, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->type = RELO_ADDR_IPV6;
		memcpy(a->addr, &in6->sin6_addr, 16);
		a->port = ntohs(in6->sin6_port);
	}
}

/* ---- timers and the other env operations ---- */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relo_timer *t = arg;

	(void)fd;
	(void)what;
	t->fire(t->arg);
}

static struct relo_timer *op_timer_new(void *env, void (*fire)(void *), void *arg)
{
	struct relo_net *net = env;
	struct relo_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fire = fire;
	t->arg = arg;
	t->ev = evtimer_new(net->o.base, timer_cb, t);
	if (!t->ev) {
		free(t);
		return NULL;
	}
	return t;
}

static void op_timer_set(struct relo_timer *t, uint64_t delay_ms)
{
	struct timeval tv = { (time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000 };
	evtimer_add(t->ev, &tv);
}

static void op_timer_cancel(struct relo_timer *t)
{
	evtimer_del(t->ev);
}

static void op_timer_free(struct relo_timer *t)
{
	event_free(t->ev);
	free(t);
}

static uint64_t op_now(void *env)
{
	return now_ms(env);
}

static void op_random(void *env, void *buf, size_t len)
{
	(void)env;
	if (RAND_bytes(buf, (int)len) != 1)
		abort(); /* no randomness: nothing this node does would be safe */
}

static void op_log(void *env, enum relo_log_level level, const char *msg)
{
	struct relo_net *net = env;

	if (net->o.log && level <= net->o.log_level)
		net->o.log(net->o.log_arg, level, msg);
}

/* ---- links ---- */

static void link_free_now(struct relo_link *l)
{
	struct relo_net *net = l->net;
	struct relo_link **pp;

	for (pp = &net->links; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	if (l->check)
		event_free(l->check);
	if (l->gone)
		event_free(l->gone);
	if (l->bev)
		bufferevent_free(l->bev); /* frees the SSL and closes the socket */
	free(l);
}

/* Tears a link down on the next turn of the loop, never under the feet of
 * a callback still using it; the node hears link_down (or link_failed). */
static void link_gone_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relo_link *l = arg;
	struct relo_net *net = l->net;

	(void)fd;
	(void)what;
	if (net->node) {
		if (l->up)
			relo_node_link_down(net->node, l);
		else if (l->cookie)
			relo_node_link_failed(net->node, l->cookie, -ECONNRESET);
	}
	link_free_now(l);
}

static void link_close(struct relo_link *l, const char *why)
{
	if (l->freed_sched)
		return;
	l->closing = true;
	l->freed_sched = true;
	if (l->bev)
		bufferevent_disable(l->bev, EV_READ | EV_WRITE);
	net_log(l->net, RELO_LOG_DEBUG, "link %s %s closed: %s", l->outgoing ? "to" : "from",
		relo_ipport_str(&l->remote, (char[64]){ 0 }, 64), why);
	event_active(l->gone, EV_TIMEOUT, 0);
}

static int write_frame(struct relo_link *l, uint32_t seq, const uint8_t *msg, size_t len,
		       bool ack, uint32_t received)
{
	uint8_t hdr[RELO_FRAME_ACK_LEN];
	struct relo_wr w;

	relo_wr_init(&w, hdr, sizeof(hdr));
	if (ack) {
		relo_frame_write_ack(&w, seq, received);
	} else {
		if (len > 0xffffff)
			return -EMSGSIZE;
		relo_wr_u8(&w, RELO_FRAME_DATA);
		relo_wr_u32(&w, seq);
		relo_wr_u24(&w, (uint32_t)len);
	}
	if (w.err || bufferevent_write(l->bev, hdr, w.len) != 0 ||
	    (len && bufferevent_write(l->bev, msg, len) != 0))
		return -EIO;
	return 0;
}

/* RFC 6298 with millisecond granularity (as 6.6.3.1 asks). */
static void rtt_sample(struct relo_link *l, double r)
{
	if (!l->have_rtt) {
		l->srtt = r;
		l->rttvar = r / 2;
		l->have_rtt = true;
	} else {
		l->rttvar = 0.75 * l->rttvar + 0.25 * (l->srtt > r ? l->srtt - r : r - l->srtt);
		l->srtt = 0.875 * l->srtt + 0.125 * r;
	}
	l->rto = (uint32_t)(l->srtt + (4 * l->rttvar > 1 ? 4 * l->rttvar : 1));
	if (l->rto < RTO_MIN_MS)
		l->rto = RTO_MIN_MS;
	if (l->rto > RTO_MAX_MS)
		l->rto = RTO_MAX_MS;
}

static void take_ack(struct relo_link *l, uint32_t ack_seq, uint32_t received)
{
	uint64_t now = now_ms(l->net);
	unsigned i;

	l->net->st.acks_in++;
	for (i = 0; i < INFLIGHT; i++) {
		struct sent *s = &l->sent[i];
		if (!s->live || !relo_ack_covers(ack_seq, received, s->seq))
			continue;
		if (s->seq == ack_seq)
			rtt_sample(l, (double)(now - s->at));
		s->live = false;
	}
}

static int op_send(void *env, struct relo_link *l, const uint8_t *msg, size_t len)
{
	struct sent *s;
	int err;

	(void)env;
	if (!l->up || l->closing)
		return -EPIPE;
	if (evbuffer_get_length(bufferevent_get_output(l->bev)) > MAX_QUEUED) {
		link_close(l, "the peer does not read what we send");
		return -EPIPE;
	}
	s = &l->sent[l->sent_next++ % INFLIGHT];
	s->seq = l->seq_out;
	s->at = now_ms(l->net);
	s->live = true;
	err = write_frame(l, l->seq_out++, msg, len, false, 0);
	if (!err)
		l->net->st.frames_out++;
	return err;
}

static void op_close(void *env, struct relo_link *l)
{
	(void)env;
	link_close(l, "closed by the node");
}

/* Every second: data unacknowledged for too long means a dead link. */
static void check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relo_link *l = arg;
	uint64_t now = now_ms(l->net);
	unsigned i;

	(void)fd;
	(void)what;
	for (i = 0; i < INFLIGHT; i++) {
		if (l->sent[i].live && now - l->sent[i].at > l->net->o.ack_timeout_ms) {
			l->net->st.ack_timeouts++;
			net_log(l->net, RELO_LOG_INFO, "link to %.8s: no ACK for %u ms, closing",
				relo_nodeid_hex(&l->peer, (char[41]){ 0 }, 41),
				l->net->o.ack_timeout_ms);
			link_close(l, "acknowledgements stopped");
			return;
		}
	}
}

static void set_keepalive(struct relo_link *l)
{
	evutil_socket_t fd = bufferevent_getfd(l->bev);
	int on = 1, idle = (int)l->net->o.keepalive_s, intvl = 2, cnt = 3;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void link_is_up(struct relo_link *l)
{
	struct timeval sec = { 1, 0 };

	l->up = true;
	bufferevent_set_timeouts(l->bev, NULL, NULL);
	set_keepalive(l);
	l->check = event_new(l->net->o.base, -1, EV_PERSIST, check_cb, l);
	if (l->check)
		event_add(l->check, &sec);
	if (l->outgoing)
		l->net->st.connected++;
	else
		l->net->st.accepted++;
	if (l->net->node)
		relo_node_link_up(l->net->node, l, &l->peer, &l->remote, l->cookie);
	l->cookie = NULL;
}

/* Who the peer is: its certificate, checked, naming the Node-ID we expect. */
static int authenticate(struct relo_link *l, const uint8_t *der, size_t len, const char *how)
{
	struct relo_certinfo info;
	char why[160];
	size_t i;

	if (relo_trust_check_cert(l->net->o.trust, der, len, &info, why, sizeof(why)) != 0) {
		l->net->st.auth_failures++;
		net_log(l->net, RELO_LOG_WARN, "%s %s: %s", how,
			relo_ipport_str(&l->remote, (char[64]){ 0 }, 64), why);
		return -EACCES;
	}
	if (l->have_expect) {
		for (i = 0; i < info.n_nodeids; i++)
			if (relo_nodeid_eq(&info.nodeids[i], &l->expect))
				break;
		if (i == info.n_nodeids) {
			l->net->st.auth_failures++;
			net_log(l->net, RELO_LOG_WARN, "%s %s: the certificate does not name %.8s",
				how, relo_ipport_str(&l->remote, (char[64]){ 0 }, 64),
				relo_nodeid_hex(&l->expect, (char[41]){ 0 }, 41));
			return -EACCES;
		}
		l->peer = l->expect;
	} else {
		l->peer = info.nodeids[0];
	}
	return 0;
}

static int tls_authenticate(struct relo_link *l)
{
	X509 *x = SSL_get1_peer_certificate(l->ssl);
	unsigned char *der = NULL;
	int n, err;

	if (!x) {
		l->net->st.auth_failures++;
		return -EACCES;
	}
	n = i2d_X509(x, &der);
	X509_free(x);
	if (n <= 0)
		return -EACCES;
	err = authenticate(l, der, (size_t)n, "TLS peer");
	OPENSSL_free(der);
	return err;
}

/* Plaintext (tests): the first message is a signed Ping to the wildcard
 * Node-ID with the sender's certificate. */
static int send_hello(struct relo_link *l)
{
	struct relo_net *net = l->net;
	struct relo_arena *a;
	struct relo_dest d;
	struct relo_msg m;
	struct relo_wr w;
	uint64_t tid;
	int err;

	err = relo_arena_alloc(&a, 0, 0);
	if (err)
		return err;
	relo_msg_init(&m);
	m.fwd.overlay = net->overlay;
	m.fwd.config_seq = net->o.cfg->sequence;
	m.fwd.ttl = 1;
	RAND_bytes((uint8_t *)&tid, sizeof(tid));
	m.fwd.trans_id = tid;
	d.type = RELO_DEST_NODE;
	relo_nodeid_wildcard(&d.u.node, net->wc.node_id_len);
	m.fwd.dst = &d;
	m.fwd.n_dst = 1;
	m.c.code = RELO_PING_REQ;
	m.c.body = relo_bytes_of((const uint8_t *)"\0", 2); /* no padding */
	err = relo_msg_sign(net->o.ident, a, &m, true);
	relo_wr_init_dyn(&w, net->wc.max_msg_size);
	if (!err)
		err = relo_msg_encode(&net->wc, &m, &w);
	if (!err)
		err = write_frame(l, l->seq_out++, w.buf, w.len, false, 0);
	relo_wr_free(&w);
	relo_arena_free(a);
	return err;
}

static int take_hello(struct relo_link *l, const uint8_t *msg, size_t len)
{
	struct relo_net *net = l->net;
	struct relo_arena *a;
	struct relo_msg m;
	struct relo_certinfo info;
	char why[160];
	int err;

	err = relo_arena_alloc(&a, 0, 0);
	if (err)
		return err;
	err = relo_msg_decode(&net->wc, a, msg, len, &m);
	if (!err && (m.c.code != RELO_PING_REQ || m.sec.n_certs < 1))
		err = -EPROTO;
	if (!err)
		err = relo_msg_verify(net->o.trust, &m, &info, why, sizeof(why));
	if (!err)
		err = authenticate(l, m.sec.certs[0].der.p, m.sec.certs[0].der.len,
				   "plaintext peer");
	relo_arena_free(a);
	return err;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct relo_link *l = arg;
	struct relo_net *net = l->net;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!l->closing) {
		size_t have = evbuffer_get_length(in), need, used;
		struct relo_frame f;
		uint8_t *p;
		int err;

		if (!have)
			break;
		p = evbuffer_pullup(in, (ev_ssize_t)(have < RELO_FRAME_DATA_HDR ? have
										 : RELO_FRAME_DATA_HDR));
		if (p[0] == RELO_FRAME_DATA) {
			if (have < RELO_FRAME_DATA_HDR)
				break;
			need = RELO_FRAME_DATA_HDR + ((size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7]);
		} else {
			need = RELO_FRAME_ACK_LEN;
		}
		/* Messages up to twice max-message-size are read, so that the node
		 * can answer Error_Message_Too_Large; beyond that, the link goes. */
		if (need > 2u * net->wc.max_msg_size + RELO_FRAME_DATA_HDR) {
			net->st.bad_frames++;
			net_log(net, RELO_LOG_WARN, "frame of %zu bytes from %s: far above "
						    "max-message-size, closing the link",
				need, relo_ipport_str(&l->remote, (char[64]){ 0 }, 64));
			link_close(l, "frame far above max-message-size");
			break;
		}
		if (have < need)
			break;
		p = evbuffer_pullup(in, (ev_ssize_t)need);
		err = relo_frame_decode(p, need, 2u * net->wc.max_msg_size, &f, &used);
		if (err) {
			/* A stream that lost its framing cannot be read further. */
			net->st.bad_frames++;
			net_log(net, RELO_LOG_WARN, "bad frame from %s: %s",
				relo_ipport_str(&l->remote, (char[64]){ 0 }, 64), strerror(-err));
			link_close(l, "bad frame");
			break;
		}
		if (f.type == RELO_FRAME_ACK) {
			take_ack(l, f.seq, f.received);
		} else {
			net->st.frames_in++;
			net->st.acks_out++;
			write_frame(l, f.seq, NULL, 0, true, relo_ackwin_add(&l->win, f.seq));
			if (!l->up) {
				/* Plaintext: the peer's hello tells who it is. */
				if (take_hello(l, f.msg.p, f.msg.len) != 0) {
					link_close(l, "bad hello");
					break;
				}
				link_is_up(l);
			}
			if (!l->closing && net->node)
				relo_node_recv(net->node, l, f.msg.p, f.msg.len);
		}
		evbuffer_drain(in, used);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relo_link *l = arg;
	struct relo_net *net = l->net;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (net->o.plaintext) {
			if (send_hello(l) != 0)
				link_close(l, "cannot send hello");
			return; /* up once the peer's hello arrives */
		}
		if (tls_authenticate(l) != 0) {
			link_close(l, "authentication failed");
			return;
		}
		link_is_up(l);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		char msg[160] = "";

		if (!l->up && (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
			net->st.handshake_failures++;
		if (e)
			ERR_error_string_n(e, msg, sizeof(msg));
		ERR_clear_error();
		link_close(l, what & BEV_EVENT_EOF	   ? "closed by the peer"
			      : what & BEV_EVENT_TIMEOUT ? "timed out"
			      : e			   ? msg
							   : "socket error");
	}
}

static struct relo_link *link_new(struct relo_net *net, evutil_socket_t fd, bool outgoing)
{
	struct relo_link *l = calloc(1, sizeof(*l));
	struct timeval hs = { HANDSHAKE_TIMEOUT_S, 0 };

	if (!l)
		return NULL;
	l->net = net;
	l->outgoing = outgoing;
	l->gone = evtimer_new(net->o.base, link_gone_cb, l);
	if (!l->gone) {
		if (fd >= 0)
			evutil_closesocket(fd);
		free(l);
		return NULL;
	}
	l->rto = 3000; /* until an RTT is measured (RFC 6298 2.1) */
	relo_ackwin_init(&l->win);
	if (net->o.plaintext) {
		l->bev = bufferevent_socket_new(net->o.base, fd, BEV_OPT_CLOSE_ON_FREE);
	} else {
		l->ssl = SSL_new(net->ctx);
		if (l->ssl)
			l->bev = bufferevent_openssl_socket_new(
				net->o.base, fd, l->ssl,
				outgoing ? BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING,
				BEV_OPT_CLOSE_ON_FREE);
		if (!l->bev)
			SSL_free(l->ssl);
	}
	if (!l->bev) {
		if (fd >= 0)
			evutil_closesocket(fd);
		event_free(l->gone);
		free(l);
		return NULL;
	}
	bufferevent_setcb(l->bev, read_cb, NULL, event_cb, l);
	bufferevent_set_timeouts(l->bev, &hs, &hs);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	l->next = net->links;
	net->links = l;
	return l;
}

static int op_connect(void *env, const struct relo_ipport *addr, const struct relo_nodeid *expect,
		      void *cookie)
{
	struct relo_net *net = env;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(addr, &ss);
	struct relo_link *l;

	if (!sl)
		return -EAFNOSUPPORT;
	l = link_new(net, -1, true);
	if (!l)
		return -ENOMEM;
	l->remote = *addr;
	l->cookie = cookie;
	if (expect) {
		l->expect = *expect;
		l->have_expect = true;
	}
	if (bufferevent_socket_connect(l->bev, (struct sockaddr *)&ss, (int)sl) != 0) {
		l->cookie = NULL; /* failed at once: the caller hears the error */
		link_free_now(l);
		return -ECONNREFUSED;
	}
	return 0;
}

/* Incoming links not up yet (a flood of them must not exhaust us). */
static int handshaking(const struct relo_net *net)
{
	const struct relo_link *l;
	int k = 0;

	for (l = net->links; l; l = l->next)
		k += !l->up && !l->outgoing && !l->closing;
	return k;
}

static void accept_cb(struct evconnlistener *lst, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct relo_net *net = arg;
	struct relo_link *l;

	(void)lst;
	(void)salen;
	if (handshaking(net) >= MAX_HANDSHAKING) {
		net->st.handshake_failures++;
		net_log(net, RELO_LOG_WARN, "%d connections still handshaking: refusing another",
			MAX_HANDSHAKING);
		evutil_closesocket(fd);
		return;
	}
	l = link_new(net, fd, false);
	if (!l)
		return;
	from_sockaddr(sa, &l->remote);
	if (net->o.plaintext && send_hello(l) != 0)
		link_close(l, "cannot send hello");
}

static const struct relo_env_ops net_ops = {
	.now_ms = op_now,
	.timer_new = op_timer_new,
	.timer_set = op_timer_set,
	.timer_cancel = op_timer_cancel,
	.timer_free = op_timer_free,
	.random = op_random,
	.connect = op_connect,
	.send = op_send,
	.close = op_close,
	.log = op_log,
};

const struct relo_env_ops *relo_net_ops(void)
{
	return &net_ops;
}

void *relo_net_env(struct relo_net *net)
{
	return net;
}

void relo_net_set_node(struct relo_net *net, struct relo_node *n)
{
	struct relo_link *l;

	/* Connection attempts belonged to the node there was. */
	for (l = net->links; l; l = l->next)
		l->cookie = NULL;
	net->node = n;
}

struct relo_ipport relo_net_listen_addr(const struct relo_net *net)
{
	return net->listen;
}

void relo_net_stats(const struct relo_net *net, struct relo_net_stats *out)
{
	*out = net->st;
}

int relo_net_link_rtt(const struct relo_net *net, const struct relo_nodeid *peer, uint32_t *srtt,
		      uint32_t *rto)
{
	const struct relo_link *l;

	for (l = net->links; l; l = l->next) {
		if (l->up && !l->closing && relo_nodeid_eq(&l->peer, peer)) {
			*srtt = l->have_rtt ? (uint32_t)(l->srtt + 0.5) : 0;
			*rto = l->rto;
			return 0;
		}
	}
	return -ENOENT;
}

/* Any certificate chain passes OpenSSL; authenticate() checks it against
 * the overlay's own rules once the handshake is done. */
static int verify_any(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

static int tls_setup(struct relo_net *net)
{
	net->ctx = SSL_CTX_new(TLS_method());
	if (!net->ctx)
		return -ENOMEM;
	if (!SSL_CTX_set_min_proto_version(net->ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_use_certificate(net->ctx, relo_ident_x509(net->o.ident)) ||
	    !SSL_CTX_use_PrivateKey(net->ctx, relo_ident_key(net->o.ident)) ||
	    !SSL_CTX_check_private_key(net->ctx)) {
		ERR_clear_error();
		return -EINVAL;
	}
	/* Mutual authentication: the server asks for the client's certificate. */
	SSL_CTX_set_verify(net->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_any);
	SSL_CTX_set_session_cache_mode(net->ctx, SSL_SESS_CACHE_OFF);
	return 0;
}

int relo_net_alloc(struct relo_net **np, const struct relo_net_opts *o)
{
	struct relo_net *net;
	struct sockaddr_storage ss;
	socklen_t sl;
	int err = 0;

	if (!o->base || !o->cfg || !o->ident || !o->trust)
		return -EINVAL;
	if (o->plaintext && !o->plaintext_allowed)
		return -EPERM; /* never by accident */
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	net->o = *o;
	if (!net->o.ack_timeout_ms)
		net->o.ack_timeout_ms = 30000;
	if (!net->o.keepalive_s)
		net->o.keepalive_s = 10;
	relo_config_wirecfg(o->cfg, &net->wc);
	net->overlay = relo_overlay_hash(o->cfg->instance_name);
	if (!o->plaintext)
		err = tls_setup(net);
	sl = to_sockaddr(&o->listen, &ss);
	if (!err && !sl)
		err = -EAFNOSUPPORT;
	if (!err) {
		net->lst = evconnlistener_new_bind(o->base, accept_cb, net,
						   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
						   (struct sockaddr *)&ss, (int)sl);
		if (!net->lst)
			err = -EADDRINUSE;
	}
	if (!err) {
		socklen_t len = sizeof(ss);
		getsockname(evconnlistener_get_fd(net->lst), (struct sockaddr *)&ss, &len);
		from_sockaddr((struct sockaddr *)&ss, &net->listen);
	}
	if (err) {
		relo_net_free(net);
		return err;
	}
	if (o->plaintext)
		net_log(net, RELO_LOG_WARN, "PLAINTEXT links: for tests only, no confidentiality");
	*np = net;
	return 0;
}

void relo_net_free(struct relo_net *net)
{
	if (!net)
		return;
	net->node = NULL;
	while (net->links)
		link_free_now(net->links);
	if (net->lst)
		evconnlistener_free(net->lst);
	SSL_CTX_free(net->ctx);
	free(net);
}
