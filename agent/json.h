/*
 * json.h - a small JSON writer onto an evbuffer (the control API's replies)
 */
#ifndef CHORUS_JSON_H
#define CHORUS_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/buffer.h>

#define JSON_DEPTH 16

struct json {
	struct evbuffer *b;
	unsigned depth;
	bool first[JSON_DEPTH]; /* nothing written yet at this level */
	bool after_key;
};

void json_init(struct json *j, struct evbuffer *b);
void json_obj(struct json *j);   /* { */
void json_arr(struct json *j);   /* [ */
void json_end(struct json *j, char close);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_u64(struct json *j, uint64_t v);
void json_num(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/*
 * One reply in either form the API speaks: JSON, or text lines of
 * "key value" where the items of a list are "list.I.key value". Lists
 * hold objects and do not nest.
 */
struct kv {
	struct json j;
	bool text;
	char prefix[48];             /* text: "list.I." inside a list item */
	char list[32];
};

void kv_begin(struct kv *k, struct evbuffer *b, bool text);
void kv_str(struct kv *k, const char *key, const char *v); /* NULL or "": "-" in text */
void kv_u64(struct kv *k, const char *key, uint64_t v);
void kv_num(struct kv *k, const char *key, double v);
void kv_bool(struct kv *k, const char *key, bool v);   /* yes/no in text */
void kv_list(struct kv *k, const char *key);
void kv_item(struct kv *k, size_t i);
void kv_item_end(struct kv *k);
void kv_list_end(struct kv *k);
void kv_end(struct kv *k);

#endif
