/*
 * lab.h - participants on real sockets for tests of the mixer: each one
 * is an RTP/SRTP endpoint (mix/ep.h) with its own keys, sending a tone of
 * its own (or silence) in real time, 20 ms at a time, and recording what
 * it hears. Mixers and links are joined with fresh SDES keys each way.
 */
#ifndef CHORUS_LAB_H
#define CHORUS_LAB_H

#include <stdlib.h>
#include <time.h>

#include "mix/ep.h"
#include "mix/mixer.h"
#include "mix/rtp.h"
#include "test.h"
#include "tone.h"

#define LAB_MAX 16
#define LAB_AMP 3000.0      /* the usual tone amplitude */
#define LAB_TOL_DB 3.0      /* a tone heard within this of its level */
#define LAB_ABSENT_DB -30.0 /* a tone not heard: this far below its level */

struct lab_opts {
	enum mix_srtp_suite suite;    /* 0: AES_CM_128_HMAC_SHA1_80 */
	bool levels;                  /* RFC 6464 levels, extmap id 1, both ways */
	struct mix_opus_cfg opus;     /* the participant's encoder (bitrate 0: default) */
	struct mix_opus_cfg mix_opus; /* what the mixer encodes for it */
	unsigned tx_loss, rx_loss, tx_reorder, rx_reorder;
	uint32_t ssrc;
};

struct lpeer {
	struct mix_ep *ep;
	struct mixer *m;
	uint32_t id;
	struct tone tone;
	bool talking;
	int16_t *rec;
	size_t frames, cap;
	unsigned rtcp_every;          /* frames between receiver reports; 0: none */
	struct sockaddr_storage mix_addr; /* its socket on the mixer */
};

struct lab {
	struct lpeer p[LAB_MAX];
	unsigned n;
	uint32_t seed;
	struct mixer *mixers[8];      /* freed by lab_free(), first */
	unsigned n_mixers;
	struct mix_ep *extra[4];      /* endpoints a test made itself */
	unsigned n_extra;
	unsigned disturbed;           /* times the lab or a mixer ran > 30 ms late */
	uint64_t late_ticks;          /* the mixers' late ticks, at the last look */
	double absent_db;             /* a tone not heard is below this; 0: LAB_ABSENT_DB */
};

/*
 * The lab of the running test. A test takes it with lab_get(); the runner
 * (lab_retry) frees it after each attempt, failed or not, so a failed
 * check leaks nothing.
 */
static struct lab lab_fx;

static inline struct lab *lab_get(void)
{
	return &lab_fx;
}

static void lab_log(void *arg, enum mix_log_level l, const char *line)
{
	(void)arg;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", mix_log_level_name(l), line);
}

/* A mixer the lab owns (freed by lab_free). */
static inline struct mixer *lab_mixer_cfg(struct lab *l, const char *name, struct mixer_cfg *c)
{
	struct mixer *m = NULL;

	if (l->n_mixers == sizeof(l->mixers) / sizeof(l->mixers[0]))
		return NULL;
	c->name = name;
	c->log = lab_log;
	c->log_level = getenv("TEST_VERBOSE") ? MIX_LOG_DEBUG : MIX_LOG_WARN;
	if (mixer_alloc(&m, c))
		return NULL;
	l->mixers[l->n_mixers++] = m;
	return m;
}

static inline struct mixer *lab_mixer(struct lab *l, const char *name, unsigned max_talkers)
{
	struct mixer_cfg c;

	mixer_cfg_default(&c);
	c.max_talkers = max_talkers;
	return lab_mixer_cfg(l, name, &c);
}

/* The late ticks of every mixer of the lab. */
static inline uint64_t lab_late_ticks(const struct lab *l)
{
	struct mixer_stats st;
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < l->n_mixers; i++)
		if (mixer_stats(l->mixers[i], &st) == 0)
			n += st.ticks_late + st.ticks_skipped;
	return n;
}

