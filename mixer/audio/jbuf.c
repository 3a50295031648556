/*
 * jbuf.c - the adaptive jitter buffer (mix/jbuf.h)
 *
 * Packets sit in an array sorted by extended sequence number (at most
 * max_packets, so insertion is a short memmove). Each keeps its payload in
 * a buffer of its own that grows as needed and is recycled, so a running
 * buffer does not allocate.
 *
 * Timing: transit = arrival (in RTP units, from a reference) - timestamp.
 * Its minimum and maximum are kept per block of BLOCK_PKTS packets over
 * N_BLOCKS blocks; base = the minimum, jitter = maximum - minimum, target
 * = jitter + a margin, within [min_delay, max_delay].
 */
#include <stdlib.h>
#include <string.h>

#include "mix/jbuf.h"

#define BLOCK_PKTS 25
#define N_BLOCKS 8
#define MARGIN_MS 10
#define IDLE_FRAMES_MIN 10
#define EXCESS_FRAMES 100 /* 2 s of too much delay: drop even a loud frame */

struct slot {
	uint32_t eseq;
	uint32_t ts;
	uint32_t samples;
	uint32_t meta;
	uint8_t *data;
	size_t len;
	size_t cap;
};

struct block {
	int64_t min, max;
	unsigned count;
};

struct mix_jbuf {
	unsigned rate, frame, min_delay, max_delay, max_packets; /* delays in samples */
	size_t max_payload;
	struct slot *s;            /* sorted by eseq; max_packets of them */
	unsigned n;
	struct slot hold;          /* the packet last handed out */
	bool have_seq;
	uint32_t max_eseq;
	/* playout */
	bool started;
	uint32_t play_ts;
	uint32_t last_eseq;        /* last sequence number played or declared lost */
	uint32_t last_dur;
	unsigned underruns;
	unsigned excess;           /* consecutive frames played with too much delay */
	/* timing */
	bool have_ref;
	uint64_t ref_us;
	uint32_t ref_ts;
	struct block blk[N_BLOCKS];
	unsigned blk_i;
	unsigned blk_used;
	int64_t base;
	uint32_t jitter, target;
	struct mix_jbuf_stats st;
};

static uint32_t ms_to(const struct mix_jbuf *jb, unsigned ms)
{
	return (uint32_t)((uint64_t)ms * jb->rate / 1000u);
}

int mix_jbuf_alloc(struct mix_jbuf **jp, const struct mix_jbuf_cfg *cfg)
{
	struct mix_jbuf *jb;
	struct mix_jbuf_cfg c = { 0 };

	if (!jp)
		return -EINVAL;
	if (cfg)
		c = *cfg;
	if (!c.clock_rate)
		c.clock_rate = 48000;
	if (!c.frame)
		c.frame = c.clock_rate / 50;
	if (!c.max_delay_ms)
		c.max_delay_ms = 200;
	if (!c.min_delay_ms)
		c.min_delay_ms = 10;
	if (!c.max_packets)
		c.max_packets = 64;
	if (!c.max_payload)
		c.max_payload = 1500;
	if (c.clock_rate > 192000 || c.frame > c.clock_rate || c.min_delay_ms > c.max_delay_ms ||
	    c.max_delay_ms > 10000 || c.max_packets < 2 || c.max_packets > 4096 ||
	    c.max_payload > 65536)
		return -EINVAL;
	jb = calloc(1, sizeof(*jb));
	if (!jb)
		return -ENOMEM;
	jb->s = calloc(c.max_packets, sizeof(*jb->s));
	if (!jb->s) {
		free(jb);
		return -ENOMEM;
	}
	jb->rate = c.clock_rate;
	jb->frame = c.frame;
	jb->min_delay = ms_to(jb, c.min_delay_ms);
	jb->max_delay = ms_to(jb, c.max_delay_ms);
	jb->max_packets = c.max_packets;
	jb->max_payload = c.max_payload;
	mix_jbuf_reset(jb);
	*jp = jb;
	return 0;
}

