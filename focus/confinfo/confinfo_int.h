/*
 * confinfo_int.h - what the parts of the conference-info module share
 */
#ifndef CONFINFO_INT_H
#define CONFINFO_INT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "focus/confinfo.h"

/* Names of the schema's enumerations, indexed by the enum (0: absent). */
extern const char *const confinfo_state_names[3];
extern const char *const confinfo_bool_names[3];
extern const char *const confinfo_ep_status_names[10];
extern const char *const confinfo_joining_names[4];
extern const char *const confinfo_disconnection_names[5];
extern const char *const confinfo_media_status_names[5];

#define CI_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The schema, compiled in (generated from focus/schema/conference-info.xsd). */
extern const unsigned char confinfo_xsd[];
extern const size_t confinfo_xsd_len;

/* Writes "fmt..." into err (if any); returns rc. */
__attribute__((format(printf, 4, 5))) int ci_fail(char *err, size_t errlen, int rc,
						   const char *fmt, ...);

/* Grows an array of n elements of size sz by one zeroed element; NULL on ENOMEM. */
void *ci_grow(void *v, size_t n, size_t sz);

bool ci_str_eq(const char *a, const char *b);

/* Frees and deep copies of the parts (the copy functions leave dst whole
 * on -ENOMEM: what was copied is freed by freeing dst). */
void ci_exec_free(struct confinfo_exec *e);
void ci_uris_free(struct confinfo_uris *l);
void ci_uri_free(struct confinfo_uri *u);
void ci_avmedia_free(struct confinfo_avmedia *m);
void ci_desc_free(struct confinfo_desc *d);
void ci_host_free(struct confinfo_host *h);
void ci_sip_free(struct confinfo_sip *s);
void ci_media_free(struct confinfo_media *m);
void ci_endpoint_free(struct confinfo_endpoint *e);
void ci_user_free(struct confinfo_user *u);
void ci_users_free(struct confinfo_users *u);
void ci_doc_clear(struct confinfo *c);

int ci_exec_copy(struct confinfo_exec *d, const struct confinfo_exec *s);
int ci_uri_copy(struct confinfo_uri *d, const struct confinfo_uri *s);
int ci_uris_copy(struct confinfo_uris *d, const struct confinfo_uris *s);
int ci_avmedia_copy(struct confinfo_avmedia *d, const struct confinfo_avmedia *s);
int ci_desc_copy(struct confinfo_desc *d, const struct confinfo_desc *s);
int ci_host_copy(struct confinfo_host *d, const struct confinfo_host *s);
int ci_sip_copy(struct confinfo_sip *d, const struct confinfo_sip *s);
int ci_media_copy(struct confinfo_media *d, const struct confinfo_media *s);
int ci_endpoint_copy(struct confinfo_endpoint *d, const struct confinfo_endpoint *s);
int ci_user_copy(struct confinfo_user *d, const struct confinfo_user *s);
int ci_roles_copy(struct confinfo_user *d, const struct confinfo_user *s);

bool ci_exec_eq(const struct confinfo_exec *a, const struct confinfo_exec *b);
bool ci_uri_eq(const struct confinfo_uri *a, const struct confinfo_uri *b);
bool ci_uris_eq(const struct confinfo_uris *a, const struct confinfo_uris *b);
bool ci_avmedia_eq(const struct confinfo_avmedia *a, const struct confinfo_avmedia *b);
bool ci_sip_eq(const struct confinfo_sip *a, const struct confinfo_sip *b);
bool ci_media_eq(const struct confinfo_media *a, const struct confinfo_media *b);
bool ci_roles_eq(const struct confinfo_user *a, const struct confinfo_user *b);
bool ci_endpoint_eq(const struct confinfo_endpoint *a, const struct confinfo_endpoint *b);
bool ci_user_eq(const struct confinfo_user *a, const struct confinfo_user *b);
bool ci_desc_eq(const struct confinfo_desc *a, const struct confinfo_desc *b);
bool ci_host_eq(const struct confinfo_host *a, const struct confinfo_host *b);
bool ci_cstate_eq(const struct confinfo_cstate *a, const struct confinfo_cstate *b);
bool ci_users_eq(const struct confinfo_users *a, const struct confinfo_users *b);

/*
 * Whether an optional element is there: its present flag, or any of its
 * fields set (so a caller who fills a field and forgets the flag loses
 * nothing). Everything that reads presence goes through these.
 */
static inline bool ci_exec_on(const struct confinfo_exec *e)
{
	return e->present || e->when || e->reason || e->by;
}

static inline bool ci_sip_on(const struct confinfo_sip *s)
{
	return s->present || s->display_text || s->call_id || s->from_tag || s->to_tag;
}

static inline bool ci_desc_on(const struct confinfo_desc *d)
{
	return d->present || d->display_text || d->subject || d->free_text || d->keywords ||
	       d->conf_uris.n || d->service_uris.n || d->has_max_users || d->n_avmedia;
}

static inline bool ci_host_on(const struct confinfo_host *h)
{
	return h->present || h->display_text || h->web_page || h->uris.n;
}

static inline bool ci_cstate_on(const struct confinfo_cstate *s)
{
	return s->present || s->has_user_count || s->active || s->locked;
}

static inline bool ci_users_on(const struct confinfo_users *u)
{
	return u->present || u->n;
}

/* Sets every state field of a document to full (a held state). */
void ci_normalize(struct confinfo *c);

#endif
