/*
 * test_audio.c - the jitter buffer and Opus (mixer/audio): reordering,
 * loss, duplicates, late packets, DTX gaps, adaptation up and down, bounds,
 * restarts; real libopus: tone fidelity, per-stream settings, DTX, in-band
 * FEC against PLC, the encoder copy the shared-encode trick relies on, and
 * the playout skipping sources whose RFC 6464 level says silence.
 *
 * Time is simulated (the buffer takes arrival and play times as
 * arguments), so these tests are exact and fast.
 */
#include <stdlib.h>

#include "mix/codec.h"
#include "mix/dsp.h"
#include "mix/jbuf.h"
#include "mix/rtp.h"
#include "test.h"
#include "tone.h"

#define T0 1000000000ull /* a start time, us */

static struct mix_jbuf *jb_new(unsigned min_ms, unsigned max_ms, unsigned max_packets)
{
	struct mix_jbuf_cfg c = { 0 };
	struct mix_jbuf *jb = NULL;

	c.min_delay_ms = min_ms;
	c.max_delay_ms = max_ms;
	c.max_packets = max_packets;
	return mix_jbuf_alloc(&jb, &c) ? NULL : jb;
}

static int put(struct mix_jbuf *jb, unsigned i, uint64_t arrival)
{
	uint8_t b[4] = { (uint8_t)i, (uint8_t)(i >> 8), 0xab, 0xcd };

	return mix_jbuf_put(jb, (uint16_t)(1000 + i), 5000u + i * 960u, 960, b, sizeof(b), i,
			    arrival);
}

static int test_jb_in_order(void)
{
	struct mix_jbuf *jb = jb_new(20, 200, 0);
	struct mix_jbuf_frame f;
	struct mix_jbuf_stats st;
	unsigned i, played = 0, first = 0;

	CHECK(jb);
	for (i = 0; i < 100; i++) {
		uint64_t t = T0 + i * 20000ull;

		CHECK_EQ(put(jb, i, t), 0);
		/* the mixer ticks 7 ms after each arrival */
		mix_jbuf_get(jb, t + 7000, &f);
		if (f.kind == MIX_JB_PACKET) {
			if (!played)
				first = i;
			CHECK_EQ(f.meta, played);
			CHECK_EQ(f.seq, 1000 + played);
			CHECK_EQ(f.len, 4);
			CHECK_EQ(f.data[0], (uint8_t)played);
			played++;
		} else {
			CHECK_EQ(f.kind, MIX_JB_EMPTY);
			CHECK(!played);
		}
	}
	/* a 20 ms target: playing starts one frame after the first packet */
	CHECK_EQ(first, 1);
	CHECK_EQ(played, 99);
	mix_jbuf_stats_get(jb, &st);
	CHECK_EQ(st.late + st.lost + st.dup + st.underrun + st.skipped, 0);
	CHECK_EQ(st.target_ms, 20);
	mix_jbuf_free(jb);
	return 0;
}

static int test_jb_reorder_loss_dup(void)
{
	struct mix_jbuf *jb = jb_new(40, 200, 0);
	struct mix_jbuf_frame f;
	struct mix_jbuf_stats st;
	unsigned i, next = 0, lost = 0, fec_next = 0;

	CHECK(jb);
	for (i = 0; i < 200; i++) {
		uint64_t t = T0 + i * 20000ull;
		unsigned k = i;

		/* swap each pair 4k+1/4k+2; 5 is lost; 50 arrives twice */
		if (i % 4 == 1)
			k = i + 1;
		else if (i % 4 == 2)
			k = i - 1;
		if (k != 5)
			CHECK_EQ(put(jb, k, t), 0);
		if (k == 50)
			CHECK_EQ(put(jb, k, t + 1000), -EALREADY);
		mix_jbuf_get(jb, t + 5000, &f);
		if (f.kind == MIX_JB_PACKET) {
			CHECK_EQ(f.meta, next);
			next++;
		} else if (f.kind == MIX_JB_LOST) {
			CHECK_EQ(next, 5);
			lost++;
			/* the packet after is here: its FEC can stand in */
			if (f.next && f.next_meta == 6)
				fec_next++;
			CHECK_EQ(f.samples, 960);
			next++;
		} else {
			CHECK_EQ(f.kind, MIX_JB_EMPTY);
		}
	}
	CHECK_EQ(lost, 1);
	CHECK_EQ(fec_next, 1);
	CHECK(next >= 196);
	/* packet 5 after all: late */
	CHECK_EQ(put(jb, 5, T0 + 200 * 20000ull), -ETIME);
	mix_jbuf_stats_get(jb, &st);
	CHECK_EQ(st.dup, 1);
	CHECK_EQ(st.late, 1);
	CHECK_EQ(st.lost, 1);
	CHECK_EQ(st.underrun, 0);
	mix_jbuf_free(jb);
	return 0;
}

