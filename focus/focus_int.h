/*
 * focus/focus_int.h - what focus.c (conferences and calls) and events.c
 * (the conference event package, RFC 4575) share. SIP thread only.
 */
#ifndef FOCUS_INT_H
#define FOCUS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>

#include "focus/focus.h"
#include "focus/sdp.h"
#include "mix/srtp.h"

struct confinfo_notifier;
struct fsip_timer;
struct sub;

struct conf;

struct call {
	struct fsip_owner owner;              /* first: the handle's magic */
	struct call *next;
	struct focus *f;
	struct conf *conf;
	nua_handle_t *nh;
	struct focus_member m;
	bool in_mixer;
	bool outgoing;                        /* we invited them (dial-out) */
	uint64_t sdp_version;
	uint64_t sess_id;
	uint16_t sdp_port;                    /* our RTP port, as answered */
	char answer_crypto[FSDP_CRYPTO_LEN]; /* ours, kept for re-INVITEs */
	char rx_crypto[FSDP_CRYPTO_LEN];     /* theirs we took: a re-INVITE with another is a new key */
	char from_tag[64], to_tag[64];        /* of the dialog (for call-info); "" until known */
	struct mix_sdes tx_key;               /* wiped when the call ends */
	bool have_tx_key;
};

struct conf {
	struct conf *next;
	struct focus *f;
	char name[64];
	char uri[160];
	struct mixer *mixer;
	unsigned members;
	struct confinfo_notifier *info;       /* its conference-info (events.c) */
	struct sub *subs;                     /* who subscribed to it */
	struct fsip_timer *notify_timer;      /* a coalesced NOTIFY is due */
	uint64_t last_notify_ms;
};

/* An out-of-dialog REFER's handle, kept for its NOTIFYs. */
struct referral {
	struct fsip_owner owner;              /* first: the handle's magic */
	struct referral *next;
	struct focus *f;
	nua_handle_t *nh;
};

struct focus {
	struct focus_cfg cfg;
	char name[64];
	char domain[96];
	char factory[64];
	char media_addr[64];
	struct fsip *sip;
	bool own_sip;                         /* we made it, we free it */
	struct conf *confs;
	struct call *calls;
	struct referral *referrals;
};

#define LOG(f, l, ...) fsip_log((f)->sip, FSIP_LOG_##l, __VA_ARGS__)
/* Responses from an event's callback answer that event's request. */
#define WITH(f) NUTAG_WITH_THIS(fsip_nua((f)->sip))

/* ---- events.c: the conference event package (RFC 4575) ---- */

/* The conference's document: made with it, freed with it. */
int events_conf_init(struct conf *c);
void events_conf_free(struct conf *c);
/* What happened to a call: its user, endpoint and media in the document
 * (joined, on hold or not), or gone (left). Subscribers hear of it soon. */
void events_member(struct conf *c, const struct call *k, bool left);
/* A new SUBSCRIBE for conference c (out of dialog). */
void events_subscribe(struct conf *c, nua_handle_t *nh, const sip_t *sip);

#endif
