/*
 * mix/mixer.h - the mixing engine of a focus.
 *
 * A mixer is an object with a media thread of its own: a libevent loop
 * for the participants' RTP/RTCP sockets (RFC 5761 rtcp-mux, one UDP
 * socket per participant) and a 20 ms clock (timerfd). Every tick it
 * takes a frame from each source's jitter buffer, decides who is talking,
 * sums the talkers once in 32 bits, and sends each participant everything
 * but itself: a talker gets the sum minus its own contribution, limited
 * and encoded for it alone; everyone else gets one shared encoding of the
 * whole sum per set of encoder settings. Sources whose RFC 6464 level says
 * silence are not decoded.
 *
 * A focus link (another mixer) is a participant of kind MIX_PART_LINK: it
 * sends us its local mix and gets ours minus what came from it, so foci
 * connected in a tree form one conference without echo.
 *
 * Every function is thread-safe: the control plane (a focus on another
 * thread) calls them while the media thread runs. Participants are named
 * by ids, never by pointers. Functions return 0 or a negative errno.
 */
#ifndef MIX_MIXER_H
#define MIX_MIXER_H

#include <sys/socket.h>

#include "mix/codec.h"
#include "mix/jbuf.h"
#include "mix/mix.h"
#include "mix/srtp.h"

struct mixer;

typedef void(mixer_speaker_h)(void *arg, uint32_t id);

struct mixer_cfg {
	const char *name;             /* in log lines */
	mix_log_h *log;
	void *log_arg;
	enum mix_log_level log_level; /* lines above it are not formatted */
	const char *bind_addr;        /* IP literal for participant sockets; 0: 127.0.0.1 */
	unsigned max_participants;    /* 0: 4096 */
	unsigned vad_level;           /* -dBov: louder than this is talking; 0: 50 */
	unsigned hangover_ms;         /* talking lasts this long after the last loud frame; 0: 400 */
	unsigned max_talkers;         /* mix at most the N loudest; 0: everyone who talks */
	unsigned max_pps;             /* packets per second one participant may send; 0: 150 */
	unsigned rtcp_ms;             /* mean RTCP interval; 0: 5000 */
	bool allow_plain_rtp;         /* participants without SRTP keys */
	struct mix_jbuf_cfg jbuf;     /* per source; zeros: its defaults */
	mixer_speaker_h *speaker_h;   /* the active speaker changed (media thread) */
	void *speaker_arg;
};

enum mix_part_kind {
	MIX_PART_USER,                /* a participant's phone */
	MIX_PART_LINK,                /* another focus (a focus-to-focus mix link) */
};

struct mixer_part_cfg {
	const char *name;
	enum mix_part_kind kind;
	struct sockaddr_storage remote; /* where to send; family 0: learn it from the
					  first authenticated packet */
	bool latch;                   /* follow the source of authenticated packets */
	uint8_t pt;                   /* Opus payload type; 0: 111 */
	uint8_t level_ext_id;         /* RFC 6464 extmap id of what it sends; 0: none */
	bool level_vad;               /* that extmap said vad=on: trust the V flag */
	uint8_t tx_level_ext_id;      /* write RFC 6464 levels on what we send; 0: no */
	const struct mix_sdes *rx_key;/* the key it sends with (its a=crypto) */
	const struct mix_sdes *tx_key;/* the key we send with (our a=crypto); with one of
					 the two only, it is SRTP and nothing flows
					 until mixer_part_keys() gives the other */
	struct mix_opus_cfg opus;     /* how to encode for it; zeros: the defaults */
	float gain;                   /* its level in the mix; 0: 1.0; max 8 */
	bool muted;
	uint32_t ssrc;                /* our SSRC toward it; 0: random */
	uint32_t remote_ssrc;         /* its SSRC (a=ssrc); 0: the first one seen */
};

