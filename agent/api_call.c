/*
 * api_call.c - the control API of the node's user agent (ua.h):
 *   POST /call?uri=U[&play=F][&tone=HZ][&record=F][&seconds=S][&plain=1]
 *             [&subscribe=1][&direct=1]
 *        calls U: an AOR registered in the overlay (RFC 7904) is reached
 *        where its peer's SIP listens (lookup and AppAttach); any other
 *        SIP URI, or with direct=1, by the URI itself. Files are paths
 *        on the node's machine. Answers the call's id.
 *   GET  /calls                  every call, newest first
 *   GET  /call?id=N              one
 *   POST /hangup[?id=N]          hangs up one call, or all
 *   GET  /roster?id=N            the conference state call N holds from
 *                                its subscription (RFC 4575)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "api_int.h"
#include "focus/confinfo.h"
#include "json.h"
#include "ua.h"

#define MAX_CALLS 64

/* A call being placed: waiting for the overlay lookup. */
struct placing {
	struct waiting *w;
	char uri[200], play[1024], record[1024];
	struct ua_call_opts o;
};

static struct ua *ua_of(struct evhttp_request *req, struct agent *a, bool text, bool post)
{
	if (post && evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_error(req, 405, "Method Not Allowed", "POST", text);
		return NULL;
	}
	if (post && !from_client(req, text))
		return NULL;
	if (!a->ua)
		reply_error(req, 503, "Service Unavailable",
			    "no SIP stack on this node: start chorusd with --sip ADDR:PORT", text);
	return a->ua;
}

static int http_code(int err, const char **reason)
{
	int code = err == -ENOENT ? 404 : err == -EINVAL || err == -EBADMSG || err == -ENOTSUP ? 400 : 503;
	*reason = code == 404 ? "Not Found" : code == 400 ? "Bad Request" : "Service Unavailable";
	return code;
}

/* Places the call (the lookup said where, or not) and answers the client. */
static void place(struct placing *p, const char *target, const char *how, const char *lookup)
{
	struct waiting *w = p->w;
	char err[300];
	unsigned id = 0;

	p->o.target = target;
	int ret = ua_call(w->a->ua, &p->o, &id, err, sizeof(err));
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
	} else if (ret) {
		const char *reason;
		int code = http_code(ret, &reason);
		agent_log(w->a, RELO_LOG_WARN, "control API: call %s: %s", p->uri, err);
		struct kv k;
		kv_begin(&k, b, w->text);
		kv_str(&k, "error", err);
		kv_end(&k);
		wait_done(w, b, code, reason);
	} else {
		agent_log(w->a, RELO_LOG_INFO, "control API: call %u to %s (%s%s%s)", id, p->uri, how,
			  target ? " at " : "", target ? target : "");
		struct kv k;
		kv_begin(&k, b, w->text);
		kv_bool(&k, "ok", true);
		kv_u64(&k, "id", id);
		kv_str(&k, "via", how);
		kv_str(&k, "target", target);
		kv_str(&k, "lookup", lookup);
		kv_end(&k);
		wait_done(w, b, HTTP_OK, "OK");
	}
	if (b)
		evbuffer_free(b);
	free(p);
}

static void looked_up(void *arg, int err, const struct relo_sip_target *t, size_t n)
{
	struct placing *p = arg;
	char addr[80];

	if (err == -ECANCELED) {
		free(p->w);
		free(p);
		return;
	}
	for (size_t i = 0; !err && i < n; i++) {
		if (!t[i].attach_err) {
			place(p, relo_ipport_str(&t[i].sip, addr, sizeof(addr)), "overlay",
			      "registered");
			return;
		}
	}
	const char *why = err == -ENOENT || (!err && !n) ? "not registered" :
			  err ? strerror(-err) : "no registered peer answered AppAttach";
	agent_log(p->w->a, RELO_LOG_INFO, "%s: %s in the overlay: calling by the URI", p->uri, why);
	place(p, NULL, "sip", why);
}

static const char *copy_arg(struct evkeyvalq *q, const char *key, char *buf, size_t size)
{
	const char *v = evhttp_find_header(q, key);
	if (!v || !*v)
		return NULL;
	snprintf(buf, size, "%s", v);
	return buf;
}

