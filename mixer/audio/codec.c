/*
 * codec.c - Opus encoder and decoder wrappers, and the playout of one
 * source (mix/codec.h)
 */
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>

#include "mix/codec.h"

/* ---- encoder ---- */

struct mix_opus_enc {
	struct mix_opus_cfg cfg;
	int size;
	OpusEncoder *st; /* one block from opus_encoder_get_size(): copyable */
};

void mix_opus_cfg_default(struct mix_opus_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->bitrate = 32000;
	c->complexity = 5;
	c->max_rate = 48000;
}

bool mix_opus_cfg_eq(const struct mix_opus_cfg *a, const struct mix_opus_cfg *b)
{
	return a->bitrate == b->bitrate && a->complexity == b->complexity && a->fec == b->fec &&
	       a->loss_perc == b->loss_perc && a->dtx == b->dtx && a->cbr == b->cbr &&
	       a->max_rate == b->max_rate;
}

static int bandwidth_of(unsigned rate)
{
	if (rate <= 8000)
		return OPUS_BANDWIDTH_NARROWBAND;
	if (rate <= 12000)
		return OPUS_BANDWIDTH_MEDIUMBAND;
	if (rate <= 16000)
		return OPUS_BANDWIDTH_WIDEBAND;
	if (rate <= 24000)
		return OPUS_BANDWIDTH_SUPERWIDEBAND;
	return OPUS_BANDWIDTH_FULLBAND;
}

