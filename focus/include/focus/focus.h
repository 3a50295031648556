/*
 * focus/focus.h - a conference focus (RFC 4353, RFC 4579) on Sofia-SIP.
 *
 * A focus listens for SIP on its own thread (focus/sip.h) and serves the
 * conferences it hosts: sip:<name>@<domain>. An INVITE to a conference URI
 * with an SDP offer of Opus audio (RTP/SAVP with a=crypto, or RTP/AVP when
 * plain RTP is allowed) joins the caller: the focus answers with its own
 * SRTP key, Contact = the conference URI with ;isfocus, and bridges the
 * media into the conference's mixer (one mixer, with its media thread, per
 * conference). An INVITE to the factory URI (RFC 4579 5.2) makes an ad hoc
 * conference and the caller is in it; the 200's Contact names it. A REFER
 * to a conference (in or out of a call with it) with Refer-To
 * <uri;method=INVITE> makes the focus invite uri (dial-out, RFC 4579 5.6);
 * with method=BYE the focus hangs up on that participant (5.8); NOTIFYs
 * tell the referrer how it went.
 * re-INVITE (hold, new address, new key), BYE, CANCEL and OPTIONS are
 * served; session timers (RFC 4028) as the peer asks.
 *
 * Errors to callers are SIP responses with a Warning and a log line:
 * 404 unknown conference, 415 no SDP, 400 malformed SDP, 488 nothing we
 * can accept, 486 conference full.
 *
 * Every function is called from any thread but the focus's own.
 */
#ifndef FOCUS_FOCUS_H
#define FOCUS_FOCUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "focus/sip.h"
#include "mix/codec.h"

struct focus;

struct focus_cfg {
	const char *name;             /* in log lines */
	struct fsip *sip;             /* a SIP thread to share (the node's); NULL: our own ... */
	const char *sip_url;          /* ... listening there, e.g. "sip:127.0.0.1:5060"; port 0: any */
	const char *domain;           /* of conference URIs; NULL: the host:port it listens on */
	const char *factory;          /* user part of the ad hoc factory URI; NULL: "conf-factory" */
	const char *media_addr;       /* IP literal for RTP; NULL: the SIP host */
	unsigned max_participants;    /* per conference; 0: 64 */
	bool allow_plain_rtp;         /* accept RTP/AVP offers */
	uint32_t session_timer;       /* s; 0: none asked */
	uint32_t min_se;              /* s; 0: 90 (RFC 4028); lower only in tests */
	fsip_log_h *log;              /* NULL: stderr */
	void *log_arg;
	enum fsip_log_level log_level;
};

/** One participant as the focus sees it. */
struct focus_member {
	char uri[128];                /* From's URI */
	char display[64];
	char call_id[128];
	bool srtp;
	bool on_hold;                 /* they sendonly/inactive */
	uint32_t part_id;             /* in the conference's mixer */
	uint8_t pt;                   /* its Opus payload type */
	struct mix_opus_cfg opus;     /* how we encode for it, from its a=fmtp */
};

int focus_alloc(struct focus **fp, const struct focus_cfg *cfg);
/** Ends every call (BYE) and frees everything. */
void focus_free(struct focus *f);

/**
 * Makes conference sip:<name>@<domain> (name NULL: a random one) and
 * writes its URI into uri. -EEXIST when it is there already.
 */
int focus_conf_create(struct focus *f, const char *name, char *uri, size_t size);

/**
 * The focus invites uri (a SIP URI) into conference name (RFC 4579 5.5):
 * 0 once the INVITE is on its way, -ENOENT, -EINVAL, -ENOSPC (full).
 */
int focus_conf_invite(struct focus *f, const char *name, const char *uri);

/** Ends every call of a conference and forgets it. -ENOENT. */
int focus_conf_destroy(struct focus *f, const char *name);

/**
 * The members of conference name: up to max into out; returns how many
 * there are (may exceed max), or -ENOENT.
 */
int focus_conf_members(struct focus *f, const char *name, struct focus_member *out, size_t max);

/** Names of the conferences, up to max; returns how many there are. */
int focus_conf_names(struct focus *f, char (*names)[64], size_t max);

struct nua_handle_s;
struct sip_s;

/**
 * For the dispatcher of a shared fsip (SIP thread): a new request; when
 * its Request-URI names one of our conferences or the factory, the focus
 * takes the handle and returns true.
 */
bool focus_take(struct focus *f, int event, struct nua_handle_s *nh, const struct sip_s *sip,
		const void *tags);

/** host:port it listens on. */
const char *focus_hostport(const struct focus *f);

#endif