void mix_jbuf_free(struct mix_jbuf *jb)
{
	unsigned i;

	if (!jb)
		return;
	for (i = 0; i < jb->max_packets; i++)
		free(jb->s[i].data);
	free(jb->hold.data);
	free(jb->s);
	free(jb);
}

static void reset_timing(struct mix_jbuf *jb)
{
	jb->have_ref = false;
	memset(jb->blk, 0, sizeof(jb->blk));
	jb->blk_i = 0;
	jb->blk_used = 0;
	jb->base = 0;
	jb->jitter = 0;
	jb->target = jb->min_delay;
}

static void reset_play(struct mix_jbuf *jb)
{
	unsigned i;

	for (i = 0; i < jb->n; i++)
		jb->s[i].len = 0;
	jb->n = 0;
	jb->started = false;
	jb->underruns = 0;
	jb->excess = 0;
	jb->last_dur = jb->frame;
}

void mix_jbuf_reset(struct mix_jbuf *jb)
{
	reset_play(jb);
	reset_timing(jb);
	jb->have_seq = false;
}

/* Arrival time in RTP units from the reference, minus the timestamp's offset. */
static int64_t transit_of(const struct mix_jbuf *jb, uint32_t ts, uint64_t now_us)
{
	int64_t a = (int64_t)((now_us - jb->ref_us) * jb->rate / 1000000u);

	return a - (int32_t)(ts - jb->ref_ts);
}

static void learn(struct mix_jbuf *jb, uint32_t ts, uint64_t arrival_us)
{
	struct block *b;
	int64_t t, lo, hi;
	unsigned i, n;
	uint32_t target;

	if (!jb->have_ref) {
		jb->have_ref = true;
		jb->ref_us = arrival_us;
		jb->ref_ts = ts;
	}
	t = transit_of(jb, ts, arrival_us);
	b = &jb->blk[jb->blk_i];
	if (b->count == 0 || t < b->min)
		b->min = t;
	if (b->count == 0 || t > b->max)
		b->max = t;
	if (++b->count >= BLOCK_PKTS) {
		jb->blk_i = (jb->blk_i + 1) % N_BLOCKS;
		jb->blk[jb->blk_i].count = 0;
	}
	if (jb->blk_used < N_BLOCKS && b->count == 1)
		jb->blk_used++;
	n = jb->blk_used;
	lo = INT64_MAX;
	hi = INT64_MIN;
	for (i = 0; i < N_BLOCKS && n; i++) {
		if (!jb->blk[i].count)
			continue;
		if (jb->blk[i].min < lo)
			lo = jb->blk[i].min;
		if (jb->blk[i].max > hi)
			hi = jb->blk[i].max;
	}
	jb->base = lo;
	jb->jitter = hi - lo > (int64_t)jb->max_delay ? jb->max_delay : (uint32_t)(hi - lo);
	target = jb->jitter + ms_to(jb, MARGIN_MS);
	if (target < jb->min_delay)
		target = jb->min_delay;
	if (target > jb->max_delay)
		target = jb->max_delay;
	jb->target = target;
}

