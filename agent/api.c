/*
 * api.c - chorusd's control API: HTTP on a loopback address, JSON by
 * default and "key value" text with ?format=text (for the CLI and shell
 * scripts)
 *
 *   GET  /status                  the node: Node-ID, ring tables, links, counters
 *   GET  /ping?node=HEX           a RELOAD Ping to a Node-ID: time and hops
 *   GET  /route?resource=NAME     where a Resource-ID (SHA-1 of NAME, or
 *   GET  /route?id=HEX            a hex Resource-ID) lives: next hop from
 *                                 here, the responsible node, hops
 *   POST /pingall                 Pings to every Node-ID in the body
 *                                 (whitespace separated): how many answered
 *   POST /leave                   leave the overlay politely and exit
 *
 * POSTs must carry the header "X-Chorus-Client: 1": a web page cannot
 * send that to a loopback address without a CORS preflight, which this
 * API never allows, so no page a user visits can make the node leave.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "agent.h"
#include "api_int.h"
#include "json.h"
#include "relo/print.h"
#include "relo/ring.h"

#define PINGALL_MAX 4096
#define LIST_MAX 16

char *hex(const struct relo_nodeid *id, char *buf)
{
	relo_nodeid_hex(id, buf, 2 * RELO_NODEID_MAX + 1);
	return buf;
}

bool want_text(struct evhttp_request *req)
{
	struct evkeyvalq q;
	const char *f;
	bool text;
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

	if (evhttp_parse_query_str(qs ? qs : "", &q) != 0)
		return false;
	f = evhttp_find_header(&q, "format");
	text = f && !strcmp(f, "text");
	evhttp_clear_headers(&q);
	return text;
}

void reply(struct evhttp_request *req, int code, const char *reason, struct evbuffer *b,
		  bool text)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  text ? "text/plain; charset=utf-8" : "application/json");
	evhttp_send_reply(req, code, reason, b);
}

void reply_error(struct evhttp_request *req, int code, const char *reason, const char *msg,
			bool text)
{
	struct evbuffer *b = evbuffer_new();
	struct json j;

	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (text) {
		evbuffer_add_printf(b, "error %s\n", msg);
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "error");
		json_str(&j, msg);
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	reply(req, code, reason, b, text);
	evbuffer_free(b);
}

/* ---- status ---- */

static void ids_json(struct json *j, const char *key, const struct relo_nodeid *ids, size_t n)
{
	char h[2 * RELO_NODEID_MAX + 1];
	size_t i;

	json_key(j, key);
	json_arr(j);
	for (i = 0; i < n; i++) {
		if (ids[i].len)
			json_str(j, hex(&ids[i], h));
		else
			json_null(j);
	}
	json_end(j, ']');
}

static void ids_text(struct evbuffer *b, const char *key, const struct relo_nodeid *ids, size_t n)
{
	char h[2 * RELO_NODEID_MAX + 1];
	size_t i;

	evbuffer_add_printf(b, "%s", key);
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, " %s", ids[i].len ? hex(&ids[i], h) : "-");
	evbuffer_add(b, "\n", 1);
}

#define COUNTERS(X)                                                                            \
	X(msgs_in) X(msgs_out) X(forwarded) X(delivered) X(requests_sent) X(retransmits)       \
	X(answers) X(answers_replayed) X(timeouts) X(errors_sent) X(dropped_malformed)        \
	X(dropped_bad_signature) X(dropped_loop) X(dropped_no_route) X(dropped_ttl)           \
	X(dropped_other) X(joins) X(rejoins) X(updates_in) X(updates_out) X(attaches_in)      \
	X(attaches_out) X(links_up) X(links_down)
#define NET_COUNTERS(X)                                                                        \
	X(accepted) X(connected) X(handshake_failures) X(auth_failures) X(frames_in)          \
	X(frames_out) X(acks_in) X(acks_out) X(bad_frames) X(ack_timeouts)
#define STORE_COUNTERS(X)                                                                      \
	X(resources) X(values) X(bytes) X(stores_in) X(replica_stores_in) X(stores_refused)    \
	X(fetches_in) X(stats_in) X(finds_in) X(replica_pushes) X(replica_push_failures)      \
	X(expired) X(forgotten)

