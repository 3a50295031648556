/*
 * api_store.c - the control API's storage endpoints: put and get of values
 * of any kind the overlay declares; and the SIP usage's register and
 * lookup
 *
 *   POST /put?kind=K&resource=NAME|id=HEX|multiple=I[&index=N|append]
 *             [&key=S|key_hex=H|key_node=1]
 *             [&lifetime=S][&delete=1][&generation=G]     body: the value
 *   GET  /get?kind=K&resource=NAME|id=HEX[&index=N|range=A-B][&key=S|key_hex=H|key_node=1]
 *   GET  /stat?...                                        (as /get)
 *
 * K is a kind's name (SIP-REGISTRATION, ...) or its Kind-ID (decimal or
 * 0x hex). Arrays take index (put: a number or "append", the default;
 * get: one index, or range=A-B, default all), dictionaries a key (put:
 * required; get: default all keys). key_node=1 is this node's Node-ID
 * (USER-NODE-MATCH kinds are keyed so). multiple=I names the Resource-ID
 * H(this node's Node-ID || I), I one byte (NODE-MULTIPLE kinds).
 *
 *   POST /register[?aor=URI]     register our AOR (the certificate's user name)
 *   POST /unregister
 *   GET  /lookup?aor=URI[&attach=0]  the peers it leads to, and where their
 *                                SIP listens (AppAttach 5060)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "api_int.h"
#include "json.h"
#include "relo/print.h"
#include "relo/ring.h"
#include "relo/sip.h"
#include "relo/store.h"

#define VALUE_MAX (1u << 20)

static const struct relo_kind_def *kind_of(const struct agent *a, const char *s)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return NULL;
	if (relo_kind_by_name(s))
		return relo_config_kind(a->cfg, relo_kind_by_name(s));
	v = strtoul(s, &end, 0);
	if (*end || v > 0xffffffffu)
		return NULL;
	return relo_config_kind(a->cfg, (uint32_t)v);
}

static int hex_decode(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned hi, lo;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]))
			return -EINVAL;
		hi = (unsigned)(isdigit((unsigned char)s[2 * i]) ? s[2 * i] - '0'
								   : (tolower(s[2 * i]) - 'a' + 10));
		lo = (unsigned)(isdigit((unsigned char)s[2 * i + 1])
					? s[2 * i + 1] - '0'
					: (tolower(s[2 * i + 1]) - 'a' + 10));
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static char *hex_str(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = 0;
	return s;
}

/* What a request names: the resource, the kind, and where in its model. */
struct target {
	const struct relo_kind_def *def;
	uint8_t res[RELO_RESID_MAX];
	size_t res_len;
	char res_name[256];
	bool have_index, append;
	uint32_t index, last;        /* index, or a range index..last */
	uint8_t key[1024];
	size_t key_len;
	bool have_key;
};