/** Counters of one participant (see docs/mixer.md). */
struct mixer_part_stats {
	uint32_t ssrc, remote_ssrc;
	bool talking;
	bool private_encode;          /* it got its own encoding last tick */
	uint8_t level;                /* its last level, -dBov */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_dtx;
	uint64_t rx_rtcp, tx_rtcp;
	uint64_t drop_malformed, drop_auth, drop_replay, drop_src, drop_ssrc, drop_flood,
		drop_oversize, drop_pt;
	int32_t lost;                 /* cumulative, as RFC 3550 counts */
	uint32_t jitter_ms;           /* interarrival jitter of what it sends */
	uint8_t remote_fraction_lost; /* what it reports about what we send (/256) */
	uint32_t remote_jitter_ms;
	uint32_t rtt_ms;              /* from its receiver reports; 0: unknown */
	struct mix_opus_cfg opus;     /* what it is encoded with now (FEC follows its loss) */
	struct mix_playout_stats play;
};

/** Counters of the whole mixer (see docs/mixer.md). */
struct mixer_stats {
	uint64_t ticks, ticks_late;   /* ticks run; ticks that started a frame late */
	uint64_t ticks_skipped;       /* frames the clock lost (overload) */
	uint32_t participants, talkers;
	uint64_t decoded, skipped, plc, fec;
	uint64_t enc_private, enc_shared; /* encodes for one, shared encodes */
	uint64_t shared_sends;        /* packets sent from a shared encode */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t drop_malformed, drop_auth, drop_replay, drop_src, drop_ssrc, drop_flood,
		drop_oversize, drop_pt, drop_late, drop_dup, drop_overflow;
	uint64_t tx_errors, ssrc_collisions, loops, limiter_frames;
	uint64_t cpu_us;              /* CPU time of the media thread */
	uint64_t tick_us_max;         /* longest tick */
	uint32_t active_speaker;      /* 0: none */
};

MIX_API void mixer_cfg_default(struct mixer_cfg *c);
MIX_API void mixer_part_cfg_default(struct mixer_part_cfg *c);

/** Makes a mixer and starts its media thread. */
MIX_API int mixer_alloc(struct mixer **mp, const struct mixer_cfg *cfg);
/** Stops the thread, closes every socket, frees everything. */
MIX_API void mixer_free(struct mixer *m);

/**
 * Adds a participant (or a link) and binds its socket; *local gets the
 * address to put in the SDP answer. The media thread takes it in at its
 * next tick. Keys are copied (wipe yours when you like). Returns 0,
 * -EINVAL, -ENOSPC (max_participants), -EACCES (no keys and plain RTP not
 * allowed), -ENOTSUP (keys libsrtp cannot use) or an error from socket().
 */
MIX_API int mixer_part_add(struct mixer *m, const struct mixer_part_cfg *c, uint32_t *id,
			   struct sockaddr_storage *local);
/** Removes a participant; its voice fades out over one frame. */
MIX_API int mixer_part_remove(struct mixer *m, uint32_t id);
MIX_API int mixer_part_mute(struct mixer *m, uint32_t id, bool muted);
MIX_API int mixer_part_gain(struct mixer *m, uint32_t id, float gain);
MIX_API int mixer_part_remote(struct mixer *m, uint32_t id, const struct sockaddr *sa,
			      socklen_t len);
/**
 * New SRTP keys (NULL: keep that one): the other side's key from the
 * answer to our offer, or new keys from a re-INVITE. -EINVAL for a plain
 * RTP participant.
 */
MIX_API int mixer_part_keys(struct mixer *m, uint32_t id, const struct mix_sdes *rx_key,
			    const struct mix_sdes *tx_key);
/** New encoder settings for what it gets (e.g. after a re-INVITE). */
MIX_API int mixer_part_opus(struct mixer *m, uint32_t id, const struct mix_opus_cfg *c);
MIX_API int mixer_part_stats(struct mixer *m, uint32_t id, struct mixer_part_stats *st);
MIX_API int mixer_stats(struct mixer *m, struct mixer_stats *st);

#endif
