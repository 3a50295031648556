/*
 * ua.h - the SIP user agent inside chorusd: calls it places and answers
 * on the node's SIP thread (focus/sip.h), each with an RTP/SRTP audio
 * endpoint (mix/ep.h) fed from a WAV file or a tone, what it hears
 * recorded to a WAV file, and, for a call to a conference focus, the
 * conference's roster from its event package (RFC 4575).
 *
 * Each call with media has a thread of its own that paces it: every 20 ms
 * it sends a frame and plays (and records) one, and between ticks it reads
 * what arrives. Everything else happens on the SIP thread; the functions
 * below hand their work to it and wait (call them from any other thread).
 * Ended calls are kept (the last UA_KEEP_ENDED) so a client can read how
 * they ended.
 */
#ifndef CHORUS_UA_H
#define CHORUS_UA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "focus/sip.h"

#define UA_KEEP_ENDED 32

struct ua;
struct confinfo;

struct ua_cfg {
	struct fsip *sip;          /* the SIP thread (shared with the node's focus) */
	const char *aor;           /* our address of record, "sip:alice@example.org";
				      NULL: sip:chorus@<where SIP listens> */
	const char *display;       /* our display name; NULL: none */
	const char *media_addr;    /* IP literal for RTP; NULL: the SIP host */
	bool answer;               /* answer INVITEs for our AOR's user (else 480) */
	double answer_tone;        /* Hz played into the calls we answer; 0: silence */
	fsip_log_h *log;           /* NULL: stderr */
	void *log_arg;
	enum fsip_log_level log_level;
};

struct ua_call_opts {
	const char *uri;           /* whom we call: a sip: or sips: URI */
	const char *target;        /* "host:port" the INVITE is sent to (the answer of an
				      overlay lookup); NULL: where the URI says */
	const char *play;          /* WAV file we send (then silence); NULL: the tone */
	double tone;               /* Hz sent when no file; 0: silence */
	const char *record;        /* WAV file of what we hear (48 kHz mono); NULL: none */
	unsigned seconds;          /* hang up after this long in the call; 0: when told */
	bool plain_rtp;            /* offer RTP/AVP, not SRTP */
	bool subscribe;            /* when the answer says ;isfocus, subscribe to the
				      conference's events (the roster) */
};

enum ua_state { UA_CALLING = 0, UA_RINGING, UA_ACTIVE, UA_ENDED };

struct ua_call_info {
	unsigned id;
	bool incoming;
	enum ua_state state;
	char uri[200];             /* the far end */
	char contact[200];         /* its Contact (a conference URI, for a focus) */
	bool isfocus;              /* ... with ;isfocus (RFC 4579) */
	bool srtp;
	int status;                /* the final answer to our INVITE; 0: none yet */
	char reason[160];          /* why it ended, or why it failed */
	double seconds;            /* time in the call (active) */
	uint64_t tx_packets, rx_packets, concealed;
	uint64_t late_ticks;       /* frames our media thread sent > 30 ms late (a busy machine) */
	double heard_dbfs;         /* level of what we heard in the last second */
	bool subscribed;           /* a conference subscription is active */
	bool have_roster;
	uint32_t roster_version;
	unsigned roster_users;
	int record_err;            /* the recording's error, 0: fine */
};

/** Starts the user agent on cfg->sip. */
int ua_alloc(struct ua **up, const struct ua_cfg *cfg);
/** Hangs up every call (BYE, waiting a little for it) and frees everything. */
void ua_free(struct ua *u);

/**
 * Places a call: the WAV file to play is read and the recording created
 * now (errors: -ENOENT, -EBADMSG, -ENOTSUP, ... with a message in err),
 * then the INVITE is sent and *id names the call. -EINVAL for a URI that
 * is not sip:/sips:.
 */
int ua_call(struct ua *u, const struct ua_call_opts *o, unsigned *id, char *err, size_t errlen);
/** Hangs up call id (0: every call). -ENOENT when there is no such call
 * still up. */
int ua_hangup(struct ua *u, unsigned id);
/** The calls, newest first: up to max into out; returns how many there are. */
int ua_calls(struct ua *u, struct ua_call_info *out, size_t max);
/** One call. -ENOENT. */
int ua_call_get(struct ua *u, unsigned id, struct ua_call_info *out);
/** A copy of the conference state call id holds (confinfo_free() it);
 * -ENOENT no such call, -ENODATA no roster (yet). */
int ua_roster(struct ua *u, unsigned id, struct confinfo **out);

struct nua_handle_s;
struct sip_s;
/**
 * For the dispatcher of the shared fsip (SIP thread): a new request. An
 * INVITE whose Request-URI user is our AOR's user is ours: we answer it
 * (or refuse it 480 when not answering) and return true.
 */
bool ua_take(struct ua *u, int event, struct nua_handle_s *nh, const struct sip_s *sip,
	     const void *tags);

const char *ua_state_name(enum ua_state s);

#endif