static const char *parse_target(struct agent *a, struct evkeyvalq *q, bool put, struct target *t)
{
	const char *kind = evhttp_find_header(q, "kind"), *name = evhttp_find_header(q, "resource");
	const char *id = evhttp_find_header(q, "id"), *index = evhttp_find_header(q, "index");
	const char *range = evhttp_find_header(q, "range"), *key = evhttp_find_header(q, "key");
	const char *key_hex = evhttp_find_header(q, "key_hex");
	const char *key_node = evhttp_find_header(q, "key_node");
	const char *multiple = evhttp_find_header(q, "multiple");
	char *end;

	memset(t, 0, sizeof(*t));
	t->def = kind_of(a, kind);
	if (!t->def)
		return "kind=NAME|ID, a kind this overlay declares, is needed";
	if (multiple) {
		/* NODE-MULTIPLE's H(our Node-ID || i), i one byte */
		const struct relo_nodeid *me = relo_node_id(a->node);
		unsigned long i = strtoul(multiple, &end, 10);
		uint8_t buf[RELO_NODEID_MAX + 1];
		if (*end || !*multiple || !i || i > 255)
			return "multiple=I, 1 to 255";
		memcpy(buf, me->id, me->len);
		buf[me->len] = (uint8_t)i;
		relo_resource_id(buf, me->len + 1u, t->res);
		t->res_len = RELO_CHORD_RESID_LEN;
	} else if (name) {
		relo_resource_id(name, strlen(name), t->res);
		t->res_len = RELO_CHORD_RESID_LEN;
		snprintf(t->res_name, sizeof(t->res_name), "%s", name);
	} else if (id) {
		if (hex_decode(id, t->res, sizeof(t->res), &t->res_len) || !t->res_len)
			return "id=HEX: a Resource-ID of 1 to 255 bytes";
		snprintf(t->res_name, sizeof(t->res_name), "%s", id);
	} else {
		return "resource=NAME, id=HEX or multiple=I is needed";
	}
	if (multiple) {
		char *x = hex_str(t->res, t->res_len);
		snprintf(t->res_name, sizeof(t->res_name), "%s", x ? x : "?");
		free(x);
	}
	switch (t->def->model) {
	case RELO_MODEL_ARRAY:
		t->last = 0xffffffffu;
		if (index && !strcmp(index, "append")) {
			t->append = put;
		} else if (index) {
			unsigned long v = strtoul(index, &end, 10);
			if (*end || !*index || v >= 0xffffffffu)
				return "index=N (or append)";
			t->index = t->last = (uint32_t)v;
			t->have_index = true;
		} else if (range && !put) {
			unsigned long f = strtoul(range, &end, 10), l;
			if (*end != '-')
				return "range=FIRST-LAST";
			l = strtoul(end + 1, &end, 10);
			if (*end || f > l || l >= 0xffffffffu)
				return "range=FIRST-LAST";
			t->index = (uint32_t)f;
			t->last = (uint32_t)l;
			t->have_index = true;
		} else if (put) {
			t->append = true;
		}
		break;
	case RELO_MODEL_DICTIONARY:
		if (key_node && !strcmp(key_node, "1")) {
			const struct relo_nodeid *me = relo_node_id(a->node);
			memcpy(t->key, me->id, me->len);
			t->key_len = me->len;
			t->have_key = true;
		} else if (key_hex) {
			if (hex_decode(key_hex, t->key, sizeof(t->key), &t->key_len))
				return "key_hex=HEX";
			t->have_key = true;
		} else if (key) {
			t->key_len = strlen(key);
			if (t->key_len > sizeof(t->key))
				return "key too long";
			memcpy(t->key, key, t->key_len);
			t->have_key = true;
		} else if (put) {
			return "a dictionary value needs key=, key_hex= or key_node=1";
		}
		break;
	default:
		break;
	}
	return NULL;
}

static bool printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

static void hex_add(struct evbuffer *b, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "%02x", p[i]);
}


/* The Error body's reason, when it is text. */
static const char *error_reason(const struct relo_body *b, char *buf, size_t size)
{
	size_t n;

	if (!b || b->code != RELO_ERROR || !b->u.error.info.len ||
	    !printable(b->u.error.info.p, b->u.error.info.len))
		return "";
	n = b->u.error.info.len < size - 1 ? b->u.error.info.len : size - 1;
	memcpy(buf, b->u.error.info.p, n);
	buf[n] = 0;
	return buf;
}

static void error_out(struct waiting *w, struct evbuffer *b, int err, uint16_t error,
		      const struct relo_body *body)
{
	char reason[256];
	const char *what = err ? strerror(-err) : relo_error_name(error);
	struct json j;

	error_reason(body, reason, sizeof(reason));
	if (w->text) {
		evbuffer_add_printf(b, "ok no\nerror %s\n", what ? what : "error");
		if (*reason)
			evbuffer_add_printf(b, "reason %s\n", reason);
		return;
	}
	json_init(&j, b);
	json_obj(&j);
	json_key(&j, "ok");
	json_bool(&j, false);
	json_key(&j, "error");
	json_str(&j, what ? what : "error");
	if (*reason) {
		json_key(&j, "reason");
		json_str(&j, reason);
	}
	json_end(&j, '}');
	evbuffer_add(b, "\n", 1);
}

/* ---- put ---- */