static int test_jb_dtx(void)
{
	struct mix_jbuf *jb = jb_new(20, 200, 0);
	struct mix_jbuf_frame f;
	struct mix_jbuf_stats st;
	unsigned i, seq = 0, packets = 0, dtx = 0;
	uint32_t ts = 0;
	uint64_t t;

	CHECK(jb);
	/* 10 packets, 5 frames of DTX (no packets, consecutive seq), 10 more */
	for (i = 0; i < 40; i++) {
		t = T0 + i * 20000ull;
		if (i < 10 || (i >= 15 && i < 25)) {
			uint8_t b = 1;
			CHECK_EQ(mix_jbuf_put(jb, (uint16_t)seq++, i * 960u, 960, &b, 1, i, t), 0);
		}
		(void)ts;
		mix_jbuf_get(jb, t + 5000, &f);
		if (f.kind == MIX_JB_PACKET)
			packets++;
		else if (f.kind == MIX_JB_DTX)
			dtx++;
		CHECK(f.kind != MIX_JB_LOST);
	}
	CHECK_EQ(packets, 20);
	mix_jbuf_stats_get(jb, &st);
	CHECK_EQ(st.lost, 0);
	/* the gap is met as underruns until the next packet shows it was DTX */
	CHECK(dtx + st.underrun >= 5);
	CHECK(dtx >= 1);
	mix_jbuf_free(jb);
	return 0;
}

/* A deterministic pseudo-random sequence. */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static int put_adapt(struct mix_jbuf *jb, unsigned i, uint64_t arrival)
{
	uint8_t b = 1;
	uint32_t meta = i % 5 ? i : (i | MIX_JBUF_META_SILENT);

	return mix_jbuf_put(jb, (uint16_t)(1000 + i), 5000u + i * 960u, 960, &b, 1, meta, arrival);
}

