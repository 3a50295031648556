/*
 * agent.h - chorusd: one node (overlay peer), its storage, and its
 * control API
 */
#ifndef CHORUS_AGENT_H
#define CHORUS_AGENT_H

#include <event2/event.h>
#include <event2/http.h>

#include "relo/coord.h"
#include "relo/net.h"
#include "relo/node.h"
#include "relo/sip.h"
#include "relo/store.h"

struct ua;

struct agent {
	struct event_base *base;
	struct relo_config *cfg;
	struct relo_ident *ident;
	struct relo_trust *trust;
	struct relo_net *net;
	struct relo_node *node;
	struct relo_store *store;
	struct relo_sip *sip;           /* NULL: the certificate names no user */
	struct evhttp *http;
	struct relo_ipport api;
	enum relo_log_level level;
	bool stopping;
	struct relo_coord coord;        /* our proximity coordinate (coord.c) */
	bool have_coord;
	struct coordinator *coordinator;
	struct fsip *sipstack;          /* the SIP thread (sip.c); NULL: no --sip */
	struct focus *focus;            /* the conferences hosted here */
	struct ua *ua;                  /* the user agent (ua.h) */
	bool answer;                    /* --answer: the user agent answers calls */
	double answer_tone;             /* --answer-tone HZ */
	bool allow_plain_rtp;           /* --allow-plain-rtp */
	unsigned max_participants;      /* --max-participants; 0: the focus's default */
	unsigned session_timer;         /* --session-timer S (RFC 4028); 0: none asked */
};

void agent_log(struct agent *a, enum relo_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Leaves the overlay politely and stops the loop shortly after. */
void agent_stop(struct agent *a, const char *why);

/* Measuring the coordinate against the configuration's landmarks. */
int coord_start(struct agent *a, unsigned interval_s);
void coord_stop(struct agent *a);

/* The SIP stack and the focus on it (sip.c): hostport "127.0.0.1:5060". */
int agent_sip_start(struct agent *a, const char *hostport);
void agent_sip_stop(struct agent *a);

/* The control API: HTTP/JSON on a loopback address (api.c). */
int api_start(struct agent *a, const struct relo_ipport *addr, const char *api_file);
void api_stop(struct agent *a);

#endif