static void call(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct evkeyvalq q;

	if (!ua_of(req, a, text, true))
		return;
	const char *uri = query_get(req, &q, "uri");
	struct placing *p = calloc(1, sizeof(*p));
	if (!p) {
		evhttp_clear_headers(&q);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	const char *tone = evhttp_find_header(&q, "tone"), *secs = evhttp_find_header(&q, "seconds");
	const char *flag;
	char *end = NULL;
	p->o.uri = copy_arg(&q, "uri", p->uri, sizeof(p->uri));
	p->o.play = copy_arg(&q, "play", p->play, sizeof(p->play));
	p->o.record = copy_arg(&q, "record", p->record, sizeof(p->record));
	p->o.tone = tone ? strtod(tone, &end) : 0;
	bool bad = !uri || (tone && (*end || !isfinite(p->o.tone)));
	if (secs) {
		unsigned long s = strtoul(secs, &end, 10);
		bad |= *end || s > 86400;
		p->o.seconds = (unsigned)s;
	}
	p->o.plain_rtp = (flag = evhttp_find_header(&q, "plain")) && !strcmp(flag, "1");
	p->o.subscribe = (flag = evhttp_find_header(&q, "subscribe")) && !strcmp(flag, "1");
	bool direct = (flag = evhttp_find_header(&q, "direct")) && !strcmp(flag, "1");
	evhttp_clear_headers(&q);
	if (bad) {
		free(p);
		reply_error(req, 400, "Bad Request",
			    "uri=URI is needed; tone is in Hz, seconds from 0 to 86400", text);
		return;
	}
	p->w = wait_new(a, req, text);
	if (!p->w) {
		free(p);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	char aor[RELO_SIP_AOR_MAX];
	if (!direct && a->sip && relo_sip_aor(p->uri, aor, sizeof(aor)) == 0 &&
	    relo_sip_lookup(a->sip, p->uri, true, looked_up, p) == 0)
		return;
	place(p, NULL, "sip", direct ? "not asked (direct)" : "not an overlay AOR");
}

static void call_out(struct kv *k, const struct ua_call_info *c)
{
	kv_u64(k, "id", c->id);
	kv_str(k, "state", ua_state_name(c->state));
	kv_bool(k, "incoming", c->incoming);
	kv_str(k, "uri", c->uri);
	kv_str(k, "contact", c->contact);
	kv_bool(k, "isfocus", c->isfocus);
	kv_bool(k, "srtp", c->srtp);
	kv_u64(k, "status", (uint64_t)c->status);
	kv_str(k, "reason", c->reason);
	kv_num(k, "seconds", c->seconds);
	kv_u64(k, "tx_packets", c->tx_packets);
	kv_u64(k, "rx_packets", c->rx_packets);
	kv_u64(k, "concealed", c->concealed);
	kv_num(k, "heard_dbfs", c->heard_dbfs);
	kv_bool(k, "subscribed", c->subscribed);
	kv_bool(k, "roster", c->have_roster);
	kv_u64(k, "roster_version", c->roster_version);
	kv_u64(k, "roster_users", c->roster_users);
	kv_str(k, "record_error", c->record_err ? strerror(-c->record_err) : NULL);
}

static void calls(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct ua *u = ua_of(req, a, text, false);
	struct evkeyvalq q;
	struct kv k;

	if (!u)
		return;
	const char *ids = query_get(req, &q, "id");
	unsigned id = ids ? (unsigned)strtoul(ids, NULL, 10) : 0;
	evhttp_clear_headers(&q);
	bool one = strcmp(evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)), "/call") == 0;
	struct ua_call_info *c = calloc(MAX_CALLS, sizeof(*c));
	struct evbuffer *b = evbuffer_new();
	int n = !c || !b ? -ENOMEM : one ? ua_call_get(u, id, c) : ua_calls(u, c, MAX_CALLS);
	if (n < 0) {
		const char *reason;
		int code = http_code(n, &reason);
		reply_error(req, code, reason, n == -ENOENT ? "no such call" : strerror(-n), text);
	} else {
		kv_begin(&k, b, text);
		if (one) {
			call_out(&k, c);
		} else {
			kv_u64(&k, "calls", (uint64_t)n);
			kv_list(&k, "call");
			for (int i = 0; i < n && i < MAX_CALLS; i++) {
				kv_item(&k, (size_t)i);
				call_out(&k, &c[i]);
				kv_item_end(&k);
			}
			kv_list_end(&k);
		}
		kv_end(&k);
		reply(req, HTTP_OK, "OK", b, text);
	}
	if (b)
		evbuffer_free(b);
	free(c);
}