static int test_jb_adapts(void)
{
	struct mix_jbuf *jb = jb_new(10, 300, 0);
	struct mix_jbuf_frame f;
	struct mix_jbuf_stats st;
	uint32_t seed = 7;
	unsigned i, late_after_warmup = 0, grown;
	uint64_t late0 = 0;
	/* arrival delays 0..60 ms: sorted into a queue by arrival time */
	enum { N = 1500 };
	static uint64_t arr[N];
	static unsigned order[N];

	CHECK(jb);
	for (i = 0; i < N; i++) {
		uint64_t d = i < 500 ? 0 : i < 1000 ? rnd(&seed) % 60000 : rnd(&seed) % 2000;
		arr[i] = T0 + i * 20000ull + d;
		order[i] = i;
	}
	/* insertion sort by arrival (nearly sorted) */
	for (i = 1; i < N; i++) {
		unsigned k = order[i], j = i;
		while (j > 0 && arr[order[j - 1]] > arr[k]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = k;
	}
	{
		unsigned next_arr = 0;
		uint64_t t;

		for (t = T0; t < T0 + N * 20000ull; t += 20000) {
			while (next_arr < N && arr[order[next_arr]] <= t) {
				(void)put_adapt(jb, order[next_arr], arr[order[next_arr]]);
				next_arr++;
			}
			mix_jbuf_get(jb, t, &f);
			if (t == T0 + 490 * 20000ull) {
				mix_jbuf_stats_get(jb, &st);
				CHECK(st.target_ms <= 10);
			}
			if (t == T0 + 700 * 20000ull) {
				mix_jbuf_stats_get(jb, &st);
				late0 = st.late;
			}
			if (t == T0 + 990 * 20000ull) {
				mix_jbuf_stats_get(jb, &st);
				/* grown to cover the 60 ms spread, and few late since */
				grown = st.target_ms;
				CHECK(grown >= 60 && grown <= 75);
				late_after_warmup = (unsigned)(st.late - late0);
				CHECK(late_after_warmup <= 3);
			}
		}
	}
	mix_jbuf_stats_get(jb, &st);
	/* calm again (2 ms of spread): the target came back down (spread + a
	 * 10 ms margin) and frames were dropped for it */
	CHECK(st.target_ms <= 12);
	CHECK(st.skipped > 0);
	CHECK(st.played + st.skipped + st.late >= N - 10);
	mix_jbuf_free(jb);
	return 0;
}

static int test_jb_bounds(void)
{
	struct mix_jbuf *jb = jb_new(20, 200, 16);
	struct mix_jbuf_frame f;
	struct mix_jbuf_stats st;
	uint8_t big[2000] = { 0 };
	unsigned i;

	CHECK(jb);
	/* a flood: 100 packets at once, nothing played */
	for (i = 0; i < 100; i++)
		(void)put(jb, i, T0);
	mix_jbuf_stats_get(jb, &st);
	CHECK_EQ(st.buffered, 16);
	CHECK_EQ(st.overflow, 84);
	/* the newest survive */
	mix_jbuf_get(jb, T0 + 100000, &f);
	CHECK_EQ(f.kind, MIX_JB_PACKET);
	CHECK(f.meta >= 84);
	CHECK_EQ(mix_jbuf_put(jb, 5, 1, 960, big, sizeof(big), 0, T0), -EMSGSIZE);
	CHECK_EQ(mix_jbuf_put(jb, 5, 1, 0, big, 10, 0, T0), -EINVAL);
	mix_jbuf_free(jb);
	CHECK_EQ(mix_jbuf_alloc(&jb, &(struct mix_jbuf_cfg){ .min_delay_ms = 300,
							    .max_delay_ms = 200 }),
		 -EINVAL);
	return 0;
}

static int test_jb_wrap_idle_jump(void)
{
	struct mix_jbuf *jb = jb_new(20, 200, 0);
	struct mix_jbuf_frame f;
	struct mix_jbuf_stats st;
	unsigned i, played = 0;
	uint8_t b = 0;
	uint64_t t = T0;

	CHECK(jb);
	/* across the sequence and timestamp wraps */
	for (i = 0; i < 50; i++, t += 20000) {
		CHECK_EQ(mix_jbuf_put(jb, (uint16_t)(65520 + i), 0xfffff000u + i * 960u, 960, &b, 1,
				      i, t), 0);
		mix_jbuf_get(jb, t + 1000, &f);
		if (f.kind == MIX_JB_PACKET)
			CHECK_EQ(f.meta, played++);
	}
	CHECK_EQ(played, 49);
	/* silence on the wire: underruns, then idle */
	for (i = 0; i < 20; i++, t += 20000)
		mix_jbuf_get(jb, t, &f);
	CHECK_EQ(f.kind, MIX_JB_EMPTY);
	/* back after 10 s with a new timeline: it plays again */
	t += 10000000;
	for (i = 0; i < 10; i++, t += 20000) {
		CHECK_EQ(mix_jbuf_put(jb, (uint16_t)(20000 + i), 777777u + i * 960u, 960, &b, 1,
				      100 + i, t), 0);
		mix_jbuf_get(jb, t + 1000, &f);
	}
	CHECK_EQ(f.kind, MIX_JB_PACKET);
	CHECK(f.meta >= 107);
	mix_jbuf_stats_get(jb, &st);
	CHECK(st.resync >= 1);
	mix_jbuf_free(jb);
	return 0;
}

/* ---- Opus ---- */

static void sine_frames(struct tone *t, int16_t *pcm, size_t frames)
{
	memset(pcm, 0, frames * MIX_FRAME * sizeof(int16_t));
	tone_add(t, pcm, frames * MIX_FRAME, MIX_RATE);
}

static int test_opus_tone(void)
{
	struct mix_opus_enc *e = NULL;
	struct mix_opus_dec *d = NULL;
	struct tone t = { 700, 8000, 0 };
	static int16_t in[50 * MIX_FRAME], out[50 * MIX_FRAME];
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	size_t len, i;
	double a;

	CHECK_EQ(mix_opus_enc_alloc(&e, NULL), 0);
	CHECK_EQ(mix_opus_dec_alloc(&d), 0);
	sine_frames(&t, in, 50);
	for (i = 0; i < 50; i++) {
		CHECK_EQ(mix_opus_enc_encode(e, in + i * MIX_FRAME, pkt, sizeof(pkt), &len), 0);
		CHECK(len > 10);
		CHECK_EQ(mix_opus_packet_samples(pkt, len), MIX_FRAME);
		CHECK_EQ(mix_opus_dec_decode(d, pkt, len, out + i * MIX_FRAME, MIX_FRAME), MIX_FRAME);
	}
	/* the last 0.5 s: the tone within 1 dB, nothing at another frequency */
	a = goertzel_amp(out + 25 * MIX_FRAME, 25 * MIX_FRAME, 700, MIX_RATE);
	CHECK(fabs(db(a / 8000)) < 1.0);
	a = goertzel_amp(out + 25 * MIX_FRAME, 25 * MIX_FRAME, 1300, MIX_RATE);
	CHECK(db(a / 8000) < -40);
	/* corrupt input is refused */
	CHECK_EQ(mix_opus_packet_samples(pkt, 0), -EBADMSG);
	pkt[0] = 0x03; /* code 3 ... */
	pkt[1] = 0x00; /* ... with 0 frames */
	CHECK_EQ(mix_opus_packet_samples(pkt, 2), -EBADMSG);
	CHECK_EQ(mix_opus_dec_decode(d, pkt, 2, out, MIX_FRAME), -EBADMSG);
	mix_opus_enc_free(e);
	mix_opus_dec_free(d);
	return 0;
}

/* Mean packet size over 2 s of a tone with the settings c. */
static double mean_size(const struct mix_opus_cfg *c, unsigned *dtx_frames)
{
	struct mix_opus_enc *e = NULL;
	struct tone t = { 440, 6000, 0 };
	int16_t pcm[MIX_FRAME];
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	size_t len, total = 0, i;

	*dtx_frames = 0;
	if (mix_opus_enc_alloc(&e, c))
		return -1;
	for (i = 0; i < 100; i++) {
		memset(pcm, 0, sizeof(pcm));
		tone_add(&t, pcm, MIX_FRAME, MIX_RATE);
		if (mix_opus_enc_encode(e, pcm, pkt, sizeof(pkt), &len))
			return -1;
		total += len;
		*dtx_frames += len == 0;
	}
	mix_opus_enc_free(e);
	return (double)total / 100;
}

static int test_opus_settings(void)
{
	struct mix_opus_cfg c;
	struct mix_opus_enc *e = NULL;
	int16_t zero[MIX_FRAME] = { 0 };
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	unsigned dtx, i, skipped = 0;
	size_t len;
	double s16, s64;

	mix_opus_cfg_default(&c);
	c.bitrate = 16000;
	c.cbr = true;
	s16 = mean_size(&c, &dtx);
	c.bitrate = 64000;
	s64 = mean_size(&c, &dtx);
	/* 16 kb/s is 40 bytes a frame, 64 kb/s 160 */
	CHECK(s16 > 36 && s16 < 44);
	CHECK(s64 > 150 && s64 < 170);
	CHECK_EQ(dtx, 0);
	/* DTX: digital silence is not sent */
	mix_opus_cfg_default(&c);
	c.dtx = true;
	CHECK_EQ(mix_opus_enc_alloc(&e, &c), 0);
	for (i = 0; i < 100; i++) {
		CHECK_EQ(mix_opus_enc_encode(e, zero, pkt, sizeof(pkt), &len), 0);
		skipped += len == 0;
	}
	CHECK(skipped > 80);
	/* without DTX everything is sent */
	c.dtx = false;
	CHECK_EQ(mix_opus_enc_set(e, &c), 0);
	for (i = 0; i < 20; i++) {
		CHECK_EQ(mix_opus_enc_encode(e, zero, pkt, sizeof(pkt), &len), 0);
		CHECK(len > 0);
	}
	CHECK(mix_opus_cfg_eq(mix_opus_enc_cfg(e), &c));
	c.complexity = 11;
	CHECK_EQ(mix_opus_enc_set(e, &c), -EINVAL);
	CHECK_EQ(mix_opus_enc_encode(e, zero, pkt, 0, &len), -ENOSPC);
	mix_opus_enc_free(e);
	return 0;
}

/* A voice-like test signal: a gliding 120-200 Hz buzz through a moving
 * formant, in syllables (what SILK's VAD takes for speech). */
struct voice {
	size_t n;
	double ph;
};

static void voice(int16_t *pcm, size_t n, struct voice *vs)
{
	size_t i;

	for (i = 0; i < n; i++, vs->n++) {
		double t = (double)vs->n / MIX_RATE;
		double f0 = 160 + 40 * sin(2 * TONE_PI * 0.7 * t);
		double env = 0.35 + 0.65 * fabs(sin(2 * TONE_PI * 2.2 * t));
		double v = 0;
		int h;

		vs->ph += 2 * TONE_PI * f0 / MIX_RATE;
		for (h = 1; h <= 14; h++)
			v += sin(h * vs->ph) / h *
			     (1.0 / (1 + pow((f0 * h - 700 - 300 * sin(2 * TONE_PI * t)) / 400, 2)));
		pcm[i] = (int16_t)lrint(9000 * env * v);
	}
}

static double err_energy(const int16_t *a, const int16_t *b, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
	return e;
}

static int test_opus_fec(void)
{
	struct mix_opus_cfg c;
	struct mix_opus_enc *e = NULL;
	struct mix_opus_dec *ref = NULL, *dfec = NULL, *dplc = NULL;
	static uint8_t pkts[60][MIX_OPUS_MAX_PACKET];
	static size_t lens[60];
	static int16_t in[MIX_FRAME], a[MIX_FRAME], b[MIX_FRAME], r[MIX_FRAME];
	struct voice ph = { 0, 0 };
	size_t i, with_fec = 0, checked = 0;
	double e_fec = 0, e_plc = 0;
	bool fec;

	mix_opus_cfg_default(&c);
	c.bitrate = 24000;
	c.fec = true;
	c.loss_perc = 20;
	CHECK_EQ(mix_opus_enc_alloc(&e, &c), 0);
	CHECK_EQ(mix_opus_dec_alloc(&ref), 0);
	CHECK_EQ(mix_opus_dec_alloc(&dfec), 0);
	CHECK_EQ(mix_opus_dec_alloc(&dplc), 0);
	for (i = 0; i < 60; i++) {
		voice(in, MIX_FRAME, &ph);
		CHECK_EQ(mix_opus_enc_encode(e, in, pkts[i], MIX_OPUS_MAX_PACKET, &lens[i]), 0);
		with_fec += mix_opus_packet_has_fec(pkts[i], lens[i]);
	}
	/* SILK leaves LBRR out of quiet frames */
	CHECK(with_fec > 30);
	/* lose every 5th packet whose successor carries FEC: recover it from
	 * that FEC, or with PLC */
	for (i = 0; i < 59; i++) {
		CHECK_EQ(mix_opus_dec_decode(ref, pkts[i], lens[i], r, MIX_FRAME), MIX_FRAME);
		if (i % 5 == 4 && i > 10 && mix_opus_packet_has_fec(pkts[i + 1], lens[i + 1])) {
			checked++;
			CHECK_EQ(mix_opus_dec_conceal(dfec, pkts[i + 1], lens[i + 1], MIX_FRAME, a, &fec),
				 MIX_FRAME);
			CHECK(fec);
			CHECK_EQ(mix_opus_dec_conceal(dplc, NULL, 0, MIX_FRAME, b, &fec), MIX_FRAME);
			CHECK(!fec);
			e_fec += err_energy(a, r, MIX_FRAME);
			e_plc += err_energy(b, r, MIX_FRAME);
		} else {
			CHECK_EQ(mix_opus_dec_decode(dfec, pkts[i], lens[i], a, MIX_FRAME), MIX_FRAME);
			CHECK_EQ(mix_opus_dec_decode(dplc, pkts[i], lens[i], b, MIX_FRAME), MIX_FRAME);
		}
	}
	/* FEC is much closer to the real decoding than PLC */
	CHECK(checked >= 5);
	CHECK(e_fec * 4 < e_plc);
	/* a CELT-only packet has no FEC: conceal falls back to PLC */
	{
		uint8_t celt[3] = { 0xf8, 0xff, 0xfe };
		CHECK(!mix_opus_packet_has_fec(celt, 3));
		CHECK_EQ(mix_opus_dec_conceal(dfec, celt, 3, MIX_FRAME, a, &fec), MIX_FRAME);
		CHECK(!fec);
	}
	mix_opus_enc_free(e);
	mix_opus_dec_free(ref);
	mix_opus_dec_free(dfec);
	mix_opus_dec_free(dplc);
	return 0;
}

static int test_opus_copy(void)
{
	struct mix_opus_cfg c;
	struct mix_opus_enc *a = NULL, *b = NULL;
	int16_t pcm[MIX_FRAME];
	uint8_t pa[MIX_OPUS_MAX_PACKET], pb[MIX_OPUS_MAX_PACKET];
	size_t la, lb, i, same = 0;
	struct voice ph = { 0, 0 };

	mix_opus_cfg_default(&c);
	c.fec = true;
	c.loss_perc = 5;
	CHECK_EQ(mix_opus_enc_alloc(&a, &c), 0);
	mix_opus_cfg_default(&c);
	c.bitrate = 12000;
	CHECK_EQ(mix_opus_enc_alloc(&b, &c), 0);
	for (i = 0; i < 50; i++) {
		voice(pcm, MIX_FRAME, &ph);
		CHECK_EQ(mix_opus_enc_encode(a, pcm, pa, sizeof(pa), &la), 0);
	}
	/* b continues exactly where a is: the same bytes from now on */
	mix_opus_enc_copy(b, a);
	CHECK(mix_opus_cfg_eq(mix_opus_enc_cfg(a), mix_opus_enc_cfg(b)));
	for (i = 0; i < 50; i++) {
		voice(pcm, MIX_FRAME, &ph);
		CHECK_EQ(mix_opus_enc_encode(a, pcm, pa, sizeof(pa), &la), 0);
		CHECK_EQ(mix_opus_enc_encode(b, pcm, pb, sizeof(pb), &lb), 0);
		same += la == lb && memcmp(pa, pb, la) == 0;
	}
	CHECK_EQ(same, 50);
	mix_opus_enc_free(a);
	mix_opus_enc_free(b);
	return 0;
}

/* ---- playout ---- */

static int test_playout_levels(void)
{
	struct mix_playout *p = NULL;
	struct mix_opus_enc *e = NULL;
	struct mix_playout_stats st;
	struct mix_pull info;
	struct tone t = { 500, 6000, 0 };
	int16_t pcm[MIX_FRAME], out[MIX_FRAME];
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	size_t len;
	unsigned i, loud_frames = 0, quiet_zero = 0;

	CHECK_EQ(mix_playout_alloc(&p, NULL), 0);
	CHECK_EQ(mix_opus_enc_alloc(&e, NULL), 0);
	/* 1 s of silence flagged silent, then 1 s of tone flagged loud */
	for (i = 0; i < 100; i++) {
		uint64_t now = T0 + i * 20000ull;
		bool loud = i >= 50;
		uint32_t meta;

		memset(pcm, 0, sizeof(pcm));
		if (loud)
			tone_add(&t, pcm, MIX_FRAME, MIX_RATE);
		meta = MIX_META_LEVEL | mix_level_of(pcm, MIX_FRAME);
		if (!loud)
			meta |= MIX_META_SILENT;
		CHECK_EQ(mix_opus_enc_encode(e, pcm, pkt, sizeof(pkt), &len), 0);
		CHECK_EQ(mix_playout_put(p, (uint16_t)i, i * 960u, pkt, len, meta, now), 0);
		mix_playout_pull(p, now + 2000, false, out, &info);
		if (i > 60) {
			CHECK(info.decoded);
			CHECK(info.has_level);
			CHECK(info.level < 30);
			loud_frames += goertzel_amp(out, MIX_FRAME, 500, MIX_RATE) > 3000;
		} else if (i > 2 && i < 45) {
			CHECK(info.active);
			CHECK(!info.decoded);
			CHECK_EQ(info.level, 127);
			quiet_zero++;
		}
	}
	CHECK_EQ(loud_frames, 39);
	mix_playout_stats_get(p, &st);
	/* the silent second was not decoded, except the packet before the tone */
	CHECK(st.skipped >= 45);
	CHECK(st.decoded <= 52);
	CHECK(quiet_zero > 40);
	/* force: everything decoded */
	mix_playout_reset(p);
	for (i = 0; i < 20; i++) {
		uint64_t now = T0 + 10000000 + i * 20000ull;
		memset(pcm, 0, sizeof(pcm));
		CHECK_EQ(mix_opus_enc_encode(e, pcm, pkt, sizeof(pkt), &len), 0);
		CHECK_EQ(mix_playout_put(p, (uint16_t)(500 + i), 99999u + i * 960u, pkt, len,
					 MIX_META_SILENT | MIX_META_LEVEL | 127, now), 0);
		mix_playout_pull(p, now + 2000, true, out, &info);
	}
	mix_playout_stats_get(p, &st);
	CHECK(st.decoded >= 18);
	/* junk is refused */
	CHECK_EQ(mix_playout_put(p, 1, 1, pkt, 0, 0, T0), -EBADMSG);
	mix_playout_free(p);
	mix_opus_enc_free(e);
	return 0;
}

static double rms(const int16_t *pcm, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)pcm[i] * pcm[i];
	return sqrt(e / (double)n);
}