static void status(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	struct relo_nodeid succ[LIST_MAX], pred[LIST_MAX], fingers[128];
	struct relo_link_info links[256];
	struct relo_node_stats st;
	struct relo_net_stats ns;
	struct relo_store_stats ss;
	struct relo_ipport listen = relo_net_listen_addr(a->net);
	char h[2 * RELO_NODEID_MAX + 1], addr[64], raddr[64];
	size_t ns_, np, nf, nl, i;
	uint64_t hops[16];
	bool text = want_text(req);
	struct evbuffer *b = evbuffer_new();
	struct json j;

	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	ns_ = relo_node_successors(a->node, succ, LIST_MAX);
	np = relo_node_predecessors(a->node, pred, LIST_MAX);
	nf = relo_node_fingers(a->node, fingers, 128);
	nl = relo_node_links(a->node, links, 256);
	relo_node_stats(a->node, &st);
	relo_net_stats(a->net, &ns);
	relo_store_stats(a->store, &ss);
	relo_node_hops(a->node, hops, 16);
	relo_ipport_str(&listen, addr, sizeof(addr));
	if (text) {
		evbuffer_add_printf(b, "node_id %s\noverlay %s\njoined %s\nlisten %s\nuptime_s %" PRIu64
				       "\n",
				    hex(relo_node_id(a->node), h), a->cfg->instance_name,
				    relo_node_joined(a->node) ? "yes" : "no", addr,
				    st.uptime_ms / 1000);
		if (a->have_coord) {
			char bin[64];
			uint8_t prefix = 0;
			evbuffer_add_printf(b, "coordinate");
			for (i = 0; i < a->coord.n; i++)
				if (a->coord.rtt_ms[i] == RELO_COORD_UNKNOWN)
					evbuffer_add_printf(b, " -");
				else
					evbuffer_add_printf(b, " %u", a->coord.rtt_ms[i]);
			relo_coord_bin(&a->coord, bin, sizeof(bin));
			evbuffer_add_printf(b, "\nlandmark_bin %s\n", bin[0] ? bin : "-");
			if (relo_coord_prefix(&a->coord, &prefix) == 0)
				evbuffer_add_printf(b, "landmark_prefix %02x\n", prefix);
		}
		ids_text(b, "successors", succ, ns_);
		ids_text(b, "predecessors", pred, np);
		ids_text(b, "fingers", fingers, nf);
		evbuffer_add_printf(b, "links %zu\n", nl);
		for (i = 0; i < nl; i++) {
			uint32_t srtt = 0, rto = 0;
			relo_net_link_rtt(a->net, &links[i].peer, &srtt, &rto);
			evbuffer_add_printf(b, "link %s %s %s %s %u %u %" PRIu64 " %" PRIu64 "\n",
					    hex(&links[i].peer, h),
					    relo_ipport_str(&links[i].remote, raddr, sizeof(raddr)),
					    links[i].routable ? "routable" : "attached",
					    links[i].outgoing ? "out" : "in", srtt, rto,
					    links[i].msgs_in, links[i].msgs_out);
		}
#define T(f) evbuffer_add_printf(b, "counter " #f " %" PRIu64 "\n", (uint64_t)st.f);
		COUNTERS(T)
#undef T
#define T(f) evbuffer_add_printf(b, "counter net_" #f " %" PRIu64 "\n", (uint64_t)ns.f);
		NET_COUNTERS(T)
#undef T
#define T(f) evbuffer_add_printf(b, "counter store_" #f " %" PRIu64 "\n", (uint64_t)ss.f);
		STORE_COUNTERS(T)
#undef T
		evbuffer_add_printf(b, "hops");
		for (i = 0; i < 16; i++)
			evbuffer_add_printf(b, " %" PRIu64, hops[i]);
		evbuffer_add(b, "\n", 1);
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "node_id");
		json_str(&j, hex(relo_node_id(a->node), h));
		json_key(&j, "overlay");
		json_str(&j, a->cfg->instance_name);
		json_key(&j, "joined");
		json_bool(&j, relo_node_joined(a->node));
		json_key(&j, "listen");
		json_str(&j, addr);
		json_key(&j, "uptime_s");
		json_u64(&j, st.uptime_ms / 1000);
		if (a->have_coord) {
			char bin[64];
			json_key(&j, "coordinate_ms");
			json_arr(&j);
			for (i = 0; i < a->coord.n; i++)
				if (a->coord.rtt_ms[i] == RELO_COORD_UNKNOWN)
					json_null(&j);
				else
					json_u64(&j, a->coord.rtt_ms[i]);
			json_end(&j, ']');
			relo_coord_bin(&a->coord, bin, sizeof(bin));
			json_key(&j, "landmark_bin");
			json_str(&j, bin);
		}
		ids_json(&j, "successors", succ, ns_);
		ids_json(&j, "predecessors", pred, np);
		ids_json(&j, "fingers", fingers, nf);
		json_key(&j, "links");
		json_arr(&j);
		for (i = 0; i < nl; i++) {
			uint32_t srtt = 0, rto = 0;
			relo_net_link_rtt(a->net, &links[i].peer, &srtt, &rto);
			json_obj(&j);
			json_key(&j, "peer");
			json_str(&j, hex(&links[i].peer, h));
			json_key(&j, "remote");
			json_str(&j, relo_ipport_str(&links[i].remote, raddr, sizeof(raddr)));
			json_key(&j, "routable");
			json_bool(&j, links[i].routable);
			json_key(&j, "outgoing");
			json_bool(&j, links[i].outgoing);
			json_key(&j, "srtt_ms");
			json_u64(&j, srtt);
			json_key(&j, "rto_ms");
			json_u64(&j, rto);
			json_key(&j, "msgs_in");
			json_u64(&j, links[i].msgs_in);
			json_key(&j, "msgs_out");
			json_u64(&j, links[i].msgs_out);
			json_key(&j, "bytes_in");
			json_u64(&j, links[i].bytes_in);
			json_key(&j, "bytes_out");
			json_u64(&j, links[i].bytes_out);
			json_end(&j, '}');
		}
		json_end(&j, ']');
		json_key(&j, "counters");
		json_obj(&j);
#define T(f)                                                                                   \
	json_key(&j, #f);                                                                      \
	json_u64(&j, st.f);
		COUNTERS(T)
#undef T
#define T(f)                                                                                   \
	json_key(&j, "net_" #f);                                                               \
	json_u64(&j, ns.f);
		NET_COUNTERS(T)
#undef T
#define T(f)                                                                                   \
	json_key(&j, "store_" #f);                                                             \
	json_u64(&j, ss.f);
		STORE_COUNTERS(T)
#undef T
		json_end(&j, '}');
		json_key(&j, "hops");
		json_arr(&j);
		for (i = 0; i < 16; i++)
			json_u64(&j, hops[i]);
		json_end(&j, ']');
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	reply(req, HTTP_OK, "OK", b, text);
	evbuffer_free(b);
}

/* ---- requests that wait for the overlay ---- */


static void client_gone(struct evhttp_connection *con, void *arg)
{
	struct waiting *w = arg;

	(void)con;
	w->req = NULL;
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct waiting *wait_new(struct agent *a, struct evhttp_request *req, bool text)
{
	struct waiting *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->a = a;
	w->req = req;
	w->text = text;
	w->t0 = now_us();
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), client_gone, w);
	return w;
}

void wait_done(struct waiting *w, struct evbuffer *b, int code, const char *reason)
{
	if (w->req) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(w->req), NULL, NULL);
		reply(w->req, code, reason, b, w->text);
	}
	free(w);
}

