/*
 * badpeer - a peer with a valid certificate that sends a live chorusd bad
 * input over real TLS links, one case per connection, and checks the
 * node's reaction: the RFC 6940 Error answer, or a closed link, and a
 * counter moving in its status; and that the node keeps answering after
 * each case.
 *
 * usage: badpeer OVERLAY.XML CERT KEY TARGET_ADDR:PORT TARGET_API_ADDR:PORT OTHER_NODE_ID
 *   OTHER_NODE_ID: a second node of the overlay, connected to the target,
 *   so that messages to it have to be forwarded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "relo/frame.h"
#include "relo/net.h"
#include "relo/print.h"
#include "relo/ring.h"
#include "relo/sec.h"

struct ctx {
	struct relo_config *cfg;
	struct relo_ident *id;
	struct relo_wirecfg wc;
	struct relo_ipport target, api;
	struct relo_nodeid other;
	SSL_CTX *ssl_ctx;
	int failures;
};

struct conn {
	int fd;
	SSL *ssl;
	uint8_t buf[1 << 17];
	size_t len;
	uint32_t seq;
};

static int tcp_connect(const struct relo_ipport *a, int timeout_s)
{
	struct sockaddr_in sin;
	struct timeval tv = { timeout_s, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(a->port);
	memcpy(&sin.sin_addr, a->addr, 4);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int conn_open(struct ctx *c, struct conn *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = tcp_connect(&c->target, 3);
	if (k->fd < 0)
		return -1;
	k->ssl = SSL_new(c->ssl_ctx);
	SSL_set_fd(k->ssl, k->fd);
	if (SSL_connect(k->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static void conn_close(struct conn *k)
{
	if (k->ssl) {
		SSL_shutdown(k->ssl);
		SSL_free(k->ssl);
	}
	if (k->fd >= 0)
		close(k->fd);
	k->ssl = NULL;
	k->fd = -1;
}

static int send_raw(struct conn *k, const void *p, size_t n)
{
	return SSL_write(k->ssl, p, (int)n) == (int)n ? 0 : -1;
}

static int send_msg(struct conn *k, const uint8_t *msg, size_t len)
{
	struct relo_wr w;
	int err;

	relo_wr_init_dyn(&w, 0);
	relo_frame_write_data(&w, k->seq++, relo_bytes_of(msg, len));
	err = w.err ? -1 : send_raw(k, w.buf, w.len);
	relo_wr_free(&w);
	return err;
}

/*
 * Reads frames until a data frame whose message answers trans_id: returns
 * 1 with its code (and error code for an Error), 0 if the peer closed the
 * link, -1 on timeout (the socket's 3 s).
 */