static int test_playout_loss(void)
{
	struct mix_playout *p = NULL, *ref = NULL;
	struct mix_opus_enc *e = NULL;
	struct mix_opus_cfg c;
	struct mix_playout_stats st;
	struct mix_pull info;
	int16_t pcm[MIX_FRAME], out[MIX_FRAME], want[MIX_FRAME];
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	size_t len;
	struct voice ph = { 0, 0 };
	unsigned i, weak = 0, gone = 0, checked = 0;
	uint32_t seed = 3;

	mix_opus_cfg_default(&c);
	c.fec = true;
	c.loss_perc = 15;
	CHECK_EQ(mix_playout_alloc(&p, &(struct mix_jbuf_cfg){ .min_delay_ms = 40 }), 0);
	CHECK_EQ(mix_playout_alloc(&ref, &(struct mix_jbuf_cfg){ .min_delay_ms = 40 }), 0);
	CHECK_EQ(mix_opus_enc_alloc(&e, &c), 0);
	/* 15 % random loss and a burst of 3 on a voice-like signal, against
	 * the same packets without loss */
	for (i = 0; i < 250; i++) {
		uint64_t now = T0 + i * 20000ull;
		bool drop = (rnd(&seed) % 100) < 15 || (i >= 100 && i < 103);

		voice(pcm, MIX_FRAME, &ph);
		CHECK_EQ(mix_opus_enc_encode(e, pcm, pkt, sizeof(pkt), &len), 0);
		if (!drop)
			CHECK_EQ(mix_playout_put(p, (uint16_t)i, i * 960u, pkt, len, 0, now), 0);
		CHECK_EQ(mix_playout_put(ref, (uint16_t)i, i * 960u, pkt, len, 0, now), 0);
		mix_playout_pull(p, now + 1000, false, out, &info);
		mix_playout_pull(ref, now + 1000, false, want, &info);
		if (i > 20 && rms(want, MIX_FRAME) > 500) {
			/* continuous audio: no frame falls silent (-20 dB), few
			 * lose more than half their level (PLC cannot guess a
			 * syllable that starts in a lost packet) */
			checked++;
			weak += rms(out, MIX_FRAME) < 0.5 * rms(want, MIX_FRAME);
			gone += rms(out, MIX_FRAME) < 0.1 * rms(want, MIX_FRAME);
		}
	}
	mix_playout_stats_get(p, &st);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "lost %llu fec %llu plc %llu underrun %llu weak %u/%u\n",
			(unsigned long long)st.jb.lost, (unsigned long long)st.fec,
			(unsigned long long)st.plc, (unsigned long long)st.jb.underrun, weak, checked);
	CHECK(checked > 200);
	CHECK(st.jb.lost > 20);
	CHECK(st.fec > 10);
	CHECK(st.plc >= 2);
	CHECK_EQ(gone, 0);
	CHECK(weak * 20 <= checked); /* at most 5 % */
	mix_playout_free(p);
	mix_playout_free(ref);
	mix_opus_enc_free(e);
	return 0;
}

