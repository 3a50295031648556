/*
 * mix/jbuf.h - an adaptive, bounded jitter buffer for one audio source.
 *
 * Packets go in as they arrive (in any order); the player takes one
 * decision per frame it needs. Timing is on the RTP clock: the buffer
 * learns the smallest transit time seen (arrival minus timestamp) and the
 * spread above it (the jitter), and plays each timestamp at
 *   arrival-clock - min-transit - target,
 * where the target delay follows the recent peak of the jitter, bounded by
 * min_delay_ms and max_delay_ms. When it plays later than it must (the
 * jitter went down) it drops a frame: a silent one, or any after two
 * seconds of too much delay, or at once when far too late; when a
 * packet is not there in time it conceals without moving on (the delay
 * grows by a frame, and the packet still plays if it comes). A packet
 * arriving after its time has passed is dropped as late; a duplicate is
 * dropped; a full buffer drops its oldest packet.
 *
 * Gaps are told apart by sequence numbers: a missing sequence number is a
 * loss (conceal, or use the FEC of the next packet); a timestamp gap with
 * consecutive sequence numbers is the sender's DTX.
 */
#ifndef MIX_JBUF_H
#define MIX_JBUF_H

#include "mix/mix.h"

/* A bit of a packet's meta the buffer reads: the packet is silence, so it
 * is the one to drop when the delay must shrink. */
#define MIX_JBUF_META_SILENT 0x80000000u

struct mix_jbuf_cfg {
	unsigned clock_rate;     /* RTP clock; 0: 48000 */
	unsigned frame;          /* samples per frame the player takes; 0: 20 ms */
	unsigned min_delay_ms;   /* lower bound of the target; 0: one frame */
	unsigned max_delay_ms;   /* upper bound of the target; 0: 200 */
	unsigned max_packets;    /* 0: 64 */
	size_t max_payload;      /* bytes; 0: 1500 */
};

enum mix_jbuf_kind {
	MIX_JB_EMPTY,     /* not playing (nothing yet, or the source went idle) */
	MIX_JB_PACKET,    /* decode this packet */
	MIX_JB_LOST,      /* a packet is lost: conceal, or FEC from next */
	MIX_JB_DTX,       /* the sender is in DTX: comfort noise or silence */
	MIX_JB_UNDERRUN,  /* nothing arrived in time: conceal, the delay grows */
};

struct mix_jbuf_frame {
	enum mix_jbuf_kind kind;
	uint32_t samples;         /* PACKET: its duration; others: to conceal */
	uint32_t ts;              /* the timestamp played from */
	uint16_t seq;             /* PACKET: its sequence number */
	const uint8_t *data;      /* PACKET: its payload (valid until the next call) */
	size_t len;
	uint32_t meta;            /* PACKET: what the caller stored with it */
	const uint8_t *next;      /* LOST: the following packet, when it is here */
	size_t next_len;
	uint32_t next_meta;
};

struct mix_jbuf_stats {
	uint64_t put;             /* packets accepted */
	uint64_t late;            /* dropped: arrived after their time */
	uint64_t dup;             /* dropped: already buffered or played */
	uint64_t overflow;        /* dropped: the buffer was full */
	uint64_t too_big;         /* dropped: payload above max_payload */
	uint64_t played;          /* packets given to the player */
	uint64_t lost;            /* frames of lost packets */
	uint64_t dtx;             /* frames of sender DTX */
	uint64_t underrun;        /* frames with nothing in time */
	uint64_t skipped;         /* packets dropped to shrink the delay */
	uint64_t resync;          /* restarts after a timestamp jump or idleness */
	unsigned target_ms;       /* the current target delay */
	unsigned jitter_ms;       /* the current jitter peak */
	unsigned buffered;        /* packets in the buffer */
};

struct mix_jbuf;

MIX_API int mix_jbuf_alloc(struct mix_jbuf **jp, const struct mix_jbuf_cfg *cfg);
MIX_API void mix_jbuf_free(struct mix_jbuf *jb);
/** Forgets every packet and the timing learnt (a new source). */
MIX_API void mix_jbuf_reset(struct mix_jbuf *jb);

/**
 * Adds a packet of `samples` duration that arrived at arrival_us (a
 * monotonic clock). Returns 0, -EALREADY (duplicate), -ETIME (late),
 * -ENOBUFS (the buffer is full of newer packets), -EMSGSIZE (too big) or
 * -EINVAL.
 */
MIX_API int mix_jbuf_put(struct mix_jbuf *jb, uint16_t seq, uint32_t ts, uint32_t samples,
			 const uint8_t *data, size_t len, uint32_t meta, uint64_t arrival_us);

/** What to play next at time now_us. */
MIX_API void mix_jbuf_get(struct mix_jbuf *jb, uint64_t now_us, struct mix_jbuf_frame *f);

/** The metadata of the packet the next get() will play, if buffered. */
MIX_API bool mix_jbuf_peek(const struct mix_jbuf *jb, uint32_t *meta, uint32_t *next_meta,
			   bool *has_next);

MIX_API void mix_jbuf_stats_get(const struct mix_jbuf *jb, struct mix_jbuf_stats *st);

#endif
