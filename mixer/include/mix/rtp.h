/*
 * mix/rtp.h - RTP (RFC 3550) packets, RFC 8285 header extensions, the
 * RFC 6464 client-to-mixer audio level, and per-source receive
 * statistics (RFC 3550 appendix A.1, A.3, A.8).
 *
 * The decoder is total: it checks every length against the bytes present
 * and returns -EBADMSG for anything malformed. Decoded views point into
 * the caller's buffer.
 */
#ifndef MIX_RTP_H
#define MIX_RTP_H

#include "mix/mix.h"

#define MIX_RTP_HDR_MIN 12
#define MIX_RTP_MAX_CSRC 15
/* RFC 8285 "defined by profile" values. */
#define MIX_RTP_EXT_ONE_BYTE 0xBEDE
#define MIX_RTP_EXT_TWO_BYTE 0x1000 /* top 12 bits; the low 4 are "appbits" */
/* An RTP packet can carry at most this many extension elements (one per ID). */
#define MIX_RTP_MAX_EXT 255

struct mix_rtp {
	bool marker;
	uint8_t pt;                   /* payload type, 0..127 */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t cc;                   /* CSRC count */
	uint32_t csrc[MIX_RTP_MAX_CSRC];
	bool ext;                     /* the X bit: an extension block follows */
	uint16_t ext_profile;         /* its "defined by profile" field */
	const uint8_t *ext_data;      /* its body (a multiple of 4 bytes) */
	size_t ext_len;
	const uint8_t *payload;
	size_t payload_len;
	uint8_t pad;                  /* padding bytes (decoded; or to add on encode) */
};

/** One RFC 8285 extension element. */
struct mix_rtp_ext {
	uint8_t id;                   /* one-byte form 1..14, two-byte form 1..255 */
	uint8_t len;                  /* one-byte form 1..16, two-byte form 0..255 */
	const uint8_t *data;
};

/**
 * Decodes an RTP packet. Checks the version (2), the CSRC list, the
 * extension block and the padding count (at least 1, within the packet).
 * Returns 0 or -EBADMSG.
 */
MIX_API int mix_rtp_decode(struct mix_rtp *h, const uint8_t *buf, size_t len);

/**
 * Encodes h (header, CSRCs, h->payload, h->pad bytes of padding) into buf.
 * If n_ext > 0 the elements in ext become an RFC 8285 extension block
 * (the one-byte form when every element allows it, the two-byte form
 * otherwise) and h->ext_* are ignored; else, if h->ext is set, h->ext_data
 * is written as a raw block with h->ext_profile. Returns 0, -EINVAL (a
 * field out of range) or -ENOSPC; *len gets the packet length.
 */
MIX_API int mix_rtp_encode(uint8_t *buf, size_t cap, const struct mix_rtp *h,
			   const struct mix_rtp_ext *ext, size_t n_ext, size_t *len);

/**
 * Parses the RFC 8285 elements of h's extension block into ext[0..max).
 * Returns 0 (with *n elements; 0 when the packet has no block), -ENOTSUP
 * for a block that is not RFC 8285, -EBADMSG for a malformed one, or
 * -EMSGSIZE when there are more than max elements.
 */
MIX_API int mix_rtp_ext_parse(const struct mix_rtp *h, struct mix_rtp_ext *ext, size_t max,
			      size_t *n);

/** Finds element id. Returns 0, -ENOENT, -ENOTSUP or -EBADMSG. */
MIX_API int mix_rtp_ext_find(const struct mix_rtp *h, uint8_t id, struct mix_rtp_ext *out);

/* ---- RFC 6464 client-to-mixer audio level ---- */

#define MIX_LEVEL_SILENT 127 /* -127 dBov: digital silence */

/**
 * Decodes an audio-level element body: one byte, V flag and level (0..127,
 * in -dBov). Returns 0 or -EBADMSG (wrong length).
 */
MIX_API int mix_rtp_level_decode(const struct mix_rtp_ext *e, bool *vad, uint8_t *level);

/** Finds and decodes the audio level with extension id. 0, -ENOENT or -EBADMSG. */
MIX_API int mix_rtp_level_get(const struct mix_rtp *h, uint8_t id, bool *vad, uint8_t *level);

/** Fills e (with storage byte *b) as an audio-level element. */
MIX_API void mix_rtp_level_ext(struct mix_rtp_ext *e, uint8_t *b, uint8_t id, bool vad,
			       uint8_t level);

/**
 * The RFC 6464 level of n 16-bit samples: -dBov, 0..127, where 0 dBov is
 * the RMS of a full-scale square wave (a full-scale sine is 3 dBov).
 */
MIX_API uint8_t mix_level_of(const int16_t *pcm, size_t n);

/* ---- receive statistics per source (RFC 3550 A.1, A.3, A.8) ---- */

struct mix_rtcp_rb;

struct mix_rtp_src {
	uint32_t ssrc;
	uint16_t max_seq;         /* highest sequence number seen */
	uint32_t cycles;          /* shifted count of sequence number cycles */
	uint32_t base_seq;
	uint32_t bad_seq;         /* last 'bad' sequence number + 1 */
	uint32_t probation;       /* packets still needed before the source is valid */
	uint32_t received;
	uint32_t expected_prior;  /* at the last report */
	uint32_t received_prior;
	uint32_t transit;         /* relative transit time of the previous packet */
	uint32_t jitter;          /* estimate, in timestamp units scaled by 16 */
	bool have_transit;
	uint32_t clock_rate;
};

/**
 * Starts tracking a source at its first packet (A.1). With min_sequential
 * 0 the source is valid at once (right for SRTP, which authenticates every
 * packet); RFC 3550 suggests 2 for plain RTP. Call mix_rtp_src_update()
 * for this first packet too.
 */
MIX_API void mix_rtp_src_init(struct mix_rtp_src *s, uint32_t ssrc, uint16_t seq,
			      uint32_t clock_rate, unsigned min_sequential);

/**
 * Accounts a packet's sequence number (A.1 update_seq). Returns 1 when the
 * packet belongs to a valid source, 0 when the source is still on
 * probation or the packet is a wild jump to be ignored (two in sequence
 * restart the count).
 */
MIX_API int mix_rtp_src_update(struct mix_rtp_src *s, uint16_t seq);

/**
 * Updates the interarrival jitter (A.8) with a packet's RTP timestamp and
 * its arrival time in the same units (arrival_us converted at clock_rate).
 */
MIX_API void mix_rtp_src_jitter(struct mix_rtp_src *s, uint32_t rtp_ts, uint64_t arrival_us);

/** Extended highest sequence number received. */
MIX_API uint32_t mix_rtp_src_ext_max(const struct mix_rtp_src *s);

/** Cumulative packets lost (may be negative with duplicates), clamped to 24 bits. */
MIX_API int32_t mix_rtp_src_lost(const struct mix_rtp_src *s);

/** Jitter in timestamp units. */
MIX_API uint32_t mix_rtp_src_jitter_ts(const struct mix_rtp_src *s);

/**
 * Fills a report block (A.3: fraction lost since the last report, which
 * this call starts again). lsr/dlsr are the caller's.
 */
MIX_API void mix_rtp_src_report(struct mix_rtp_src *s, struct mix_rtcp_rb *rb);

/* ---- clocks ---- */

/** NTP 64-bit timestamp of the wall clock (CLOCK_REALTIME). */
MIX_API uint64_t mix_ntp_now(void);
/** Monotonic clock in microseconds. */
MIX_API uint64_t mix_now_us(void);

#endif