static int test_limiter(void)
{
	struct mix_limiter lim;
	static int32_t in[100 * MIX_FRAME];
	static int16_t out[100 * MIX_FRAME];
	size_t i, f, runs = 0;
	int16_t peak = 0;
	double a, h3;

	/* below the threshold: bit-exact */
	mix_limiter_init(&lim);
	for (i = 0; i < MIX_FRAME; i++)
		in[i] = (int32_t)(29000 * sin(2 * TONE_PI * 440 * (double)i / MIX_RATE));
	mix_limit(&lim, in, out, MIX_FRAME);
	for (i = 0; i < MIX_FRAME; i++)
		CHECK_EQ(out[i], in[i]);
	CHECK_EQ(lim.active, 0);
	/* four full-scale talkers at once (a sum four times too loud) for
	 * 1 s, then one quiet one: no sample reaches full scale, no flat tops,
	 * and the gain comes back */
	for (i = 0; i < 100 * MIX_FRAME; i++) {
		double t = (double)i / MIX_RATE, v = 0;
		int k;

		if (i < 50 * MIX_FRAME)
			for (k = 0; k < 4; k++)
				v += 30000 * sin(2 * TONE_PI * (500 + 170 * k) * t);
		else
			v = 8000 * sin(2 * TONE_PI * 500 * t);
		in[i] = (int32_t)v;
	}
	for (f = 0; f < 100; f++)
		mix_limit(&lim, in + f * MIX_FRAME, out + f * MIX_FRAME, MIX_FRAME);
	for (i = 0; i < 100 * MIX_FRAME; i++) {
		int16_t v = out[i] < 0 ? (int16_t)-out[i] : out[i];
		if (v > peak)
			peak = v;
		/* hard clipping leaves runs of equal extreme samples */
		if (i && v > 29000 && out[i] == out[i - 1])
			runs++;
	}
	CHECK(peak < 32767);
	CHECK(runs < 20);
	CHECK(lim.active > 40);
	/* the last half second: the quiet talker at its level, undistorted */
	a = goertzel_amp(out + 75 * MIX_FRAME, 25 * MIX_FRAME, 500, MIX_RATE);
	h3 = goertzel_amp(out + 75 * MIX_FRAME, 25 * MIX_FRAME, 1500, MIX_RATE);
	CHECK(fabs(db(a / 8000)) < 0.1);
	CHECK(db(h3 / a) < -60);
	/* while limiting, the talkers keep their balance and little distortion */
	a = goertzel_amp(out + 20 * MIX_FRAME, 25 * MIX_FRAME, 500, MIX_RATE);
	h3 = goertzel_amp(out + 20 * MIX_FRAME, 25 * MIX_FRAME, 670, MIX_RATE);
	CHECK(fabs(db(h3 / a)) < 1.0);
	h3 = goertzel_amp(out + 20 * MIX_FRAME, 25 * MIX_FRAME, 1500, MIX_RATE);
	CHECK(db(h3 / a) < -30);
	return 0;
}

