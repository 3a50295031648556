/*
 * json.c - a small JSON writer (json.h)
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, struct evbuffer *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->first[0] = true;
}

/* The separator before a value: a comma unless first at its level. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		evbuffer_add(j->b, ",", 1);
	j->first[j->depth] = false;
}

static void open_(struct json *j, char c)
{
	sep(j);
	evbuffer_add(j->b, &c, 1);
	if (j->depth + 1 < JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

void json_obj(struct json *j)
{
	open_(j, '{');
}

void json_arr(struct json *j)
{
	open_(j, '[');
}

void json_end(struct json *j, char close)
{
	if (j->depth)
		j->depth--;
	evbuffer_add(j->b, &close, 1);
}

void json_strn(struct json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sep(j);
	evbuffer_add(j->b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			evbuffer_add(j->b, e, 2);
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			evbuffer_add(j->b, e, 6);
		} else {
			evbuffer_add(j->b, &s[i], 1);
		}
	}
	evbuffer_add(j->b, "\"", 1);
}

void json_str(struct json *j, const char *s)
{
	json_strn(j, s, strlen(s));
}

void json_key(struct json *j, const char *key)
{
	json_str(j, key);
	evbuffer_add(j->b, ":", 1);
	j->after_key = true;
}

void json_u64(struct json *j, uint64_t v)
{
	sep(j);
	evbuffer_add_printf(j->b, "%" PRIu64, v);
}

void json_num(struct json *j, double v)
{
	sep(j);
	if (isfinite(v))
		evbuffer_add_printf(j->b, "%.6g", v);
	else
		evbuffer_add(j->b, "null", 4);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	evbuffer_add_printf(j->b, "%s", v ? "true" : "false");
}

void json_null(struct json *j)
{
	sep(j);
	evbuffer_add(j->b, "null", 4);
}

void kv_begin(struct kv *k, struct evbuffer *b, bool text)
{
	memset(k, 0, sizeof(*k));
	k->text = text;
	json_init(&k->j, b);
	if (!text)
		json_obj(&k->j);
}

void kv_str(struct kv *k, const char *key, const char *v)
{
	if (k->text) {
		evbuffer_add_printf(k->j.b, "%s%s %s\n", k->prefix, key, v && *v ? v : "-");
	} else {
		json_key(&k->j, key);
		if (v)
			json_str(&k->j, v);
		else
			json_null(&k->j);
	}
}

void kv_u64(struct kv *k, const char *key, uint64_t v)
{
	if (k->text) {
		evbuffer_add_printf(k->j.b, "%s%s %" PRIu64 "\n", k->prefix, key, v);
	} else {
		json_key(&k->j, key);
		json_u64(&k->j, v);
	}
}

void kv_num(struct kv *k, const char *key, double v)
{
	if (k->text) {
		evbuffer_add_printf(k->j.b, "%s%s %.6g\n", k->prefix, key, v);
	} else {
		json_key(&k->j, key);
		json_num(&k->j, v);
	}
}

void kv_bool(struct kv *k, const char *key, bool v)
{
	if (k->text) {
		evbuffer_add_printf(k->j.b, "%s%s %s\n", k->prefix, key, v ? "yes" : "no");
	} else {
		json_key(&k->j, key);
		json_bool(&k->j, v);
	}
}

void kv_list(struct kv *k, const char *key)
{
	snprintf(k->list, sizeof(k->list), "%s", key);
	if (!k->text) {
		json_key(&k->j, key);
		json_arr(&k->j);
	}
}

void kv_item(struct kv *k, size_t i)
{
	if (k->text)
		snprintf(k->prefix, sizeof(k->prefix), "%s.%zu.", k->list, i);
	else
		json_obj(&k->j);
}

void kv_item_end(struct kv *k)
{
	k->prefix[0] = 0;
	if (!k->text)
		json_end(&k->j, '}');
}

void kv_list_end(struct kv *k)
{
	if (!k->text)
		json_end(&k->j, ']');
}

void kv_end(struct kv *k)
{
	if (!k->text) {
		json_end(&k->j, '}');
		evbuffer_add(k->j.b, "\n", 1);
	}
}