static void hangup(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct ua *u = ua_of(req, a, text, true);
	struct evkeyvalq q;

	if (!u)
		return;
	const char *ids = query_get(req, &q, "id");
	unsigned id = ids ? (unsigned)strtoul(ids, NULL, 10) : 0;
	evhttp_clear_headers(&q);
	int ret = ua_hangup(u, id);
	if (ret) {
		const char *reason;
		int code = http_code(ret, &reason);
		reply_error(req, code, reason, ret == -ENOENT ? "no such call up" : strerror(-ret),
			    text);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	struct kv k;
	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	kv_begin(&k, b, text);
	kv_bool(&k, "ok", true);
	kv_end(&k);
	reply(req, HTTP_OK, "OK", b, text);
	evbuffer_free(b);
}

static const char *status_name(enum confinfo_ep_status s)
{
	static const char *const names[] = {"-", "pending", "dialing-out", "dialing-in",
					    "alerting", "on-hold", "connected", "muted-via-focus",
					    "disconnecting", "disconnected"};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "-";
}

static const char *media_name(enum confinfo_media_status s)
{
	static const char *const names[] = {"-", "recvonly", "sendonly", "sendrecv", "inactive"};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "-";
}

static void roster(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct ua *u = ua_of(req, a, text, false);
	struct evkeyvalq q;
	struct confinfo *c = NULL;
	struct kv k;

	if (!u)
		return;
	const char *ids = query_get(req, &q, "id");
	unsigned id = ids ? (unsigned)strtoul(ids, NULL, 10) : 0;
	evhttp_clear_headers(&q);
	int ret = ua_roster(u, id, &c);
	struct evbuffer *b = evbuffer_new();
	if (ret || !b) {
		const char *reason;
		int code = http_code(ret == -ENODATA ? -ENOENT : ret ? ret : -ENOMEM, &reason);
		reply_error(req, code, reason,
			    ret == -ENOENT    ? "no such call" :
			    ret == -ENODATA   ? "no conference state (yet) for that call" :
						strerror(ret ? -ret : ENOMEM),
			    text);
	} else {
		kv_begin(&k, b, text);
		kv_str(&k, "conference", c->entity);
		kv_u64(&k, "version", c->version);
		kv_str(&k, "subject", c->desc.subject);
		if (c->cstate.has_user_count)
			kv_u64(&k, "user_count", c->cstate.user_count);
		kv_u64(&k, "users", c->users.n);
		kv_list(&k, "user");
		for (size_t i = 0; i < c->users.n; i++) {
			const struct confinfo_user *us = &c->users.v[i];
			const struct confinfo_endpoint *e = us->n_endpoints ? &us->endpoints[0] : NULL;
			const struct confinfo_media *m = e && e->n_media ? &e->media[0] : NULL;
			kv_item(&k, i);
			kv_str(&k, "entity", us->entity);
			kv_str(&k, "display", us->display_text);
			kv_str(&k, "status", e ? status_name(e->status) : NULL);
			kv_str(&k, "media", m ? media_name(m->status) : NULL);
			kv_str(&k, "focus", us->cascaded_focus);
			kv_item_end(&k);
		}
		kv_list_end(&k);
		kv_end(&k);
		reply(req, HTTP_OK, "OK", b, text);
	}
	if (b)
		evbuffer_free(b);
	confinfo_free(c);
}

/* /call: GET reads one, POST places one. */
static void call_dispatch(struct evhttp_request *req, void *arg)
{
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		calls(req, arg);
	else
		call(req, arg);
}

void api_call_register(struct agent *a)
{
	evhttp_set_cb(a->http, "/call", call_dispatch, a);
	evhttp_set_cb(a->http, "/calls", calls, a);
	evhttp_set_cb(a->http, "/hangup", hangup, a);
	evhttp_set_cb(a->http, "/roster", roster, a);
}
