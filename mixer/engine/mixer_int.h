/*
 * mixer_int.h - the insides of a mixer, shared by the files of the engine
 * (mixer.c: the object, its thread and API; part.c: a participant's socket,
 * RTP/RTCP receive and send; tick.c: one 20 ms mixing step).
 *
 * Locking: m->lock protects everything below. The media thread holds it
 * while it receives a socket's packets and while it runs a tick; API calls
 * hold it briefly. Only the media thread touches the event base.
 */
#ifndef MIX_MIXER_INT_H
#define MIX_MIXER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <event2/event.h>

#include "mix/dsp.h"
#include "mix/mixer.h"
#include "mix/rtcp.h"
#include "mix/rtp.h"

#define MAX_PKT 1500          /* larger datagrams are dropped */
#define RX_BUF 2048
#define RX_BATCH 64           /* packets read per wake-up per socket */
#define TX_ROOM (MAX_PKT + MIX_SRTP_OVERHEAD + 64)
#define SSRC_SWITCH_US 2000000 /* a new SSRC replaces a source silent this long */

enum pstate { P_NEW, P_LIVE, P_LEAVING };

/* Counters kept per participant and summed for the mixer. */
struct pcount {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_dtx, rx_rtcp, tx_rtcp;
	uint64_t drop_malformed, drop_auth, drop_replay, drop_src, drop_ssrc, drop_flood,
		drop_oversize, drop_pt, tx_errors;
};

/* One shared encoding: the whole sum, for every listener with these settings. */
struct group {
	struct group *next;
	struct mix_opus_cfg cfg;
	struct mix_opus_enc *enc;
	struct mix_limiter lim;
	unsigned members;
	uint64_t enc_tick;        /* the tick of pkt */
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	size_t len;               /* 0: DTX this tick */
	uint8_t level;            /* of the encoded frame, -dBov */
};

struct part {
	struct part *next;
	struct mixer *m;
	uint32_t id;
	char name[32];
	enum mix_part_kind kind;
	enum pstate state;
	int fd;
	struct event *ev;
	struct sockaddr_storage remote;
	socklen_t remote_len;     /* 0: not known yet */
	bool latch;
	struct mix_srtp *rx, *tx;
	bool srtp;              /* SRTP: a missing key means drop, not plain RTP */
	uint8_t pt, level_id, tx_level_id;
	bool level_vad;

	/* receive */
	bool have_ssrc;
	uint32_t rssrc, want_ssrc;
	struct mix_rtp_src rs;
	uint64_t last_rx_us;
	struct mix_playout *po;
	double tokens;
	uint64_t tok_us;
	uint32_t lsr;             /* the last SR it sent (middle NTP bits) */
	uint64_t lsr_us;
	uint32_t link_csrc[MIX_RTP_MAX_CSRC]; /* a link: who is in its mix */
	uint8_t link_ncsrc;

	/* this tick */
	int16_t pcm[MIX_FRAME];
	int32_t contrib[MIX_FRAME];
	bool active, decoded, mixed;
	uint8_t level;
	bool talking;
	unsigned hang;
	float loud;               /* smoothed loudness, dB above -127 (speaker choice) */
	float gain, gain_applied;
	bool muted;

	/* send */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	bool after_dtx;
	struct mix_opus_cfg base_cfg, ocfg; /* as configured; with FEC adapted to loss */
	struct group *grp;
	struct mix_opus_enc *own;
	struct mix_limiter lim;
	bool private_last;
	uint64_t next_rtcp_us;
	uint8_t rfrac;
	uint32_t rjitter, rtt_ms;

	struct pcount c;
	unsigned log_budget;
	uint64_t log_refill_us;
};

struct mixer {
	struct mixer_cfg cfg;
	char name[32];
	char cname[64];
	struct sockaddr_storage bind;
	socklen_t bind_len;
	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	struct event_base *base;
	int tfd;
	struct event *tick_ev;

	struct part *parts;
	unsigned n_parts;
	uint32_t next_id;
	struct group *groups;
	uint64_t tick;
	uint64_t rng;

	/* per-tick scratch */
	int32_t sum[MIX_FRAME];
	int32_t tmp[MIX_FRAME];
	int16_t out[MIX_FRAME];
	uint32_t csrc[MIX_RTP_MAX_CSRC];
	uint32_t csrc_owner[MIX_RTP_MAX_CSRC]; /* participant id each came from */
	unsigned ncsrc;
	uint8_t rxbuf[RX_BUF];
	uint8_t txbuf[TX_ROOM];

	uint32_t speaker;
	unsigned speaker_hold;
	struct mixer_stats st;    /* the mixer's own counters */
	struct pcount gone;       /* counters of participants already removed */
	struct mix_playout_stats gone_play;
};

/* mixer.c */
void mixer_log(struct mixer *m, enum mix_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void part_log(struct part *p, enum mix_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint32_t mixer_random(struct mixer *m);
struct group *group_get(struct mixer *m, const struct mix_opus_cfg *cfg);
void group_put(struct mixer *m, struct group *g);
/* Keeps the counters of a participant about to be freed (lock held). */
void mixer_keep_counts(struct mixer *m, const struct part *p);

/* part.c */
int part_open(struct mixer *m, struct part *p, struct sockaddr_storage *local);
void part_attach(struct part *p);
void part_free(struct part *p);
void part_send_rtcp(struct part *p, uint64_t now);
int part_send(struct part *p, const uint8_t *payload, size_t len, bool dtx,
	      const uint32_t *csrc, unsigned ncsrc, uint8_t level);
void part_regroup(struct part *p);

/* tick.c */
void mixer_tick(struct mixer *m, uint64_t now);

#endif