static void put_answered(void *arg, int err, uint16_t error, const struct relo_body *body)
{
	struct waiting *w = arg;
	struct evbuffer *b;
	char h[2 * RELO_NODEID_MAX + 1];
	size_t i;
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
	if (err || error) {
		error_out(w, b, err, error, body);
	} else {
		const struct relo_store_kind_ans *k = &body->u.store_ans.kinds[0];
		if (w->text) {
			evbuffer_add_printf(b, "ok yes\nresource %s\ngeneration %llu\nreplicas",
					    w->name, (unsigned long long)k->generation);
			for (i = 0; i < k->n_replicas; i++)
				evbuffer_add_printf(b, " %s", hex(&k->replicas[i], h));
			evbuffer_add_printf(b, "\ntime_ms %.3f\n",
					    (double)(now_us() - w->t0) / 1000.0);
		} else {
			json_init(&j, b);
			json_obj(&j);
			json_key(&j, "ok");
			json_bool(&j, true);
			json_key(&j, "resource");
			json_str(&j, w->name);
			json_key(&j, "generation");
			json_u64(&j, k->generation);
			json_key(&j, "replicas");
			json_arr(&j);
			for (i = 0; i < k->n_replicas; i++)
				json_str(&j, hex(&k->replicas[i], h));
			json_end(&j, ']');
			json_key(&j, "time_ms");
			json_num(&j, (double)(now_us() - w->t0) / 1000.0);
			json_end(&j, '}');
			evbuffer_add(b, "\n", 1);
		}
	}
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

/* Whether a request went out; if not, the error is answered. */
static void sent_or_refused(struct evhttp_request *req, struct waiting *w, bool text, int err)
{
	if (!err)
		return;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
	free(w);
	reply_error(req, 503, "Service Unavailable", strerror(-err), text);
}

static void put(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *problem, *s;
	struct relo_put p;
	struct evkeyvalq q;
	struct target t;
	struct waiting *w;
	uint8_t *value;
	int err;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_error(req, 405, "Method Not Allowed", "POST /put, the value as the body", text);
		return;
	}
	if (!from_client(req, text))
		return;
	query_get(req, &q, "kind");
	problem = parse_target(a, &q, true, &t);
	memset(&p, 0, sizeof(p));
	p.lifetime = 3600;
	if (!problem && (s = evhttp_find_header(&q, "lifetime")) != NULL) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (*end || !*s || !v || v > 0xffffffffu)
			problem = "lifetime=SECONDS (1 or more)";
		p.lifetime = (uint32_t)v;
	}
	if (!problem && (s = evhttp_find_header(&q, "generation")) != NULL)
		p.generation = strtoull(s, NULL, 10);
	p.value.v.exists = !((s = evhttp_find_header(&q, "delete")) && !strcmp(s, "1"));
	evhttp_clear_headers(&q);
	if (!problem && len > VALUE_MAX)
		problem = "the value is too large";
	if (problem) {
		reply_error(req, 400, "Bad Request", problem, text);
		return;
	}
	value = malloc(len + 1);
	w = value ? wait_new(a, req, text) : NULL;
	if (!w) {
		free(value);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_remove(in, value, len);
	p.kind = t.def->id;
	p.value.model = t.def->model;
	p.value.index = t.append ? 0xffffffffu : t.index;
	p.value.key = relo_bytes_of(t.key, t.key_len);
	p.value.v.value = relo_bytes_of(value, p.value.v.exists ? len : 0);
	snprintf(w->name, sizeof(w->name), "%s", t.res_name);
	err = relo_store_put(a->store, relo_bytes_of(t.res, t.res_len), &p, 1, put_answered, w);
	free(value);
	sent_or_refused(req, w, text, err);
}

/* ---- get ---- */

