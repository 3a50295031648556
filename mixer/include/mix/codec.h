/*
 * mix/codec.h - Opus (RFC 6716, RTP payload RFC 7587) at 48 kHz mono with
 * 20 ms frames, and the playout of one source: jitter buffer, decoder,
 * packet-loss concealment, in-band FEC, DTX, and skipping the decoding of
 * packets whose RFC 6464 level says silence.
 */
#ifndef MIX_CODEC_H
#define MIX_CODEC_H

#include "mix/jbuf.h"
#include "mix/mix.h"

#define MIX_RATE 48000
#define MIX_FRAME 960                  /* 20 ms at 48 kHz */
#define MIX_OPUS_MAX_PACKET 1275       /* one Opus frame, RFC 6716 3.2.1 */
#define MIX_OPUS_MAX_SAMPLES 5760      /* 120 ms, the longest packet */

/** Settings of one outgoing stream (from its SDP fmtp and what RTCP says). */
struct mix_opus_cfg {
	unsigned bitrate;        /* bits/s, 6000..510000; 0: 32000 */
	unsigned complexity;     /* 0..10; default (0 means 0) */
	bool fec;                /* in-band FEC (useinbandfec=1) */
	unsigned loss_perc;      /* expected loss %, 0..100: how much FEC to spend */
	bool dtx;                /* usedtx=1 */
	bool cbr;                /* cbr=1 */
	unsigned max_rate;       /* maxplaybackrate: 8000..48000 Hz; 0: 48000 */
};

/** The defaults: 32 kb/s, complexity 5, VBR, no FEC, no DTX, fullband. */
MIX_API void mix_opus_cfg_default(struct mix_opus_cfg *c);
MIX_API bool mix_opus_cfg_eq(const struct mix_opus_cfg *a, const struct mix_opus_cfg *b);

struct mix_opus_enc;

MIX_API int mix_opus_enc_alloc(struct mix_opus_enc **ep, const struct mix_opus_cfg *cfg);
MIX_API void mix_opus_enc_free(struct mix_opus_enc *e);
/** Changes the settings of a running encoder. 0 or -EINVAL. */
MIX_API int mix_opus_enc_set(struct mix_opus_enc *e, const struct mix_opus_cfg *cfg);
MIX_API const struct mix_opus_cfg *mix_opus_enc_cfg(const struct mix_opus_enc *e);
/**
 * Encodes one 20 ms frame (MIX_FRAME samples). *len is 0 when the frame
 * need not be sent (DTX). Returns 0, -ENOSPC or -EIO.
 */
MIX_API int mix_opus_enc_encode(struct mix_opus_enc *e, const int16_t *pcm, uint8_t *out,
				size_t cap, size_t *len);
/**
 * Makes dst continue exactly where src is: same state, same settings, so
 * that a decoder fed by src can go on with what dst produces. Used when a
 * listener of a shared encoding starts talking and needs its own.
 */
MIX_API void mix_opus_enc_copy(struct mix_opus_enc *dst, const struct mix_opus_enc *src);
/** Resets the state (a new stream). */
MIX_API void mix_opus_enc_reset(struct mix_opus_enc *e);

struct mix_opus_dec;

MIX_API int mix_opus_dec_alloc(struct mix_opus_dec **dp);
MIX_API void mix_opus_dec_free(struct mix_opus_dec *d);
MIX_API void mix_opus_dec_reset(struct mix_opus_dec *d);
/**
 * Decodes a packet into pcm (room for max samples). Returns the number of
 * samples, or -EBADMSG for a corrupt packet, -ENOSPC when it is longer
 * than max.
 */
MIX_API int mix_opus_dec_decode(struct mix_opus_dec *d, const uint8_t *pkt, size_t len,
				int16_t *pcm, size_t max);
/**
 * Conceals `samples` lost samples (a multiple of 2.5 ms): with the FEC of
 * next (the packet after the loss) when it carries some, else with PLC.
 * *fec tells which. Returns samples or a negative errno.
 */
MIX_API int mix_opus_dec_conceal(struct mix_opus_dec *d, const uint8_t *next, size_t next_len,
				 size_t samples, int16_t *pcm, bool *fec);

/** Samples in a packet at 48 kHz, or -EBADMSG (RFC 6716 3.1, 3.2). */
MIX_API int mix_opus_packet_samples(const uint8_t *pkt, size_t len);
/** True when the packet carries in-band FEC (LBRR) for the one before it. */
MIX_API bool mix_opus_packet_has_fec(const uint8_t *pkt, size_t len);

/* ---- playout of one source ---- */

/* What a caller stores with each packet (the jitter buffer's meta). */
#define MIX_META_SILENT MIX_JBUF_META_SILENT /* its level says silence */
#define MIX_META_LEVEL 0x00000100u     /* it carried an RFC 6464 level */
#define MIX_META_VAD 0x00000200u       /* and the V flag was set */
/* the level itself (0..127) in the low 8 bits */

struct mix_playout_stats {
	uint64_t decoded;        /* frames decoded */
	uint64_t skipped;        /* frames not decoded: the level said silence */
	uint64_t plc;            /* frames concealed with PLC */
	uint64_t fec;            /* frames recovered from in-band FEC */
	uint64_t dtx;            /* frames of sender DTX */
	uint64_t corrupt;        /* packets the decoder refused */
	struct mix_jbuf_stats jb;
};

/** What one pull produced. */
struct mix_pull {
	bool active;             /* the source is playing (not empty or idle) */
	bool decoded;            /* pcm holds decoded audio (else silence) */
	bool has_level;          /* the packets carried RFC 6464 levels */
	uint8_t level;           /* the loudest of those levels, -dBov */
	bool vad;                /* any V flag */
};

struct mix_playout;

MIX_API int mix_playout_alloc(struct mix_playout **pp, const struct mix_jbuf_cfg *jcfg);
MIX_API void mix_playout_free(struct mix_playout *p);
MIX_API void mix_playout_reset(struct mix_playout *p);

/**
 * Adds an Opus packet with its RTP fields and meta (MIX_META_* bits).
 * Returns what mix_jbuf_put() returns, or -EBADMSG for a payload that is
 * not an Opus packet.
 */
MIX_API int mix_playout_put(struct mix_playout *p, uint16_t seq, uint32_t ts, const uint8_t *data,
			    size_t len, uint32_t meta, uint64_t arrival_us);

/**
 * Produces the next MIX_FRAME samples at time now_us. Unless force is set,
 * packets whose levels say silence are consumed but not decoded
 * (unless the packet after them is loud: it needs the decoder warm);
 * their samples are zero. Packets without a level are always decoded.
 */
MIX_API void mix_playout_pull(struct mix_playout *p, uint64_t now_us, bool force, int16_t *pcm,
			      struct mix_pull *info);

MIX_API void mix_playout_stats_get(const struct mix_playout *p, struct mix_playout_stats *st);

#endif