static int test_gain(void)
{
	int16_t pcm[MIX_FRAME];
	int32_t out[MIX_FRAME];
	size_t i;

	for (i = 0; i < MIX_FRAME; i++)
		pcm[i] = 10000;
	mix_gain(pcm, out, 1.0f, 1.0f, MIX_FRAME);
	CHECK_EQ(out[500], 10000);
	mix_gain(pcm, out, 0.5f, 0.5f, MIX_FRAME);
	CHECK_EQ(out[500], 5000);
	/* a fade in: from near 0 to the full value, never a step */
	mix_gain(pcm, out, 0.0f, 1.0f, MIX_FRAME);
	CHECK(out[0] < 20);
	CHECK_EQ(out[MIX_FRAME - 1], 10000);
	for (i = 1; i < MIX_FRAME; i++)
		CHECK(out[i] - out[i - 1] <= 11 && out[i] >= out[i - 1]);
	mix_gain(pcm, out, 8.0f, 8.0f, MIX_FRAME);
	CHECK_EQ(out[7], 80000);
	return 0;
}

static const struct test tests[] = {
	{ "jb_in_order", test_jb_in_order },
	{ "jb_reorder_loss_dup", test_jb_reorder_loss_dup },
	{ "jb_dtx", test_jb_dtx },
	{ "jb_adapts", test_jb_adapts },
	{ "jb_bounds", test_jb_bounds },
	{ "jb_wrap_idle_jump", test_jb_wrap_idle_jump },
	{ "opus_tone", test_opus_tone },
	{ "opus_settings", test_opus_settings },
	{ "opus_fec", test_opus_fec },
	{ "opus_copy", test_opus_copy },
	{ "playout_levels", test_playout_levels },
	{ "playout_loss", test_playout_loss },
	{ "limiter", test_limiter },
	{ "gain", test_gain },
};

TEST_MAIN(tests)
