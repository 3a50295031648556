/*
 * api_conf.c - the control API of the conferences this node hosts:
 *   POST /conf/create[?name=N]     a conference (a random name if none)
 *   GET  /conf/list                the conferences and how many are in each
 *   GET  /conf/members?name=N      who is in one
 *   POST /conf/invite?name=N&uri=U the focus calls U into it
 *   POST /conf/destroy?name=N      hangs up on everyone and ends it
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "api_int.h"
#include "focus/focus.h"
#include "json.h"

#define MAX_LIST 256

/* The focus, for a request that may act; NULL (and the error answered)
 * when there is none or the method is wrong. */
static struct focus *focus_of(struct evhttp_request *req, struct agent *a, bool text, bool post)
{
	if (post && evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_error(req, 405, "Method Not Allowed", "POST", text);
		return NULL;
	}
	if (post && !from_client(req, text))
		return NULL;
	if (!a->focus)
		reply_error(req, 503, "Service Unavailable",
			    "no SIP stack on this node: start chorusd with --sip ADDR:PORT", text);
	return a->focus;
}

/* A reply of one string field, or the error of ret. */
static void reply_result(struct evhttp_request *req, bool text, int ret, const char *key,
			 const char *val)
{
	struct evbuffer *b;
	struct json j;

	if (ret < 0) {
		int code = ret == -ENOENT ? 404 : ret == -EEXIST ? 409 : ret == -EINVAL ? 400 : 503;
		reply_error(req, code, code == 404 ? "Not Found" : code == 409 ? "Conflict" :
				       code == 400 ? "Bad Request" : "Service Unavailable",
			    ret == -ENOENT ? "no such conference here" : strerror(-ret), text);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (text) {
		evbuffer_add_printf(b, "ok yes\n");
		if (key)
			evbuffer_add_printf(b, "%s %s\n", key, val);
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "ok");
		json_bool(&j, true);
		if (key) {
			json_key(&j, key);
			json_str(&j, val);
		}
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	reply(req, HTTP_OK, "OK", b, text);
	evbuffer_free(b);
}

static void conf_create(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct focus *f = focus_of(req, a, text, true);
	struct evkeyvalq q;
	char uri[200];

	if (!f)
		return;
	const char *name = query_get(req, &q, "name");
	int ret = focus_conf_create(f, name && *name ? name : NULL, uri, sizeof(uri));
	evhttp_clear_headers(&q);
	reply_result(req, text, ret, "uri", uri);
}

static void conf_destroy(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct focus *f = focus_of(req, a, text, true);
	struct evkeyvalq q;

	if (!f)
		return;
	const char *name = query_get(req, &q, "name");
	int ret = name ? focus_conf_destroy(f, name) : -EINVAL;
	evhttp_clear_headers(&q);
	reply_result(req, text, ret, NULL, NULL);
}

static void conf_invite(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct focus *f = focus_of(req, a, text, true);
	struct evkeyvalq q;

	if (!f)
		return;
	const char *name = query_get(req, &q, "name"), *uri = evhttp_find_header(&q, "uri");
	int ret = name && uri ? focus_conf_invite(f, name, uri) : -EINVAL;
	if (!ret)
		agent_log(a, RELO_LOG_INFO, "control API: %s invited into %s", uri, name);
	evhttp_clear_headers(&q);
	reply_result(req, text, ret, NULL, NULL);
}

static void conf_list(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct focus *f = focus_of(req, a, text, false);
	char (*names)[64] = calloc(MAX_LIST, sizeof(*names));
	struct evbuffer *b = evbuffer_new();
	struct json j;

	if (!f || !names || !b) {
		if (f)
			evhttp_send_error(req, 500, NULL);
		goto out;
	}
	int n = focus_conf_names(f, names, MAX_LIST);
	if (n > MAX_LIST)
		n = MAX_LIST;
	if (!text) {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "sip");
		json_str(&j, focus_hostport(f));
		json_key(&j, "conferences");
		json_arr(&j);
	} else {
		evbuffer_add_printf(b, "sip %s\nconferences %d\n", focus_hostport(f), n < 0 ? 0 : n);
	}
	for (int i = 0; i < n; i++) {
		int m = focus_conf_members(f, names[i], NULL, 0);
		if (text) {
			evbuffer_add_printf(b, "conference.%d.name %s\nconference.%d.members %d\n", i,
					    names[i], i, m < 0 ? 0 : m);
			continue;
		}
		json_obj(&j);
		json_key(&j, "name");
		json_str(&j, names[i]);
		json_key(&j, "members");
		json_u64(&j, m < 0 ? 0 : (uint64_t)m);
		json_end(&j, '}');
	}
	if (!text) {
		json_end(&j, ']');
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	reply(req, HTTP_OK, "OK", b, text);
out:
	if (b)
		evbuffer_free(b);
	free(names);
}

static void conf_members(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct focus *f = focus_of(req, a, text, false);
	struct focus_member *m = calloc(MAX_LIST, sizeof(*m));
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq q;
	struct json j;

	if (!f || !m || !b) {
		if (f)
			evhttp_send_error(req, 500, NULL);
		goto out;
	}
	const char *name = query_get(req, &q, "name");
	int n = name ? focus_conf_members(f, name, m, MAX_LIST) : -EINVAL;
	if (n < 0) {
		reply_result(req, text, n, NULL, NULL);
		evhttp_clear_headers(&q);
		goto out;
	}
	if (n > MAX_LIST)
		n = MAX_LIST;
	if (text) {
		evbuffer_add_printf(b, "name %s\nmembers %d\n", name, n);
		for (int i = 0; i < n; i++)
			evbuffer_add_printf(b,
					    "member.%d.uri %s\nmember.%d.display %s\n"
					    "member.%d.srtp %s\nmember.%d.hold %s\n",
					    i, m[i].uri, i, m[i].display[0] ? m[i].display : "-", i,
					    m[i].srtp ? "yes" : "no", i, m[i].on_hold ? "yes" : "no");
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "name");
		json_str(&j, name);
		json_key(&j, "members");
		json_arr(&j);
		for (int i = 0; i < n; i++) {
			json_obj(&j);
			json_key(&j, "uri");
			json_str(&j, m[i].uri);
			json_key(&j, "display");
			json_str(&j, m[i].display);
			json_key(&j, "srtp");
			json_bool(&j, m[i].srtp);
			json_key(&j, "hold");
			json_bool(&j, m[i].on_hold);
			json_end(&j, '}');
		}
		json_end(&j, ']');
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	evhttp_clear_headers(&q);
	reply(req, HTTP_OK, "OK", b, text);
out:
	if (b)
		evbuffer_free(b);
	free(m);
}

void api_conf_register(struct agent *a)
{
	evhttp_set_cb(a->http, "/conf/create", conf_create, a);
	evhttp_set_cb(a->http, "/conf/destroy", conf_destroy, a);
	evhttp_set_cb(a->http, "/conf/invite", conf_invite, a);
	evhttp_set_cb(a->http, "/conf/list", conf_list, a);
	evhttp_set_cb(a->http, "/conf/members", conf_members, a);
}