const char *why_failed(int err, const struct relo_body *body)
{
	const char *e;

	if (err)
		return strerror(-err);
	e = body->code == RELO_ERROR ? relo_error_name(body->u.error.code) : NULL;
	return e ? e : "unexpected answer";
}

/* The Node-ID that signed an answer: its certificate's first. */
static bool answer_signer(const struct agent *a, const struct relo_msg *m, struct relo_nodeid *out)
{
	struct relo_certinfo info;

	if (!m->sec.n_certs ||
	    relo_cert_parse(m->sec.certs[0].der.p, m->sec.certs[0].der.len, a->cfg->instance_name,
			    a->cfg->node_id_len, &info) != 0)
		return false;
	*out = info.nodeids[0];
	return true;
}

static void ping_answered(void *arg, int err, const struct relo_msg *ans,
			  const struct relo_body *body)
{
	struct waiting *w = arg;
	struct agent *a = w->a;
	struct evbuffer *b;
	struct relo_nodeid who, next;
	char h[2 * RELO_NODEID_MAX + 1], h2[2 * RELO_NODEID_MAX + 1];
	uint64_t us;
	unsigned hops = 0;
	bool ok = !err && body->code == RELO_PING_ANS;
	struct json j;

	if (err == -ECANCELED) {
		free(w);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
		return;
	}
	us = now_us() - w->t0;
	if (ok)
		hops = a->cfg->initial_ttl - ans->fwd.ttl + 1u;
	memset(&who, 0, sizeof(who));
	if (ok && !answer_signer(a, ans, &who))
		who = w->target;
	if (relo_node_next_hop(a->node, &w->target, &next) < 0)
		memset(&next, 0, sizeof(next));
	if (w->text) {
		if (ok)
			evbuffer_add_printf(b, "ok yes\ntarget %s\nanswered_by %s\ntime_ms %.3f\nhops "
					       "%u\nnext_hop %s\n",
					    w->resource ? w->name : hex(&w->target, h),
					    hex(&who, h2), (double)us / 1000.0, hops,
					    next.len ? hex(&next, h) : "-");
		else
			evbuffer_add_printf(b, "ok no\nerror %s\n", why_failed(err, body));
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "ok");
		json_bool(&j, ok);
		json_key(&j, "target");
		json_str(&j, w->resource ? w->name : hex(&w->target, h));
		if (ok) {
			json_key(&j, "answered_by");
			json_str(&j, hex(&who, h));
			json_key(&j, "time_ms");
			json_num(&j, (double)us / 1000.0);
			json_key(&j, "hops");
			json_u64(&j, hops);
		} else {
			json_key(&j, "error");
			json_str(&j, why_failed(err, body));
		}
		json_key(&j, "next_hop");
		if (next.len)
			json_str(&j, hex(&next, h));
		else
			json_null(&j);
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

const char *query_get(struct evhttp_request *req, struct evkeyvalq *q, const char *key)
{
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

	if (evhttp_parse_query_str(qs ? qs : "", q) != 0)
		return NULL;
	return evhttp_find_header(q, key);
}

static void send_ping(struct agent *a, struct evhttp_request *req, struct waiting *w,
		      const struct relo_dest *d)
{
	struct relo_body body;
	int err;

	memset(&body, 0, sizeof(body));
	body.code = RELO_PING_REQ;
	err = relo_node_request(a->node, d, 1, &body, ping_answered, w);
	if (err) {
		bool text = w->text;
		evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
		free(w);
		reply_error(req, 503, "Service Unavailable", strerror(-err), text);
	}
}

static void ping(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct evkeyvalq q;
	const char *node;
	struct relo_dest d;
	struct waiting *w;

	node = query_get(req, &q, "node");
	memset(&d, 0, sizeof(d));
	d.type = RELO_DEST_NODE;
	if (!node || relo_id_parse(node, a->cfg->node_id_len, &d.u.node) != 0) {
		evhttp_clear_headers(&q);
		reply_error(req, 400, "Bad Request", "node=HEX (a Node-ID of this overlay) is needed",
			    text);
		return;
	}
	evhttp_clear_headers(&q);
	w = wait_new(a, req, text);
	if (!w) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	w->target = d.u.node;
	send_ping(a, req, w, &d);
}

static void route(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct evkeyvalq q;
	const char *name, *id;
	uint8_t res[RELO_CHORD_RESID_LEN];
	struct relo_nodeid hexid;
	struct relo_dest d;
	struct waiting *w;

	name = query_get(req, &q, "resource");
	id = evhttp_find_header(&q, "id");
	if (name) {
		relo_resource_id(name, strlen(name), res);
	} else if (id && relo_id_parse(id, RELO_CHORD_RESID_LEN, &hexid) == 0) {
		memcpy(res, hexid.id, sizeof(res));
	} else {
		evhttp_clear_headers(&q);
		reply_error(req, 400, "Bad Request", "resource=NAME or id=HEX (128 bits) is needed",
			    text);
		return;
	}
	w = wait_new(a, req, text);
	if (!w) {
		evhttp_clear_headers(&q);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	snprintf(w->name, sizeof(w->name), "%s", name ? name : id);
	evhttp_clear_headers(&q);
	w->resource = true;
	relo_id_from_resource(&w->target, relo_bytes_of(res, sizeof(res)), a->cfg->node_id_len);
	d.type = RELO_DEST_RESOURCE;
	d.u.resource = relo_bytes_of(res, sizeof(res));
	send_ping(a, req, w, &d);
}

/* A POST that changes something: only from a client that said so. */
bool from_client(struct evhttp_request *req, bool text)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Chorus-Client");

	if (v && !strcmp(v, "1"))
		return true;
	reply_error(req, 403, "Forbidden", "POSTs need the header X-Chorus-Client: 1", text);
	return false;
}

static void pingall_finish(struct waiting *w)
{
	struct evbuffer *b = evbuffer_new();
	struct json j;

	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
		return;
	}
	if (w->text) {
		evbuffer_add_printf(b, "sent %zu\nanswered %zu\nfailed %zu\n", w->sent, w->answered,
				    w->errors);
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "sent");
		json_u64(&j, w->sent);
		json_key(&j, "answered");
		json_u64(&j, w->answered);
		json_key(&j, "failed");
		json_u64(&j, w->errors);
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

static void pingall_answered(void *arg, int err, const struct relo_msg *ans,
			     const struct relo_body *body)
{
	struct waiting *w = arg;

	(void)ans;
	if (err == -ECANCELED) {
		if (++w->errors + w->answered == w->sent)
			free(w);
		return;
	}
	if (!err && body->code == RELO_PING_ANS)
		w->answered++;
	else
		w->errors++;
	if (w->answered + w->errors == w->sent)
		pingall_finish(w);
}

static void pingall(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body, *tok, *save = NULL;
	struct relo_body ping;
	struct waiting *w;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST || len > PINGALL_MAX * 64) {
		reply_error(req, 400, "Bad Request", "POST Node-IDs in the body", text);
		return;
	}
	if (!from_client(req, text))
		return;
	body = malloc(len + 1);
	w = body ? wait_new(a, req, text) : NULL;
	if (!w) {
		free(body);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_remove(in, body, len);
	body[len] = '\0';
	memset(&ping, 0, sizeof(ping));
	ping.code = RELO_PING_REQ;
	w->sent = 1; /* held open while sending, so no answer finishes early */
	for (tok = strtok_r(body, " \t\r\n,", &save); tok && w->sent <= PINGALL_MAX;
	     tok = strtok_r(NULL, " \t\r\n,", &save)) {
		struct relo_dest d = { .type = RELO_DEST_NODE };

		if (relo_id_parse(tok, a->cfg->node_id_len, &d.u.node) != 0) {
			w->errors++;
			w->sent++;
			continue;
		}
		w->sent++;
		if (relo_node_request(a->node, &d, 1, &ping, pingall_answered, w) != 0)
			w->errors++;
	}
	free(body);
	w->sent--;
	if (w->answered + w->errors == w->sent)
		pingall_finish(w);
}

static void leave(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct evbuffer *b = evbuffer_new();

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST || !from_client(req, text)) {
		if (evhttp_request_get_command(req) != EVHTTP_REQ_POST)
			reply_error(req, 405, "Method Not Allowed", "POST /leave", text);
		evbuffer_free(b);
		return;
	}
	if (b) {
		evbuffer_add_printf(b, text ? "leaving yes\n" : "{\"leaving\":true}\n");
		reply(req, HTTP_OK, "OK", b, text);
		evbuffer_free(b);
	}
	agent_stop(a, "asked to leave through the control API");
}