/* Joins a participant with a tone of freq Hz, amplitude amp, to mixer m. */
static inline int lab_join(struct lab *l, struct mixer *m, double freq, double amp,
			   const struct lab_opts *o)
{
	struct lab_opts def;
	struct lpeer *p;
	struct mix_sdes ek, mk;
	struct mixer_part_cfg pc;
	struct mix_ep_cfg ec;
	struct sockaddr_storage ep_addr, mix_addr;
	int err;

	if (l->n == LAB_MAX)
		return -ENOSPC;
	if (!o) {
		memset(&def, 0, sizeof(def));
		o = &def;
	}
	p = &l->p[l->n];
	memset(p, 0, sizeof(*p));
	p->m = m;
	p->tone.freq = freq;
	p->tone.amp = amp;
	p->talking = amp > 0;
	err = mix_sdes_generate(&ek, 1, o->suite ? o->suite : MIX_SRTP_AES_CM_128_HMAC_SHA1_80);
	if (!err)
		err = mix_sdes_generate(&mk, 1, o->suite ? o->suite : MIX_SRTP_AES_CM_128_HMAC_SHA1_80);
	if (err)
		return err;
	memset(&ec, 0, sizeof(ec));
	ec.tx_key = &ek;
	ec.rx_key = &mk;
	ec.level_ext_id = o->levels ? 1 : 0;
	ec.opus = o->opus;
	ec.ssrc = o->ssrc;
	ec.tx_loss_pct = o->tx_loss;
	ec.rx_loss_pct = o->rx_loss;
	ec.tx_reorder_pct = o->tx_reorder;
	ec.rx_reorder_pct = o->rx_reorder;
	ec.seed = ++l->seed;
	err = mix_ep_alloc(&p->ep, &ec, &ep_addr);
	if (err)
		goto out;
	mixer_part_cfg_default(&pc);
	pc.name = "p";
	pc.remote = ep_addr;
	pc.rx_key = &ek;
	pc.tx_key = &mk;
	pc.level_ext_id = o->levels ? 1 : 0;
	pc.tx_level_ext_id = o->levels ? 1 : 0;
	if (o->mix_opus.bitrate)
		pc.opus = o->mix_opus;
	err = mixer_part_add(m, &pc, &p->id, &mix_addr);
	if (err)
		goto out;
	p->mix_addr = mix_addr;
	err = mix_ep_remote(p->ep, (const struct sockaddr *)&mix_addr, sizeof(mix_addr));
	if (err)
		goto out;
	l->n++;
out:
	mix_sdes_wipe(&ek);
	mix_sdes_wipe(&mk);
	if (err) {
		mix_ep_free(p->ep);
		p->ep = NULL;
	}
	return err;
}

/* Links two mixers (a focus-to-focus mix link each way). */
static inline int lab_link(struct mixer *a, struct mixer *b, uint32_t *id_a, uint32_t *id_b)
{
	struct mix_sdes ka, kb;
	struct mixer_part_cfg ca, cb;
	struct sockaddr_storage sa, sb;
	int err;

	err = mix_sdes_generate(&ka, 1, MIX_SRTP_AEAD_AES_128_GCM);
	if (!err)
		err = mix_sdes_generate(&kb, 1, MIX_SRTP_AEAD_AES_128_GCM);
	if (err)
		return err;
	mixer_part_cfg_default(&ca);
	ca.name = "link";
	ca.kind = MIX_PART_LINK;
	ca.tx_key = &ka;
	ca.rx_key = &kb;
	ca.level_ext_id = 1;
	ca.tx_level_ext_id = 1;
	ca.opus.bitrate = 64000;
	ca.opus.complexity = 5;
	cb = ca;
	cb.tx_key = &kb;
	cb.rx_key = &ka;
	err = mixer_part_add(a, &ca, id_a, &sa);
	if (!err)
		err = mixer_part_add(b, &cb, id_b, &sb);
	if (!err)
		err = mixer_part_remote(a, *id_a, (const struct sockaddr *)&sb, sizeof(sb));
	if (!err)
		err = mixer_part_remote(b, *id_b, (const struct sockaddr *)&sa, sizeof(sa));
	mix_sdes_wipe(&ka);
	mix_sdes_wipe(&kb);
	return err;
}