static void value_out(struct evbuffer *b, struct json *j, bool text, size_t i,
		      const struct relo_fetched *f, bool unsigned_overlay)
{
	const struct relo_stored_data *sd = &f->sd;
	char h[2 * RELO_NODEID_MAX + 1], *x;
	bool show = printable(sd->value.v.value.p, sd->value.v.value.len);

	if (text) {
		if (sd->value.model == RELO_MODEL_ARRAY)
			evbuffer_add_printf(b, "value.%zu.index %u\n", i, sd->value.index);
		if (sd->value.model == RELO_MODEL_DICTIONARY) {
			evbuffer_add_printf(b, "value.%zu.key ", i);
			hex_add(b, sd->value.key.p, sd->value.key.len);
			evbuffer_add_printf(b, "\n");
		}
		evbuffer_add_printf(b, "value.%zu.exists %s\nvalue.%zu.storage_time %llu\n"
				       "value.%zu.lifetime %u\nvalue.%zu.signer %s\n",
				    i, sd->value.v.exists ? "yes" : "no", i,
				    (unsigned long long)sd->storage_time, i, sd->lifetime, i,
				    unsigned_overlay ? "-" : f->signer.user);
		if (!unsigned_overlay)
			evbuffer_add_printf(b, "value.%zu.signer_node %s\n", i,
					    hex(&f->signer.nodeids[0], h));
		evbuffer_add_printf(b, "value.%zu.hex ", i);
		hex_add(b, sd->value.v.value.p, sd->value.v.value.len);
		evbuffer_add_printf(b, "\n");
		if (show) {
			evbuffer_add_printf(b, "value.%zu.text ", i);
			evbuffer_add(b, sd->value.v.value.p, sd->value.v.value.len);
			evbuffer_add_printf(b, "\n");
		}
		return;
	}
	json_obj(j);
	if (sd->value.model == RELO_MODEL_ARRAY) {
		json_key(j, "index");
		json_u64(j, sd->value.index);
	}
	if (sd->value.model == RELO_MODEL_DICTIONARY) {
		json_key(j, "key_hex");
		x = hex_str(sd->value.key.p, sd->value.key.len);
		json_str(j, x ? x : "");
		free(x);
	}
	json_key(j, "exists");
	json_bool(j, sd->value.v.exists);
	json_key(j, "storage_time");
	json_u64(j, sd->storage_time);
	json_key(j, "lifetime");
	json_u64(j, sd->lifetime);
	if (!unsigned_overlay) {
		json_key(j, "signer");
		json_str(j, f->signer.user);
		json_key(j, "signer_node");
		json_str(j, hex(&f->signer.nodeids[0], h));
	}
	json_key(j, "value_hex");
	x = hex_str(sd->value.v.value.p, sd->value.v.value.len);
	json_str(j, x ? x : "");
	free(x);
	if (show) {
		json_key(j, "value");
		json_strn(j, (const char *)sd->value.v.value.p, sd->value.v.value.len);
	}
	json_end(j, '}');
}