static uint64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int await_answer(struct ctx *c, struct conn *k, uint64_t tid, uint16_t *code,
			uint16_t *err_code)
{
	uint64_t deadline = ms_now() + 3000;

	for (;;) {
		struct relo_frame f;
		size_t used;
		int n, rc;

		rc = relo_frame_decode(k->buf, k->len, sizeof(k->buf), &f, &used);
		if (rc == 0) {
			if (f.type == RELO_FRAME_DATA) {
				struct relo_arena *a;
				struct relo_msg m;
				struct relo_body b;

				relo_arena_alloc(&a, 0, 0);
				if (relo_msg_decode(&c->wc, a, f.msg.p, f.msg.len, &m) == 0 &&
				    m.fwd.trans_id == tid) {
					*code = m.c.code;
					*err_code = 0;
					if (m.c.code == RELO_ERROR &&
					    relo_body_decode(&c->wc, a, m.c.code, m.c.body, &b) == 0)
						*err_code = b.u.error.code;
					relo_arena_free(a);
					memmove(k->buf, k->buf + used, k->len - used);
					k->len -= used;
					return 1;
				}
				relo_arena_free(a); /* the node's own requests (Updates): ignored */
			}
			memmove(k->buf, k->buf + used, k->len - used);
			k->len -= used;
			continue;
		}
		if (rc != -EAGAIN)
			return -1;
		{
			/* The node's own Updates keep arriving: wait by the clock. */
			uint64_t now = ms_now();
			struct timeval tv;

			if (now >= deadline)
				return -1;
			tv.tv_sec = (time_t)((deadline - now) / 1000);
			tv.tv_usec = (suseconds_t)((deadline - now) % 1000) * 1000;
			setsockopt(k->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		n = SSL_read(k->ssl, k->buf + k->len, (int)(sizeof(k->buf) - k->len));
		if (n <= 0) {
			int e = SSL_get_error(k->ssl, n);
			ERR_clear_error();
			return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ||
					       e == SSL_ERROR_SSL
				       ? 0
				       : -1;
		}
		k->len += (size_t)n;
	}
}

/* True once the node closed the link (read returns end of stream). */
static bool closed_by_peer(struct conn *k)
{
	for (int i = 0; i < 50; i++) {
		int n = SSL_read(k->ssl, k->buf, sizeof(k->buf));
		if (n <= 0) {
			int e = SSL_get_error(k->ssl, n);
			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ)
				continue;
			return e != SSL_ERROR_WANT_WRITE && !(e == SSL_ERROR_SYSCALL && errno == EAGAIN);
		}
	}
	return false;
}

/* A message of ours: signed, to dst, with the header fields a case changes. */
struct shape {
	uint32_t overlay;
	uint8_t version, ttl;
	uint16_t code;
	struct relo_body body;
	bool corrupt_signature;
	size_t n_dst;           /* entries of dst (0: one) */
};

static int build(struct ctx *c, const struct relo_dest *dst, const struct shape *s, uint64_t *tid,
		 struct relo_wr *out)
{
	struct relo_arena *a;
	struct relo_wr bw;
	struct relo_msg m;
	int err;

	relo_arena_alloc(&a, 0, 0);
	relo_wr_init_dyn(&bw, 0);
	relo_body_write(&bw, &c->wc, &s->body);
	relo_msg_init(&m);
	m.fwd.overlay = s->overlay;
	m.fwd.config_seq = c->cfg->sequence;
	m.fwd.version = s->version;
	m.fwd.ttl = s->ttl;
	RAND_bytes((uint8_t *)tid, sizeof(*tid));
	m.fwd.trans_id = *tid;
	m.fwd.dst = (struct relo_dest *)(uintptr_t)dst;
	m.fwd.n_dst = s->n_dst ? s->n_dst : 1;
	m.c.code = s->body.code;
	m.c.body = relo_bytes_of(bw.buf, bw.len);
	err = relo_msg_sign(c->id, a, &m, true);
	if (!err && s->corrupt_signature)
		((uint8_t *)(uintptr_t)m.sec.sig.value.p)[0] ^= 0x55;
	relo_wr_init_dyn(out, 1 << 20);
	if (!err)
		err = relo_msg_encode(&(struct relo_wirecfg){ .node_id_len = c->wc.node_id_len,
							       .max_msg_size = 1 << 20,
							       .model = c->wc.model },
				      &m, out);
	/* The version is not something the encoder lets us get wrong. */
	if (!err && s->version != RELO_VERSION)
		out->buf[10] = s->version;
	relo_wr_free(&bw);
	relo_arena_free(a);
	return err;
}

/* GET /status?format=text from the node's API: the value of a counter. */
static long long counter(struct ctx *c, const char *name)
{
	char req[256], resp[65536], key[96], *p;
	size_t len = 0;
	int fd = tcp_connect(&c->api, 3);
	ssize_t n;

	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req), "GET /status?format=text HTTP/1.0\r\n\r\n");
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return -1;
	}
	while (len < sizeof(resp) - 1 && (n = read(fd, resp + len, sizeof(resp) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	resp[len] = '\0';
	snprintf(key, sizeof(key), "\ncounter %s ", name);
	p = strstr(resp, key);
	return p ? atoll(p + strlen(key)) : -1;
}

static void report(struct ctx *c, const char *name, bool ok, const char *detail)
{
	printf("%-40s %s  %s\n", name, ok ? "ok  " : "FAIL", detail);
	if (!ok)
		c->failures++;
}

static void case_answer(struct ctx *c, const char *name, const struct relo_dest *dst,
			const struct shape *s, uint16_t want_code, uint16_t want_error,
			const char *counter_name)
{
	struct conn k;
	struct relo_wr w;
	uint64_t tid;
	uint16_t code = 0, err_code = 0;
	long long before = counter_name ? counter(c, counter_name) : 0;
	char detail[200];
	int rc;

	if (conn_open(c, &k) || build(c, dst, s, &tid, &w) || send_msg(&k, w.buf, w.len)) {
		report(c, name, false, "could not connect or send");
		conn_close(&k);
		return;
	}
	relo_wr_free(&w);
	rc = await_answer(c, &k, tid, &code, &err_code);
	conn_close(&k);
	if (want_code == 0) {
		/* Expected: no answer at all (dropped), and the counter moved. */
		long long after = counter(c, counter_name);
		snprintf(detail, sizeof(detail), "%s; %s %lld -> %lld",
			 rc == 1 ? "answered (unexpected)" : "no answer", counter_name, before, after);
		report(c, name, rc != 1 && after > before, detail);
		return;
	}
	snprintf(detail, sizeof(detail), "answer %s%s%s", rc == 1 ? relo_code_name(code) : "none",
		 err_code ? " " : "", err_code ? relo_error_name(err_code) : "");
	report(c, name, rc == 1 && code == want_code && err_code == want_error, detail);
}

static void case_closed(struct ctx *c, const char *name, const uint8_t *bytes, size_t len,
			bool then_close, const char *counter_name)
{
	struct conn k;
	long long before = counter(c, counter_name), after;
	char detail[160];
	bool closed;

	if (conn_open(c, &k) || send_raw(&k, bytes, len)) {
		report(c, name, false, "could not connect or send");
		conn_close(&k);
		return;
	}
	closed = then_close ? (conn_close(&k), true) : closed_by_peer(&k);
	conn_close(&k);
	usleep(200000);
	after = counter(c, counter_name);
	if (then_close) {
		/* Nothing to see but that the node is still there. */
		snprintf(detail, sizeof(detail), "we hung up mid-frame; the node answers its API");
		report(c, name, after >= 0, detail);
		return;
	}
	snprintf(detail, sizeof(detail), "%s; %s %lld -> %lld",
		 closed ? "link closed by the node" : "still open", counter_name, before, after);
	report(c, name, closed && after > before, detail);
}

static void alive(struct ctx *c, const char *after)
{
	char name[96];
	struct relo_dest d = { .type = RELO_DEST_NODE };
	struct shape s = { .overlay = relo_overlay_hash(c->cfg->instance_name),
			   .version = RELO_VERSION, .ttl = 100 };

	d.u.node = c->other; /* a Ping through the node to the other node */
	s.body.code = RELO_PING_REQ;
	snprintf(name, sizeof(name), "  still routing after %s", after);
	case_answer(c, name, &d, &s, RELO_PING_ANS, 0, NULL);
}

int main(int argc, char **argv)
{
	struct ctx c;
	struct relo_dest to_other = { .type = RELO_DEST_NODE }, to_target = { .type = RELO_DEST_NODE };
	struct shape s;
	char err[256];
	uint8_t garbage[64], bigframe[8] = { RELO_FRAME_DATA, 0, 0, 0, 1, 0xff, 0xff, 0xff };
	uint8_t trunc[100] = { RELO_FRAME_DATA, 0, 0, 0, 1, 0, 0x03, 0xe8 };

	if (argc != 7) {
		fprintf(stderr, "usage: badpeer OVERLAY.XML CERT KEY TARGET API OTHER_NODE_ID\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	if (relo_config_load(&c.cfg, argv[1], NULL, err, sizeof(err)) ||
	    relo_ident_load(&c.id, argv[2], argv[3], c.cfg->instance_name, c.cfg->node_id_len, err,
			    sizeof(err)) ||
	    relo_ipport_parse(argv[4], &c.target) || relo_ipport_parse(argv[5], &c.api) ||
	    relo_id_parse(argv[6], c.cfg->node_id_len, &c.other)) {
		fprintf(stderr, "badpeer: bad arguments: %s\n", err);
		return 2;
	}
	relo_config_wirecfg(c.cfg, &c.wc);
	c.ssl_ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(c.ssl_ctx, TLS1_3_VERSION);
	SSL_CTX_use_certificate(c.ssl_ctx, relo_ident_x509(c.id));
	SSL_CTX_use_PrivateKey(c.ssl_ctx, relo_ident_key(c.id));
	to_other.u.node = c.other;

	memset(&s, 0, sizeof(s));
	s.overlay = relo_overlay_hash(c.cfg->instance_name);
	s.version = RELO_VERSION;
	s.ttl = 100;
	s.body.code = RELO_PING_REQ;
	alive(&c, "connecting");

	RAND_bytes(garbage, sizeof(garbage));
	garbage[0] = 0x55; /* no such frame type */
	case_closed(&c, "garbage bytes", garbage, sizeof(garbage), false, "net_bad_frames");
	alive(&c, "garbage");
	case_closed(&c, "frame above max-message-size", bigframe, sizeof(bigframe), false,
		    "net_bad_frames");
	alive(&c, "an oversized frame");
	case_closed(&c, "truncated frame, then hang up", trunc, sizeof(trunc), true,
		    "net_bad_frames");
	alive(&c, "a truncated frame");

	s.overlay ^= 0x01010101;
	case_answer(&c, "wrong overlay hash", &to_other, &s, RELO_ERROR,
		    RELO_ERR_INCOMPATIBLE_WITH_OVERLAY, NULL);
	s.overlay ^= 0x01010101;
	s.version = 0x01;
	case_answer(&c, "wrong version (0.1)", &to_other, &s, 0, 0, "dropped_malformed");
	s.version = RELO_VERSION;
	alive(&c, "bad headers");

	s.body.u.ping_req.padding = relo_bytes_of(calloc(1, 6000), 6000);
	case_answer(&c, "message above max-message-size", &to_other, &s, RELO_ERROR,
		    RELO_ERR_MESSAGE_TOO_LARGE, NULL);
	free((void *)(uintptr_t)s.body.u.ping_req.padding.p);
	s.body.u.ping_req.padding = relo_bytes_of(NULL, 0);

	s.ttl = 0;
	case_answer(&c, "TTL exhausted before a hop", &to_other, &s, RELO_ERROR,
		    RELO_ERR_TTL_EXCEEDED, NULL);
	s.ttl = 200;
	case_answer(&c, "TTL above initial-ttl", &to_other, &s, RELO_ERROR, RELO_ERR_TTL_EXCEEDED,
		    NULL);
	s.ttl = 100;
	alive(&c, "TTL cases");

	/* Destination Lists a node must not route: too long, a node twice. */
	{
		struct relo_dest many[33];
		size_t i;

		for (i = 0; i < 33; i++) {
			many[i].type = RELO_DEST_NODE;
			many[i].u.node.len = c.wc.node_id_len;
			RAND_bytes(many[i].u.node.id, many[i].u.node.len);
		}
		s.n_dst = 33;
		case_answer(&c, "Destination List of 33 entries", many, &s, RELO_ERROR,
			    RELO_ERR_INVALID_MESSAGE, NULL);
		many[0] = to_other;
		many[2] = to_other;
		s.n_dst = 3;
		case_answer(&c, "Destination List naming a node twice", many, &s, RELO_ERROR,
			    RELO_ERR_INVALID_MESSAGE, NULL);
		s.n_dst = 0;
	}
	alive(&c, "bad Destination Lists");

	/* Forged identities. */
	to_target.u.node = c.other; /* placeholder, replaced below */
	{
		struct relo_certinfo info;
		struct conn probe;
		/* The target's own Node-ID, from its TLS certificate. */
		if (conn_open(&c, &probe) == 0) {
			X509 *x = SSL_get1_peer_certificate(probe.ssl);
			unsigned char *der = NULL;
			int n = x ? i2d_X509(x, &der) : 0;
			if (n > 0 && relo_cert_parse(der, (size_t)n, c.cfg->instance_name,
						     c.cfg->node_id_len, &info) == 0)
				to_target.u.node = info.nodeids[0];
			OPENSSL_free(der);
			X509_free(x);
		}
		conn_close(&probe);
	}
	s.body.code = RELO_JOIN_REQ;
	s.body.u.join_req.peer = c.other; /* claiming to be another node */
	case_answer(&c, "Join for someone else's Node-ID", &to_target, &s, RELO_ERROR,
		    RELO_ERR_FORBIDDEN, NULL);
	s.body.code = RELO_LEAVE_REQ;
	s.body.u.leave_req.peer = c.other;
	case_answer(&c, "Leave for someone else's Node-ID", &to_target, &s, RELO_ERROR,
		    RELO_ERR_FORBIDDEN, NULL);
	memset(&s.body, 0, sizeof(s.body));
	s.body.code = RELO_PING_REQ;
	s.corrupt_signature = true;
	case_answer(&c, "signature that does not verify", &to_target, &s, 0, 0,
		    "dropped_bad_signature");
	s.corrupt_signature = false;
	alive(&c, "forged identities");

	printf("%d failure%s\n", c.failures, c.failures == 1 ? "" : "s");
	SSL_CTX_free(c.ssl_ctx);
	relo_ident_free(c.id);
	relo_config_free(c.cfg);
	return c.failures ? 1 : 0;
}