static int apply(struct mix_opus_enc *e, const struct mix_opus_cfg *in)
{
	struct mix_opus_cfg c = *in;

	if (!c.bitrate)
		c.bitrate = 32000;
	if (!c.max_rate)
		c.max_rate = 48000;
	if (c.bitrate < 6000 || c.bitrate > 510000 || c.complexity > 10 || c.loss_perc > 100 ||
	    c.max_rate < 8000 || c.max_rate > 48000)
		return -EINVAL;
	if (opus_encoder_ctl(e->st, OPUS_SET_BITRATE((opus_int32)c.bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_COMPLEXITY((opus_int32)c.complexity)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_INBAND_FEC(c.fec ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_PACKET_LOSS_PERC((opus_int32)c.loss_perc)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_DTX(c.dtx ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_VBR(c.cbr ? 0 : 1)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_MAX_BANDWIDTH(bandwidth_of(c.max_rate))) != OPUS_OK)
		return -EINVAL;
	e->cfg = c;
	return 0;
}

int mix_opus_enc_alloc(struct mix_opus_enc **ep, const struct mix_opus_cfg *cfg)
{
	struct mix_opus_enc *e;
	struct mix_opus_cfg def;
	int err;

	if (!ep)
		return -EINVAL;
	if (!cfg) {
		mix_opus_cfg_default(&def);
		cfg = &def;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->size = opus_encoder_get_size(1);
	e->st = e->size > 0 ? malloc((size_t)e->size) : NULL;
	if (!e->st) {
		free(e);
		return -ENOMEM;
	}
	if (opus_encoder_init(e->st, MIX_RATE, 1, OPUS_APPLICATION_VOIP) != OPUS_OK) {
		err = -EIO;
		goto fail;
	}
	err = apply(e, cfg);
	if (err)
		goto fail;
	*ep = e;
	return 0;
fail:
	free(e->st);
	free(e);
	return err;
}

void mix_opus_enc_free(struct mix_opus_enc *e)
{
	if (!e)
		return;
	free(e->st);
	free(e);
}

int mix_opus_enc_set(struct mix_opus_enc *e, const struct mix_opus_cfg *cfg)
{
	if (!e || !cfg)
		return -EINVAL;
	return apply(e, cfg);
}

const struct mix_opus_cfg *mix_opus_enc_cfg(const struct mix_opus_enc *e)
{
	return &e->cfg;
}

int mix_opus_enc_encode(struct mix_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap,
			size_t *len)
{
	opus_int32 n;

	if (cap == 0)
		return -ENOSPC;
	if (cap > 0x7fffffff)
		cap = 0x7fffffff;
	n = opus_encode(e->st, pcm, MIX_FRAME, out, (opus_int32)cap);
	if (n == OPUS_BUFFER_TOO_SMALL)
		return -ENOSPC;
	if (n < 0)
		return -EIO;
	/* opus_encode(): "2 bytes or less ... need not be transmitted (DTX)" */
	*len = (e->cfg.dtx && n <= 2) ? 0 : (size_t)n;
	return 0;
}

void mix_opus_enc_copy(struct mix_opus_enc *dst, const struct mix_opus_enc *src)
{
	/* libopus keeps an encoder in one block with offsets, no pointers into
	 * itself: a byte copy is a working copy (test_audio checks it). */
	memcpy(dst->st, src->st, (size_t)src->size);
	dst->cfg = src->cfg;
}

void mix_opus_enc_reset(struct mix_opus_enc *e)
{
	opus_encoder_ctl(e->st, OPUS_RESET_STATE);
}

/* ---- decoder ---- */

struct mix_opus_dec {
	OpusDecoder *st;
};

int mix_opus_dec_alloc(struct mix_opus_dec **dp)
{
	struct mix_opus_dec *d;
	int err;

	if (!dp)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->st = opus_decoder_create(MIX_RATE, 1, &err);
	if (!d->st) {
		free(d);
		return err == OPUS_ALLOC_FAIL ? -ENOMEM : -EIO;
	}
	*dp = d;
	return 0;
}

void mix_opus_dec_free(struct mix_opus_dec *d)
{
	if (!d)
		return;
	opus_decoder_destroy(d->st);
	free(d);
}

void mix_opus_dec_reset(struct mix_opus_dec *d)
{
	opus_decoder_ctl(d->st, OPUS_RESET_STATE);
}

static int dec_err(int n)
{
	if (n == OPUS_BUFFER_TOO_SMALL)
		return -ENOSPC;
	return n < 0 ? -EBADMSG : n;
}

int mix_opus_dec_decode(struct mix_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm,
			size_t max)
{
	if (!pkt || len == 0 || len > 0x7fffffff || max > MIX_OPUS_MAX_SAMPLES * 2)
		return -EINVAL;
	return dec_err(opus_decode(d->st, pkt, (opus_int32)len, pcm, (int)max, 0));
}

int mix_opus_dec_conceal(struct mix_opus_dec *d, const uint8_t *next, size_t next_len,
			 size_t samples, int16_t *pcm, bool *fec)
{
	*fec = false;
	if (samples == 0 || samples > MIX_OPUS_MAX_SAMPLES || samples % 120)
		return -EINVAL;
	if (next && next_len && next_len <= 0x7fffffff && mix_opus_packet_has_fec(next, next_len)) {
		int n = opus_decode(d->st, next, (opus_int32)next_len, pcm, (int)samples, 1);
		if (n >= 0) {
			*fec = true;
			return n;
		}
	}
	return dec_err(opus_decode(d->st, NULL, 0, pcm, (int)samples, 0));
}

int mix_opus_packet_samples(const uint8_t *pkt, size_t len)
{
	const unsigned char *frames[48];
	opus_int16 size[48];
	int n;

	if (!pkt || len == 0 || len > 0x7fffffff)
		return -EBADMSG;
	if (opus_packet_parse(pkt, (opus_int32)len, NULL, frames, size, NULL) < 0)
		return -EBADMSG;
	n = opus_packet_get_nb_samples(pkt, (opus_int32)len, MIX_RATE);
	return n > 0 ? n : -EBADMSG;
}

bool mix_opus_packet_has_fec(const uint8_t *pkt, size_t len)
{
	const unsigned char *frames[48];
	opus_int16 size[48];
	unsigned config, per_frame, nb = 1;
	bool lbrr;

	if (!pkt || len == 0 || len > 0x7fffffff)
		return false;
	config = pkt[0] >> 3;
	if (config >= 16)
		return false; /* CELT only: no SILK layer, no LBRR */
	per_frame = (unsigned)opus_packet_get_samples_per_frame(pkt, MIX_RATE);
	if (per_frame > 960)
		nb = per_frame / 960; /* SILK frames of 20 ms in one Opus frame */
	if (opus_packet_parse(pkt, (opus_int32)len, NULL, frames, size, NULL) <= 0 || size[0] < 1)
		return false;
	/* RFC 6716 4.2.3: the header bits are the VAD flags, then the LBRR flag,
	 * coded with uniform probability: they are the first bits of the frame. */
	lbrr = (frames[0][0] >> (7 - nb)) & 1;
	if (pkt[0] & 0x4)
		lbrr = lbrr || ((frames[0][0] >> (6 - 2 * nb)) & 1);
	return lbrr;
}

/* ---- playout ---- */

#define FIFO_CAP (MIX_OPUS_MAX_SAMPLES + MIX_FRAME)
#define CONCEAL_FRAMES 3 /* then silence: a gone source fades rather than hums */

struct mix_playout {
	struct mix_jbuf *jb;
	struct mix_opus_dec *dec;
	int16_t fifo[FIFO_CAP];
	size_t fifo_n;
	unsigned quiet;          /* consecutive frames concealed without a packet */
	bool skipping;           /* the last packet was not decoded */
	struct mix_playout_stats st;
};

int mix_playout_alloc(struct mix_playout **pp, const struct mix_jbuf_cfg *jcfg)
{
	struct mix_playout *p;
	int err;

	if (!pp)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = mix_jbuf_alloc(&p->jb, jcfg);
	if (!err)
		err = mix_opus_dec_alloc(&p->dec);
	if (err) {
		mix_playout_free(p);
		return err;
	}
	*pp = p;
	return 0;
}

void mix_playout_free(struct mix_playout *p)
{
	if (!p)
		return;
	mix_jbuf_free(p->jb);
	mix_opus_dec_free(p->dec);
	free(p);
}

void mix_playout_reset(struct mix_playout *p)
{
	mix_jbuf_reset(p->jb);
	mix_opus_dec_reset(p->dec);
	p->fifo_n = 0;
	p->quiet = 0;
	p->skipping = false;
}

int mix_playout_put(struct mix_playout *p, uint16_t seq, uint32_t ts, const uint8_t *data,
		    size_t len, uint32_t meta, uint64_t arrival_us)
{
	int n = mix_opus_packet_samples(data, len);

	if (n < 0) {
		p->st.corrupt++;
		return n;
	}
	return mix_jbuf_put(p->jb, seq, ts, (uint32_t)n, data, len, meta, arrival_us);
}

static void note_level(struct mix_pull *info, uint32_t meta)
{
	if (!(meta & MIX_META_LEVEL))
		return;
	if (!info->has_level || (meta & 0x7f) < info->level)
		info->level = (uint8_t)(meta & 0x7f);
	info->has_level = true;
	if (meta & MIX_META_VAD)
		info->vad = true;
}

/* Conceals n samples at the end of the FIFO (PLC or FEC). */
static void conceal(struct mix_playout *p, const uint8_t *next, size_t next_len, size_t n)
{
	size_t want = (n + 119) / 120 * 120;
	bool fec = false;
	int got;

	if (want > MIX_OPUS_MAX_SAMPLES)
		want = MIX_OPUS_MAX_SAMPLES;
	got = mix_opus_dec_conceal(p->dec, next, next_len, want, p->fifo + p->fifo_n, &fec);
	if (got < 0) {
		memset(p->fifo + p->fifo_n, 0, want * sizeof(int16_t));
		got = (int)want;
	}
	if (fec)
		p->st.fec++;
	else
		p->st.plc++;
	/* keep the timeline: n samples, whatever the codec rounded to */
	p->fifo_n += n < (size_t)got ? n : (size_t)got;
	if ((size_t)got < n) {
		memset(p->fifo + p->fifo_n, 0, (n - (size_t)got) * sizeof(int16_t));
		p->fifo_n += n - (size_t)got;
	}
}

static void silence(struct mix_playout *p, size_t n)
{
	memset(p->fifo + p->fifo_n, 0, n * sizeof(int16_t));
	p->fifo_n += n;
}

void mix_playout_pull(struct mix_playout *p, uint64_t now_us, bool force, int16_t *pcm,
		      struct mix_pull *info)
{
	memset(info, 0, sizeof(*info));
	while (p->fifo_n < MIX_FRAME) {
		struct mix_jbuf_frame f;
		size_t room = FIFO_CAP - p->fifo_n, n;

		mix_jbuf_get(p->jb, now_us, &f);
		n = f.samples < room ? f.samples : room;
		if (n > MIX_OPUS_MAX_SAMPLES)
			n = MIX_OPUS_MAX_SAMPLES;
		switch (f.kind) {
		case MIX_JB_EMPTY:
			silence(p, MIX_FRAME - p->fifo_n);
			p->quiet = CONCEAL_FRAMES;
			break;
		case MIX_JB_PACKET: {
			uint32_t head = 0, after = 0;
			bool has_after = false, loud_next = false;
			int got;

			info->active = true;
			note_level(info, f.meta);
			if (mix_jbuf_peek(p->jb, &head, &after, &has_after))
				loud_next = !(head & MIX_META_SILENT);
			p->quiet = 0;
			if (!force && (f.meta & MIX_META_SILENT) && !loud_next) {
				silence(p, n);
				p->st.skipped++;
				p->skipping = true;
				break;
			}
			got = mix_opus_dec_decode(p->dec, f.data, f.len, p->fifo + p->fifo_n, room);
			if (got < 0) {
				p->st.corrupt++;
				conceal(p, NULL, 0, n);
			} else {
				p->fifo_n += (size_t)got;
				p->st.decoded++;
			}
			p->skipping = false;
			info->decoded = true;
			break;
		}
		case MIX_JB_LOST:
			info->active = true;
			note_level(info, f.next_meta);
			if (p->skipping && !force && (!f.next || (f.next_meta & MIX_META_SILENT))) {
				silence(p, n);
				break;
			}
			conceal(p, f.next, f.next_len, n);
			info->decoded = true;
			break;
		case MIX_JB_DTX:
		case MIX_JB_UNDERRUN:
			info->active = true;
			if (f.kind == MIX_JB_DTX)
				p->st.dtx++;
			if (p->skipping || p->quiet >= CONCEAL_FRAMES) {
				silence(p, n);
			} else {
				conceal(p, NULL, 0, n);
				info->decoded = true;
			}
			p->quiet++;
			break;
		}
	}
	memcpy(pcm, p->fifo, MIX_FRAME * sizeof(int16_t));
	p->fifo_n -= MIX_FRAME;
	memmove(p->fifo, p->fifo + MIX_FRAME, p->fifo_n * sizeof(int16_t));
}

void mix_playout_stats_get(const struct mix_playout *p, struct mix_playout_stats *st)
{
	*st = p->st;
	mix_jbuf_stats_get(p->jb, &st->jb);
}
