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

#endif
