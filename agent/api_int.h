/*
 * api_int.h - what the control API's files share (api.c: status, ping,
 * route, pingall, leave; api_store.c: put, get, stat; api_conf.c: the
 * conferences hosted here)
 */
#ifndef CHORUS_API_INT_H
#define CHORUS_API_INT_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "agent.h"

/* A request answered later (when the overlay has answered us). */
struct waiting {
	struct agent *a;
	struct evhttp_request *req;   /* NULL once the client went away */
	bool text;
	uint64_t t0;
	struct relo_nodeid target;
	bool resource;
	char name[256];
	size_t sent, answered, errors;
};

char *hex(const struct relo_nodeid *id, char *buf);
uint64_t now_us(void);
/* ?format=text asked for: "key value" lines instead of JSON. */
bool want_text(struct evhttp_request *req);
void reply(struct evhttp_request *req, int code, const char *reason, struct evbuffer *b,
	   bool text);
void reply_error(struct evhttp_request *req, int code, const char *reason, const char *msg,
		 bool text);
/* Parses the query into q (clear it after) and returns key's value. */
const char *query_get(struct evhttp_request *req, struct evkeyvalq *q, const char *key);
struct waiting *wait_new(struct agent *a, struct evhttp_request *req, bool text);
/* Replies (if the client is still there) and frees w. */
void wait_done(struct waiting *w, struct evbuffer *b, int code, const char *reason);
const char *why_failed(int err, const struct relo_body *body);
/* POSTs that act must carry X-Chorus-Client: 1 (else 403 sent). */
bool from_client(struct evhttp_request *req, bool text);

void api_store_register(struct agent *a);
void api_conf_register(struct agent *a);
void api_call_register(struct agent *a);

#endif