static void got(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k, size_t n)
{
	struct waiting *w = arg;
	struct evbuffer *b;
	struct json j;
	size_t i;

	if (err == -ECANCELED) {
		free(w);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
		return;
	}
	if (err || error || !n) {
		error_out(w, b, err ? err : (error ? 0 : -EBADMSG), error, NULL);
	} else if (w->text) {
		evbuffer_add_printf(b, "ok yes\nresource %s\nkind %u\ngeneration %llu\nvalues %zu\n"
				       "invalid %zu\ntime_ms %.3f\n",
				    w->name, k->kind, (unsigned long long)k->generation,
				    k->n_values, k->n_invalid, (double)(now_us() - w->t0) / 1000.0);
		for (i = 0; i < k->n_values; i++)
			value_out(b, NULL, true, i, &k->values[i], !w->a->trust);
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "ok");
		json_bool(&j, true);
		json_key(&j, "resource");
		json_str(&j, w->name);
		json_key(&j, "kind");
		json_u64(&j, k->kind);
		json_key(&j, "generation");
		json_u64(&j, k->generation);
		json_key(&j, "invalid");
		json_u64(&j, k->n_invalid);
		json_key(&j, "time_ms");
		json_num(&j, (double)(now_us() - w->t0) / 1000.0);
		json_key(&j, "values");
		json_arr(&j);
		for (i = 0; i < k->n_values; i++)
			value_out(b, &j, false, i, &k->values[i], !w->a->trust);
		json_end(&j, ']');
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

/* The target a fetch or stat request names; on a bad one the error is
 * answered and false returned. */
static bool read_target(struct agent *a, struct evhttp_request *req, bool text, struct target *t)
{
	struct evkeyvalq q;
	const char *problem;

	query_get(req, &q, "kind");
	problem = parse_target(a, &q, false, t);
	evhttp_clear_headers(&q);
	if (problem)
		reply_error(req, 400, "Bad Request", problem, text);
	return !problem;
}

/* The StoredDataSpecifier of t: its range or dictionary key (range and key
 * are t's storage for them). */
static void spec_of(const struct target *t, struct relo_specifier *spec,
		    struct relo_array_range *range, struct relo_bytes *key)
{
	memset(spec, 0, sizeof(*spec));
	spec->kind = t->def->id;
	spec->model = t->def->model;
	range->first = t->index;
	range->last = t->last;
	*key = relo_bytes_of(t->key, t->key_len);
	if (t->def->model == RELO_MODEL_ARRAY) {
		spec->ranges = range;
		spec->n_ranges = 1;
	} else if (t->def->model == RELO_MODEL_DICTIONARY && t->have_key) {
		spec->keys = key;
		spec->n_keys = 1;
	}
}

static void get(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct relo_array_range range;
	struct relo_specifier spec;
	struct relo_bytes key;
	struct target t;
	struct waiting *w;

	if (!read_target(a, req, text, &t))
		return;
	spec_of(&t, &spec, &range, &key);
	w = wait_new(a, req, text);
	if (!w) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	snprintf(w->name, sizeof(w->name), "%s", t.res_name);
	sent_or_refused(req, w, text,
			relo_store_fetch(a->store, relo_bytes_of(t.res, t.res_len), &spec, 1, got, w));
}

/* ---- stat ---- */

static void statted(void *arg, int err, const struct relo_msg *ans, const struct relo_body *body)
{
	struct waiting *w = arg;
	const struct relo_stat_kind *k;
	struct evbuffer *b;
	struct json j;
	size_t i;

	(void)ans;
	if (err == -ECANCELED) {
		free(w);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
		return;
	}
	if (err || body->code == RELO_ERROR || body->code != RELO_STAT_ANS ||
	    !body->u.stat_ans.n_kinds) {
		error_out(w, b, err ? err : body->code == RELO_ERROR ? 0 : -EBADMSG,
			  body && body->code == RELO_ERROR ? body->u.error.code : 0,
			  err ? NULL : body);
		wait_done(w, b, HTTP_OK, "OK");
		evbuffer_free(b);
		return;
	}
	k = &body->u.stat_ans.kinds[0];
	if (w->text) {
		evbuffer_add_printf(b, "ok yes\nresource %s\nkind %u\ngeneration %llu\nvalues %zu\n"
				       "time_ms %.3f\n",
				    w->name, k->kind, (unsigned long long)k->generation, k->n_values,
				    (double)(now_us() - w->t0) / 1000.0);
		for (i = 0; i < k->n_values; i++) {
			const struct relo_stored_meta *m = &k->values[i];
			if (m->model == RELO_MODEL_ARRAY)
				evbuffer_add_printf(b, "value.%zu.index %u\n", i, m->index);
			if (m->model == RELO_MODEL_DICTIONARY) {
				evbuffer_add_printf(b, "value.%zu.key ", i);
				hex_add(b, m->key.p, m->key.len);
				evbuffer_add_printf(b, "\n");
			}
			evbuffer_add_printf(b, "value.%zu.exists %s\nvalue.%zu.length %u\n"
					       "value.%zu.storage_time %llu\nvalue.%zu.lifetime %u\n"
					       "value.%zu.sha256 ",
					    i, m->meta.exists ? "yes" : "no", i, m->meta.value_length, i,
					    (unsigned long long)m->storage_time, i, m->lifetime, i);
			hex_add(b, m->meta.hash.p, m->meta.hash.len);
			evbuffer_add_printf(b, "\n");
		}
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "ok");
		json_bool(&j, true);
		json_key(&j, "resource");
		json_str(&j, w->name);
		json_key(&j, "kind");
		json_u64(&j, k->kind);
		json_key(&j, "generation");
		json_u64(&j, k->generation);
		json_key(&j, "values");
		json_arr(&j);
		for (i = 0; i < k->n_values; i++) {
			const struct relo_stored_meta *m = &k->values[i];
			char *x;
			json_obj(&j);
			if (m->model == RELO_MODEL_ARRAY) {
				json_key(&j, "index");
				json_u64(&j, m->index);
			}
			if (m->model == RELO_MODEL_DICTIONARY) {
				json_key(&j, "key_hex");
				x = hex_str(m->key.p, m->key.len);
				json_str(&j, x ? x : "");
				free(x);
			}
			json_key(&j, "exists");
			json_bool(&j, m->meta.exists);
			json_key(&j, "length");
			json_u64(&j, m->meta.value_length);
			json_key(&j, "storage_time");
			json_u64(&j, m->storage_time);
			json_key(&j, "lifetime");
			json_u64(&j, m->lifetime);
			json_key(&j, "sha256");
			x = hex_str(m->meta.hash.p, m->meta.hash.len);
			json_str(&j, x ? x : "");
			free(x);
			json_end(&j, '}');
		}
		json_end(&j, ']');
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

static void stat_(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	struct relo_array_range range;
	struct relo_specifier spec;
	struct relo_dest d = { .type = RELO_DEST_RESOURCE };
	struct relo_bytes key;
	struct relo_body body;
	struct target t;
	struct waiting *w;

	if (!read_target(a, req, text, &t))
		return;
	spec_of(&t, &spec, &range, &key);
	memset(&body, 0, sizeof(body));
	body.code = RELO_STAT_REQ;
	body.u.fetch_req.resource = relo_bytes_of(t.res, t.res_len);
	body.u.fetch_req.spec = &spec;
	body.u.fetch_req.n_spec = 1;
	d.u.resource = body.u.fetch_req.resource;
	w = wait_new(a, req, text);
	if (!w) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	snprintf(w->name, sizeof(w->name), "%s", t.res_name);
	sent_or_refused(req, w, text, relo_node_request(a->node, &d, 1, &body, statted, w));
}

/* ---- SIP registrations ---- */

static void sip_done(void *arg, int err, uint16_t error)
{
	struct waiting *w = arg;
	struct evbuffer *b;

	if (err == -ECANCELED) {
		free(w);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
		return;
	}
	if (err || error)
		error_out(w, b, err, error, NULL);
	else if (w->text)
		evbuffer_add_printf(b, "ok yes\naor %s\ntime_ms %.3f\n", w->name,
				    (double)(now_us() - w->t0) / 1000.0);
	else
		evbuffer_add_printf(b, "{\"ok\":true,\"time_ms\":%.3f}\n",
				    (double)(now_us() - w->t0) / 1000.0);
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

static void sip_register(struct evhttp_request *req, bool on, struct agent *a)
{
	bool text = want_text(req);
	char mine[RELO_SIP_AOR_MAX], asked[RELO_SIP_AOR_MAX];
	const char *aor;
	struct evkeyvalq q;
	struct waiting *w;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_error(req, 405, "Method Not Allowed", "POST", text);
		return;
	}
	if (!from_client(req, text))
		return;
	if (!a->sip) {
		reply_error(req, 409, "Conflict",
			    "this node's certificate has no user name to register", text);
		return;
	}
	relo_sip_aor(relo_ident_info(a->ident)->user, mine, sizeof(mine));
	aor = query_get(req, &q, "aor");
	if (aor && (relo_sip_aor(aor, asked, sizeof(asked)) || strcmp(asked, mine))) {
		evhttp_clear_headers(&q);
		reply_error(req, 403, "Forbidden",
			    "a node registers its own AOR: its certificate's user name", text);
		return;
	}
	evhttp_clear_headers(&q);
	w = wait_new(a, req, text);
	if (!w) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	snprintf(w->name, sizeof(w->name), "%s", mine);
	sent_or_refused(req, w, text,
			on ? relo_sip_register(a->sip, sip_done, w) : relo_sip_unregister(a->sip, sip_done, w));
}

static void do_register(struct evhttp_request *req, void *arg)
{
	sip_register(req, true, arg);
}

static void do_unregister(struct evhttp_request *req, void *arg)
{
	sip_register(req, false, arg);
}

static void looked_up(void *arg, int err, const struct relo_sip_target *t, size_t n)
{
	struct waiting *w = arg;
	char h[2 * RELO_NODEID_MAX + 1], addr[64];
	struct evbuffer *b;
	struct json j;
	size_t i;

	if (err == -ECANCELED) {
		free(w);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		wait_done(w, NULL, 500, "Internal error");
		return;
	}
	if (err && err != -ENOENT) {
		error_out(w, b, err, 0, NULL);
	} else if (w->text) {
		evbuffer_add_printf(b, "ok yes\naor %s\ntargets %zu\ntime_ms %.3f\n", w->name, n,
				    (double)(now_us() - w->t0) / 1000.0);
		for (i = 0; i < n; i++) {
			evbuffer_add_printf(b, "target.%zu.node %s\ntarget.%zu.aor %s\n"
					       "target.%zu.signer %s\ntarget.%zu.contact_prefs %s\n",
					    i, hex(&t[i].node, h), i, t[i].aor, i, t[i].signer, i,
					    t[i].contact_prefs[0] ? t[i].contact_prefs : "-");
			if (!t[i].attach_err)
				evbuffer_add_printf(b, "target.%zu.sip %s\n", i,
						    relo_ipport_str(&t[i].sip, addr, sizeof(addr)));
			else if (t[i].attach_err != -EAGAIN)
				evbuffer_add_printf(b, "target.%zu.attach_error %s\n", i,
						    t[i].attach_err > 0
							    ? relo_error_name((uint16_t)t[i].attach_err)
							    : strerror(-t[i].attach_err));
		}
	} else {
		json_init(&j, b);
		json_obj(&j);
		json_key(&j, "ok");
		json_bool(&j, true);
		json_key(&j, "aor");
		json_str(&j, w->name);
		json_key(&j, "time_ms");
		json_num(&j, (double)(now_us() - w->t0) / 1000.0);
		json_key(&j, "targets");
		json_arr(&j);
		for (i = 0; i < n; i++) {
			json_obj(&j);
			json_key(&j, "node");
			json_str(&j, hex(&t[i].node, h));
			json_key(&j, "aor");
			json_str(&j, t[i].aor);
			json_key(&j, "signer");
			json_str(&j, t[i].signer);
			json_key(&j, "contact_prefs");
			json_str(&j, t[i].contact_prefs);
			json_key(&j, "sip");
			if (!t[i].attach_err)
				json_str(&j, relo_ipport_str(&t[i].sip, addr, sizeof(addr)));
			else
				json_null(&j);
			json_end(&j, '}');
		}
		json_end(&j, ']');
		json_end(&j, '}');
		evbuffer_add(b, "\n", 1);
	}
	wait_done(w, b, HTTP_OK, "OK");
	evbuffer_free(b);
}

static void do_lookup(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	bool text = want_text(req);
	const char *aor, *attach;
	struct evkeyvalq q;
	struct waiting *w;
	int err;

	aor = query_get(req, &q, "aor");
	attach = evhttp_find_header(&q, "attach");
	if (!aor || !a->sip) {
		evhttp_clear_headers(&q);
		reply_error(req, 400, "Bad Request",
			    a->sip ? "aor=URI is needed" : "no SIP usage on this node", text);
		return;
	}
	w = wait_new(a, req, text);
	if (!w) {
		evhttp_clear_headers(&q);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (relo_sip_aor(aor, w->name, sizeof(w->name)))
		snprintf(w->name, sizeof(w->name), "%s", aor);
	err = relo_sip_lookup(a->sip, aor, !(attach && !strcmp(attach, "0")), looked_up, w);
	evhttp_clear_headers(&q);
	if (err) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
		free(w);
		reply_error(req, 400, "Bad Request",
			    err == -EINVAL ? "not a SIP URI or AOR (user@host)" : strerror(-err),
			    text);
	}
}

void api_store_register(struct agent *a)
{
	evhttp_set_cb(a->http, "/put", put, a);
	evhttp_set_cb(a->http, "/get", get, a);
	evhttp_set_cb(a->http, "/stat", stat_, a);
	evhttp_set_cb(a->http, "/register", do_register, a);
	evhttp_set_cb(a->http, "/unregister", do_unregister, a);
	evhttp_set_cb(a->http, "/lookup", do_lookup, a);
}