static void not_found(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply_error(req, 404, "Not Found",
		    "endpoints: /status /ping?node= /route?resource= /pingall /leave /put /get /stat "
		    "/conf/create /conf/list /conf/members /conf/invite /conf/destroy",
		    want_text(req));
}

int api_start(struct agent *a, const struct relo_ipport *addr, const char *api_file)
{
	char host[64];
	struct evhttp_bound_socket *s;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	a->http = evhttp_new(a->base);
	if (!a->http)
		return -ENOMEM;
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(a->http, PINGALL_MAX * 64);
	evhttp_set_cb(a->http, "/status", status, a);
	evhttp_set_cb(a->http, "/ping", ping, a);
	evhttp_set_cb(a->http, "/route", route, a);
	evhttp_set_cb(a->http, "/pingall", pingall, a);
	evhttp_set_cb(a->http, "/leave", leave, a);
	api_store_register(a);
	api_conf_register(a);
	api_call_register(a);
	evhttp_set_gencb(a->http, not_found, a);
	if (!inet_ntop(addr->type == RELO_ADDR_IPV6 ? AF_INET6 : AF_INET, addr->addr, host,
		       sizeof(host)))
		return -EINVAL;
	s = evhttp_bind_socket_with_handle(a->http, host, addr->port);
	if (!s)
		return -EADDRINUSE;
	a->api = *addr;
	if (getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&ss, &len) == 0)
		a->api.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (api_file) {
		char tmp[4096];
		FILE *f;
		snprintf(tmp, sizeof(tmp), "%s.tmp", api_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%s\n", relo_ipport_str(&a->api, host, sizeof(host))) < 0 ||
		    fclose(f) != 0 || rename(tmp, api_file) != 0)
			return -EIO;
	}
	agent_log(a, RELO_LOG_INFO, "control API on http://%s/status",
		  relo_ipport_str(&a->api, host, sizeof(host)));
	return 0;
}

void api_stop(struct agent *a)
{
	if (a->http)
		evhttp_free(a->http);
	a->http = NULL;
}