/* Index of the first slot with eseq >= e. */
static unsigned find(const struct mix_jbuf *jb, uint32_t e)
{
	unsigned lo = 0, hi = jb->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if ((int32_t)(jb->s[mid].eseq - e) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Removes slot i, keeping its buffer for reuse at the end of the array. */
static void remove_at(struct mix_jbuf *jb, unsigned i)
{
	struct slot t = jb->s[i];

	memmove(&jb->s[i], &jb->s[i + 1], (jb->n - i - 1) * sizeof(jb->s[0]));
	jb->n--;
	t.len = 0;
	jb->s[jb->n] = t;
}

int mix_jbuf_put(struct mix_jbuf *jb, uint16_t seq, uint32_t ts, uint32_t samples,
		 const uint8_t *data, size_t len, uint32_t meta, uint64_t arrival_us)
{
	struct slot *sl, t;
	uint32_t e;
	unsigned i;
	bool late = false;

	if (!jb || (len && !data) || samples == 0 || samples > jb->rate)
		return -EINVAL;
	if (len > jb->max_payload) {
		jb->st.too_big++;
		return -EMSGSIZE;
	}
	if (!jb->have_seq) {
		jb->have_seq = true;
		jb->max_eseq = (1u << 20) | seq; /* room to go back without wrapping */
	}
	e = jb->max_eseq + (uint32_t)(int32_t)(int16_t)(seq - (uint16_t)jb->max_eseq);
	if (jb->started) {
		int32_t behind = (int32_t)(jb->play_ts - (ts + samples));

		if ((int32_t)(e - jb->last_eseq) > 0 && behind > (int32_t)(2 * jb->max_delay)) {
			/* newer, yet far in the past: the sender's clock jumped back */
			jb->st.resync++;
			reset_play(jb);
			reset_timing(jb);
		} else if ((int32_t)(e - jb->last_eseq) <= 0 || behind >= 0) {
			late = true;
		}
	}
	if (jb->have_ref && jb->blk_used && (int32_t)(e - jb->max_eseq) > 0) {
		int64_t dt = transit_of(jb, ts, arrival_us) - jb->base;

		if (dt > (int64_t)(4 * jb->max_delay) || dt < -(int64_t)(4 * jb->max_delay)) {
			/* a new timeline (the sender restarted its clock, or a long
			 * stall): what was learnt no longer applies */
			jb->st.resync++;
			reset_play(jb);
			reset_timing(jb);
			late = false;
		}
	}
	if ((int32_t)(e - jb->max_eseq) > 0)
		jb->max_eseq = e;
	i = find(jb, e);
	if (i < jb->n && jb->s[i].eseq == e) {
		jb->st.dup++;
		return -EALREADY;
	}
	/* Late packets teach the timing too: they are why the target grows. */
	learn(jb, ts, arrival_us);
	if (late) {
		jb->st.late++;
		return -ETIME;
	}
	if (jb->n == jb->max_packets) {
		if (i == 0) {
			jb->st.overflow++;
			return -ENOBUFS;
		}
		remove_at(jb, 0);
		jb->st.overflow++;
		i--;
	}
	/* take the spare slot at the end, then move it into place */
	t = jb->s[jb->n];
	if (t.cap < len || !t.data) {
		size_t cap = len < 256 ? 256 : len;
		uint8_t *p = realloc(t.data, cap);

		if (!p)
			return -ENOMEM;
		t.data = p;
		t.cap = cap;
	}
	memmove(&jb->s[i + 1], &jb->s[i], (jb->n - i) * sizeof(jb->s[0]));
	jb->n++;
	sl = &jb->s[i];
	*sl = t;
	sl->eseq = e;
	sl->ts = ts;
	sl->samples = samples;
	sl->meta = meta;
	if (len)
		memcpy(sl->data, data, len);
	sl->len = len;
	jb->st.put++;
	return 0;
}

/* Hands slot 0 out: its buffer becomes the held one. */
static void hand_out(struct mix_jbuf *jb, struct mix_jbuf_frame *f)
{
	struct slot s0 = jb->s[0], old = jb->hold;

	memmove(&jb->s[0], &jb->s[1], (jb->n - 1) * sizeof(jb->s[0]));
	jb->n--;
	old.len = 0;
	jb->s[jb->n] = old; /* the previously held buffer is the new spare */
	jb->hold = s0;
	f->kind = MIX_JB_PACKET;
	f->samples = s0.samples;
	f->ts = s0.ts;
	f->seq = (uint16_t)s0.eseq;
	f->data = jb->hold.data;
	f->len = jb->hold.len;
	f->meta = s0.meta;
	jb->play_ts = s0.ts + s0.samples;
	jb->last_eseq = s0.eseq;
	jb->last_dur = s0.samples;
	jb->underruns = 0;
	jb->st.played++;
}

void mix_jbuf_get(struct mix_jbuf *jb, uint64_t now_us, struct mix_jbuf_frame *f)
{
	int64_t desired, lag;
	unsigned idle = jb->max_delay / jb->frame;

	memset(f, 0, sizeof(*f));
	f->kind = MIX_JB_EMPTY;
	f->samples = jb->frame;
	if (idle < IDLE_FRAMES_MIN)
		idle = IDLE_FRAMES_MIN;
	if (!jb->have_ref)
		return;
	/* where the clock says we should be playing */
	desired = (int64_t)((now_us - jb->ref_us) * jb->rate / 1000000u) - jb->base - jb->target;
	if (!jb->started) {
		if (jb->n == 0 || desired < (int32_t)(jb->s[0].ts - jb->ref_ts))
			return;
		jb->started = true;
		jb->play_ts = jb->s[0].ts;
		jb->last_eseq = jb->s[0].eseq - 1;
		jb->underruns = 0;
	}
	lag = desired - (int32_t)(jb->play_ts - jb->ref_ts);
	f->ts = jb->play_ts;
	for (;;) {
		struct slot *p = jb->n ? &jb->s[0] : NULL;
		int32_t gap;

		if (!p) {
			/* nothing in time: conceal in place; idle after a while */
			if (++jb->underruns > idle) {
				jb->started = false;
				jb->st.resync++;
				return;
			}
			f->kind = MIX_JB_UNDERRUN;
			jb->st.underrun++;
			return;
		}
		gap = (int32_t)(p->ts - jb->play_ts);
		if (gap <= 0) {
			/* Too much delay: drop a silent packet; any after a while, or
			 * when far too much. */
			bool over = lag > (int64_t)(jb->frame + jb->frame / 2);

			jb->excess = over ? jb->excess + 1 : 0;
			if (jb->n > 1 && over &&
			    ((p->meta & MIX_JBUF_META_SILENT) || lag > (int64_t)(4 * jb->frame) ||
			     jb->excess > EXCESS_FRAMES)) {
				jb->play_ts = p->ts + p->samples;
				jb->last_eseq = p->eseq;
				lag -= p->samples;
				remove_at(jb, 0);
				jb->st.skipped++;
				jb->excess = 0;
				continue;
			}
			hand_out(jb, f);
			return;
		}
		if (gap > (int32_t)(2 * jb->max_delay)) {
			/* a timestamp jump forward: start again from that packet */
			jb->st.resync++;
			jb->play_ts = p->ts;
			jb->last_eseq = p->eseq - 1;
			lag = 0;
			continue;
		}
		jb->underruns = 0;
		if (p->eseq == jb->last_eseq + 1) {
			/* consecutive sequence numbers: the sender's DTX */
			uint32_t n = (uint32_t)gap < jb->frame ? (uint32_t)gap : jb->frame;

			if (lag > (int64_t)jb->frame && (uint32_t)gap > n) {
				/* shorten the silence to give back delay */
				uint32_t extra = (uint32_t)gap - n;
				if ((int64_t)extra > lag - jb->frame)
					extra = (uint32_t)(lag - jb->frame);
				jb->play_ts += extra;
			}
			f->kind = MIX_JB_DTX;
			f->samples = n;
			f->ts = jb->play_ts;
			jb->play_ts += n;
			jb->st.dtx++;
			return;
		}
		/* a packet is missing */
		f->kind = MIX_JB_LOST;
		f->samples = (uint32_t)gap < jb->last_dur ? (uint32_t)gap : jb->last_dur;
		f->ts = jb->play_ts;
		if (p->ts == jb->play_ts + f->samples) {
			f->next = p->data;
			f->next_len = p->len;
			f->next_meta = p->meta;
		}
		jb->play_ts += f->samples;
		jb->last_eseq++;
		jb->st.lost++;
		return;
	}
}

bool mix_jbuf_peek(const struct mix_jbuf *jb, uint32_t *meta, uint32_t *next_meta, bool *has_next)
{
	if (!jb->n)
		return false;
	*meta = jb->s[0].meta;
	*has_next = jb->n > 1;
	*next_meta = jb->n > 1 ? jb->s[1].meta : 0;
	return true;
}

void mix_jbuf_stats_get(const struct mix_jbuf *jb, struct mix_jbuf_stats *st)
{
	*st = jb->st;
	st->target_ms = (unsigned)((uint64_t)jb->target * 1000u / jb->rate);
	st->jitter_ms = (unsigned)((uint64_t)jb->jitter * 1000u / jb->rate);
	st->buffered = jb->n;
}
