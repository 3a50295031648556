/*
 * chorus.h - what the files of the chorus command line share: its options
 * and the control API client (chorus.c), and the commands of the node's
 * user agent (chorus_call.c)
 */
#ifndef CHORUS_CLI_H
#define CHORUS_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct opts {
	const char *dir, *out, *user, *overlay, *api, *digest;
	const char *index, *range, *key, *key_hex, *generation, *multiple, *id_prefix;
	unsigned lifetime;
	bool append, key_node, del, hex;
	char *kinds[16];
	size_t n_kinds;
	unsigned nodes, node_id_len, update_interval;
	bool self_signed, rsa, json, id, raw;
	char *bootstrap[16], *landmark[16];
	size_t n_bootstrap, n_landmark;
	/* calls */
	const char *play, *record, *tone;
	unsigned seconds;
	bool plain, direct, detach;
	int argc;
	char **argv;
};

/* "chorus: what: strerror(err)" on stderr; returns 1. */
int fail(const char *what, int err);
/* The value of "key value..." in a text reply, or NULL. */
const char *field(const char *text, const char *key, char *buf, size_t size);
/* A request to the control API; the reply's body in *body (free it). 0, or
 * -errno, or -(HTTP status) when not 200 (the error printed). */
int api_call_len(const struct opts *o, const char *method, const char *path_q,
		 const char *body_in, size_t body_len, char **body);
int api_call(const struct opts *o, const char *method, const char *path_q, const char *body_in,
	     char **body);

/* chorus_call.c */
int call_cmd(const struct opts *o, bool conference);
int calls_cmd(const struct opts *o);
int hangup_cmd(const struct opts *o);
int roster_cmd(const struct opts *o, const char *id);

#endif