static inline void lab_sleep_until(uint64_t t_us)
{
	struct timespec ts = { (time_t)(t_us / 1000000u), (long)(t_us % 1000000u) * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Runs every participant in real time for `frames` frames of 20 ms. */
static inline int lab_run(struct lab *l, unsigned frames)
{
	uint64_t t = mix_now_us();
	int16_t pcm[MIX_FRAME];
	unsigned f, i;

	for (i = 0; i < l->n; i++) {
		struct lpeer *p = &l->p[i];
		size_t need = p->frames + frames;

		if (need > p->cap) {
			int16_t *r = realloc(p->rec, need * MIX_FRAME * sizeof(int16_t));
			if (!r)
				return -ENOMEM;
			p->rec = r;
			p->cap = need;
		}
	}
	l->late_ticks = lab_late_ticks(l);
	for (f = 0; f < frames; f++) {
		t += 20000;
		lab_sleep_until(t);
		if (mix_now_us() > t + 30000)
			l->disturbed++; /* this thread was not scheduled for 30 ms */
		for (i = 0; i < l->n; i++) {
			struct lpeer *p = &l->p[i];

			if (!p->ep)
				continue;
			memset(pcm, 0, sizeof(pcm));
			if (p->talking)
				tone_add(&p->tone, pcm, MIX_FRAME, MIX_RATE);
			if (mix_ep_send(p->ep, pcm))
				return -EIO;
			if (p->rtcp_every && (p->frames + 1) % p->rtcp_every == 0)
				(void)mix_ep_send_rtcp(p->ep);
		}
		for (i = 0; i < l->n; i++) {
			struct lpeer *p = &l->p[i];

			if (!p->ep)
				continue;
			mix_ep_recv(p->ep);
			mix_ep_play(p->ep, mix_now_us(), p->rec + p->frames * MIX_FRAME);
			p->frames++;
		}
	}
	if (lab_late_ticks(l) != l->late_ticks)
		l->disturbed++; /* a mixer's thread was not scheduled for 20 ms */
	return 0;
}

static inline double lab_amp_at(const struct lab *l, unsigned i, double freq, size_t from,
				size_t n);

/* Prints, 100 ms by 100 ms, the level of freq in what participant i heard. */
static inline void lab_trace(const struct lab *l, unsigned i, double freq)
{
	const struct lpeer *p = &l->p[i];
	size_t w;

	fprintf(stderr, "  %u/%.0f Hz:", i, freq);
	for (w = 0; w + 5 <= p->frames; w += 5)
		fprintf(stderr, " %.0f", db(lab_amp_at(l, i, freq, w, 5) / 3000.0));
	fprintf(stderr, "\n");
}

/*
 * Amplitude of freq in frames [from, from + n) of what participant i
 * heard: the power mean of one measurement per 20 ms frame (a jitter
 * buffer that stretches or drops a frame, or concealment, shifts the
 * phase at frame boundaries; a window across them would count that as a
 * loss of level). Test tones are 400 Hz apart: 8 bins of a 20 ms window.
 */
static inline double lab_amp_at(const struct lab *l, unsigned i, double freq, size_t from,
				size_t n)
{
	const struct lpeer *p = &l->p[i];
	double sum = 0;
	size_t f;

	for (f = from; f < from + n && f < p->frames; f++) {
		double a = goertzel_amp(p->rec + f * MIX_FRAME, MIX_FRAME, freq, MIX_RATE);
		sum += a * a;
	}
	return n ? sqrt(sum / (double)n) : 0;
}

/* The same over its last `frames` frames. */
static inline double lab_amp(const struct lab *l, unsigned i, double freq, unsigned frames)
{
	const struct lpeer *p = &l->p[i];

	if (frames > p->frames)
		frames = (unsigned)p->frames;
	return lab_amp_at(l, i, freq, p->frames - frames, frames);
}

/* Participant i hears every talker but itself at its level, and not itself. */
static inline int lab_hears_others(const struct lab *l, unsigned i, unsigned frames)
{
	unsigned j;

	for (j = 0; j < l->n; j++) {
		const struct lpeer *q = &l->p[j];
		double ref = q->tone.amp > 0 ? q->tone.amp : LAB_AMP;
		double a = lab_amp(l, i, q->tone.freq, frames), rel = db(a / ref);

		if (getenv("TEST_VERBOSE"))
			fprintf(stderr, "  %u hears %.0f Hz at %+.1f dB\n", i, q->tone.freq, rel);

		if (j == i || !q->talking) {
			if (rel > (l->absent_db < 0 ? l->absent_db : LAB_ABSENT_DB))
				TEST_FAIL("participant %u hears %.0f Hz (%s) at %.1f dB", i, q->tone.freq,
					  j == i ? "its own tone" : "a silent one", rel);
		} else if (fabs(rel) > LAB_TOL_DB) {
			if (getenv("TEST_VERBOSE"))
				lab_trace(l, i, q->tone.freq);
			TEST_FAIL("participant %u hears %.0f Hz %.1f dB off its level", i,
				  q->tone.freq, rel);
		}
	}
	return 0;
}

/*
 * Continuous audio: every expected tone in every 100 ms window of the last
 * `frames` frames, never below -30 dB (a dropout: silence is -60 dB), and
 * at most one window in five below -10 dB (concealment of a pure tone
 * fades, more so when the machine is busy and packets come late).
 */
static inline int lab_continuous(const struct lab *l, unsigned i, unsigned frames)
{
	const struct lpeer *p = &l->p[i];
	unsigned w, j, weak = 0, windows = 0;

	for (w = 0; w + 5 <= frames; w += 5) {
		for (j = 0; j < l->n; j++) {
			double a, rel;

			if (j == i || !l->p[j].talking || !l->p[j].ep)
				continue;
			a = lab_amp_at(l, i, l->p[j].tone.freq, p->frames - frames + w, 5);
			rel = db(a / l->p[j].tone.amp);
			windows++;
			weak += rel < -10;
			if (rel < -30)
				TEST_FAIL("participant %u: %.0f Hz at %.1f dB in window %u", i,
					  l->p[j].tone.freq, rel, w / 5);
		}
	}
	if (weak * 5 > windows)
		TEST_FAIL("participant %u: %u of %u windows below -10 dB", i, weak, windows);
	return 0;
}

static inline void lab_free(struct lab *l)
{
	unsigned i;

	for (i = 0; i < l->n_mixers; i++)
		mixer_free(l->mixers[i]);
	for (i = 0; i < l->n; i++) {
		mix_ep_free(l->p[i].ep);
		free(l->p[i].rec);
	}
	for (i = 0; i < l->n_extra; i++)
		mix_ep_free(l->extra[i]);
	memset(l, 0, sizeof(*l));
}

/*
 * Runs a real-time test up to three times. These tests check audio, and
 * audio breaks when the machine does not run the test's threads for tens
 * of milliseconds (a loaded CI host, sanitizers): a failed attempt during
 * which the lab or a mixer was that late is tried again; a failure in an
 * attempt that ran on time is a failure.
 */
static inline int lab_retry(int (*fn)(void), const char *name)
{
	unsigned attempt;
	int rc = -1;

	for (attempt = 0; attempt < 3; attempt++) {
		unsigned disturbed;

		memset(&lab_fx, 0, sizeof(lab_fx));
		rc = fn();
		disturbed = lab_fx.disturbed;
		lab_free(&lab_fx);
		if (rc == 0 || !disturbed)
			break;
		fprintf(stderr, "  %s: the machine was too busy (%u late runs): again\n", name,
			disturbed);
	}
	return rc;
}

/* A test table entry that runs fn with lab_retry(). */
#define LAB_TEST(fn)                                                              \
	static int fn##_retry(void)                                               \
	{                                                                         \
		return lab_retry(fn, #fn);                                        \
	}


#endif
