/*
 * bench_mixer.c - participants per core of the mixing engine, and the
 * mouth-to-ear delay it adds, against a naive decode-all, encode-each mix
 * loop measured in the same run.
 *
 * The load: one conference, 3 talkers and N-3 listeners, every one a real
 * participant on its own loopback UDP socket with its own SRTP keys
 * (AEAD_AES_128_GCM, or BENCH_SUITE=AES_CM_128_HMAC_SHA1_80), sending Opus (48 kHz mono, 20 ms, 32 kb/s)
 * in real time from a crowd thread. Talker 0 speaks in bursts (a 3 kHz
 * tone for 200 ms every 500 ms), talkers 1 and 2 hold tones, listeners
 * send background noise at about -60 dBov (continuous, no DTX: the worst
 * case for a mixer that cannot tell noise from speech without decoding).
 *   (a) without audio levels: the mixer decodes every source;
 *   (b) with RFC 6464 levels: it decodes only what the levels call speech.
 *
 * Participants per core = N x 20 ms / (CPU time of the media thread per
 * 20 ms tick): how many participants one core would carry at this load,
 * counting everything the media thread does (receive, SRTP, jitter
 * buffers, decode, mix, encode, SRTP, send, RTCP).
 *
 * The reference runs the same packets through the loop of a mixer that
 * decodes everyone and encodes a private N-1 mix for everyone (Janus
 * AudioBridge, FreeSWITCH mod_conference), with SRTP both ways but no
 * sockets and no jitter buffers (which flatters it).
 *
 * Added delay: the crowd timestamps the packet that starts each burst;
 * a listener (the probe) decodes what the mixer sends it, finds the
 * burst's onset, and uses the kernel's receive timestamp. The onset of
 * the same packets decoded directly (a call without a mixer) is
 * subtracted, so the figure is what the mixer adds: its jitter buffer,
 * the wait for its tick, its work, and one more decode and encode.
 *
 * Environment: BENCH_SECONDS (measurement per case, default 5),
 * BENCH_N_A / BENCH_N_B (participants in cases a and b, default 200 and
 * 400: loads a busy 2-core machine's media thread carries in real time,
 * so that the delay is measured on a mixer that keeps up; participants
 * per core is extrapolated from the CPU time per tick, which is linear in
 * N but for the few encodes, so it errs low), BENCH_N_REF (participants
 * of the reference, default 40), BENCH_SUITE (the SRTP suite). The load
 * average is reported with the figures: on a machine shared with other
 * work every figure, the reference's too, grows with it. No thresholds:
 * it reports, the JSON line last.
 */
#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mix/codec.h"
#include "mix/mixer.h"
#include "mix/rtcp.h"
#include "mix/rtp.h"
#include "mix/srtp.h"

#define PI 3.14159265358979323846
#define CLIP_FRAMES 50         /* 1 s of audio, looped */
#define BURST_PERIOD 25        /* frames: a burst every 500 ms */
#define BURST_FRAMES 10        /* 200 ms long */
#define BURST_FREQ 3000.0
#define BURST_AMP 8000.0
#define BLOCK 120              /* 2.5 ms: the onset detector's resolution */
#define MAX_ONSETS 4096
#define PT 111
#define LEVEL_ID 1
#define WARMUP_S 1.5

enum role { TALK_BURST, TALK_A, TALK_B, LISTEN };

/* The SRTP suite of every participant (BENCH_SUITE; the one the mixer
 * prefers when offered). The program's only setting outside main(). */
static enum mix_srtp_suite bench_suite = MIX_SRTP_AEAD_AES_128_GCM;

struct clip {
	uint8_t pkt[CLIP_FRAMES][MIX_OPUS_MAX_PACKET];
	size_t len[CLIP_FRAMES];
	uint8_t level[CLIP_FRAMES];
	int16_t pcm[CLIP_FRAMES][MIX_FRAME];
};

struct member {
	int fd;
	struct mix_srtp *tx, *rx; /* rx: the probe only */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint32_t id;
	struct sockaddr_storage mix_addr;
	enum role role;
};

struct crowd {
	struct member *m;
	unsigned n;
	bool levels;
	const struct clip *clips; /* by role */
	pthread_t thread;
	atomic_bool stop;
	atomic_bool measuring;
	/* the probe: member 3 */
	struct mix_opus_dec *dec;
	uint64_t onset_sent_ns;   /* realtime of the last burst's first packet */
	bool armed;
	unsigned quiet_blocks;
	double delays_ms[MAX_ONSETS];
	unsigned n_delays;
	double direct_onset_ms;   /* onset within the burst, decoded directly */
	uint64_t rx_packets, tx_packets, tx_errors;
};

static double env_num(const char *name, double def)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (!v || !*v)
		return def;
	d = strtod(v, &end);
	return *end || d <= 0 ? -1 : d;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_until_us(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000u), (long)(t % 1000000u) * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* ---- the audio ---- */

static int make_clip(struct clip *c, enum role r)
{
	struct mix_opus_enc *enc = NULL;
	uint32_t rng = 12345u + (uint32_t)r;
	size_t f, i;
	int err;

	err = mix_opus_enc_alloc(&enc, NULL);
	if (err)
		return err;
	for (f = 0; f < CLIP_FRAMES && !err; f++) {
		for (i = 0; i < MIX_FRAME; i++) {
			double t = (double)(f * MIX_FRAME + i) / MIX_RATE, v = 0;

			switch (r) {
			case TALK_BURST:
				if (f % BURST_PERIOD < BURST_FRAMES)
					v = BURST_AMP * sin(2 * PI * BURST_FREQ * t);
				break;
			case TALK_A:
				v = 6000 * sin(2 * PI * 400 * t);
				break;
			case TALK_B:
				v = 6000 * sin(2 * PI * 700 * t);
				break;
			case LISTEN:
				rng = rng * 1664525u + 1013904223u;
				v = ((double)(rng >> 16) / 65536.0 - 0.5) * 110; /* ~-60 dBov */
				break;
			}
			c->pcm[f][i] = (int16_t)lrint(v);
		}
		c->level[f] = mix_level_of(c->pcm[f], MIX_FRAME);
		err = mix_opus_enc_encode(enc, c->pcm[f], c->pkt[f], sizeof(c->pkt[f]), &c->len[f]);
		if (!err && c->len[f] == 0)
			err = -EIO; /* no DTX here */
	}
	mix_opus_enc_free(enc);
	return err;
}

static double goertzel(const int16_t *x, size_t n, double f)
{
	double w = 2 * PI * f / MIX_RATE, c = 2 * cos(w), s1 = 0, s2 = 0, re, im;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	re = s1 - s2 * cos(w);
	im = s2 * sin(w);
	return 2 * sqrt(re * re + im * im) / (double)n;
}

/*
 * The onset detector: a burst starts in the first 2.5 ms block whose 3 kHz
 * amplitude passes a third of the burst's, after 100 ms below a tenth.
 * Returns the block's index in pcm, or -1.
 */
static int onset(bool *armed, unsigned *quiet, const int16_t *pcm)
{
	int b, found = -1;

	for (b = 0; b < MIX_FRAME / BLOCK; b++) {
		double a = goertzel(pcm + b * BLOCK, BLOCK, BURST_FREQ);

		if (a < BURST_AMP / 10) {
			if (++*quiet >= 40)
				*armed = true;
		} else {
			*quiet = 0;
		}
		if (*armed && a > BURST_AMP / 3 && found < 0) {
			*armed = false;
			found = b;
		}
	}
	return found;
}

/* Where the onset is when the burst's packets are decoded directly. */
static int direct_onset(const struct clip *c, double *ms)
{
	struct mix_opus_dec *d = NULL;
	int16_t pcm[MIX_OPUS_MAX_SAMPLES];
	bool armed = false;
	unsigned quiet = 0, loop, f;
	int err = mix_opus_dec_alloc(&d);

	if (err)
		return err;
	*ms = -1;
	for (loop = 0; loop < 2; loop++) {
		for (f = 0; f < CLIP_FRAMES; f++) {
			int n = mix_opus_dec_decode(d, c->pkt[f], c->len[f], pcm, MIX_OPUS_MAX_SAMPLES), b;

			if (n != MIX_FRAME) {
				err = -EIO;
				goto out;
			}
			b = onset(&armed, &quiet, pcm);
			if (b >= 0 && loop == 1 && *ms < 0)
				*ms = (double)((f % BURST_PERIOD) * MIX_FRAME + (unsigned)b * BLOCK) *
				      1000.0 / MIX_RATE;
		}
	}
	err = *ms < 0 ? -EIO : 0;
out:
	mix_opus_dec_free(d);
	return err;
}

/* ---- the crowd ---- */

static int member_send(struct crowd *c, struct member *m, unsigned frame)
{
	const struct clip *cl = &c->clips[m->role > LISTEN ? LISTEN : m->role];
	unsigned f = frame % CLIP_FRAMES;
	uint8_t buf[MIX_OPUS_MAX_PACKET + 64], lb;
	struct mix_rtp h;
	struct mix_rtp_ext e;
	size_t len;
	int err;

	memset(&h, 0, sizeof(h));
	h.pt = PT;
	h.seq = m->seq++;
	h.ts = m->ts;
	m->ts += MIX_FRAME;
	h.ssrc = m->ssrc;
	h.payload = cl->pkt[f];
	h.payload_len = cl->len[f];
	if (c->levels)
		mix_rtp_level_ext(&e, &lb, LEVEL_ID, cl->level[f] <= 50, cl->level[f]);
	err = mix_rtp_encode(buf, sizeof(buf) - MIX_SRTP_OVERHEAD, &h, &e, c->levels ? 1 : 0, &len);
	if (!err)
		err = mix_srtp_protect(m->tx, buf, &len, sizeof(buf));
	if (err)
		return err;
	if (m->role == TALK_BURST && f % BURST_PERIOD == 0)
		c->onset_sent_ns = realtime_ns();
	if (sendto(m->fd, buf, len, 0, (const struct sockaddr *)&m->mix_addr,
		   m->mix_addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						   : sizeof(struct sockaddr_in)) < 0)
		c->tx_errors++;
	else
		c->tx_packets++;
	return 0;
}

/* The probe: decode what the mixer sends, find each burst's onset. */
static void probe_recv(struct crowd *c, struct member *m)
{
	uint8_t buf[2048];
	char ctrl[256];

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg;
		struct cmsghdr *cm;
		struct mix_rtp h;
		uint64_t arr_ns = 0;
		int16_t pcm[MIX_OPUS_MAX_SAMPLES];
		size_t len;
		ssize_t n;
		int got, b;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctrl;
		msg.msg_controllen = sizeof(ctrl);
		n = recvmsg(m->fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			return;
		c->rx_packets++;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				arr_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			}
		}
		len = (size_t)n;
		if (mix_rtcp_is(buf, len) || mix_srtp_unprotect(m->rx, buf, &len) ||
		    mix_rtp_decode(&h, buf, len))
			continue;
		got = mix_opus_dec_decode(c->dec, h.payload, h.payload_len, pcm, MIX_OPUS_MAX_SAMPLES);
		if (got != MIX_FRAME)
			continue;
		b = onset(&c->armed, &c->quiet_blocks, pcm);
		if (b >= 0 && arr_ns && c->onset_sent_ns && atomic_load(&c->measuring) &&
		    c->n_delays < MAX_ONSETS) {
			double d = (double)(int64_t)(arr_ns - c->onset_sent_ns) / 1e6 +
				   (double)((unsigned)b * BLOCK) * 1000.0 / MIX_RATE - c->direct_onset_ms;

			if (d > -20 && d < 500)
				c->delays_ms[c->n_delays++] = d;
		}
	}
}

static void *crowd_run(void *arg)
{
	struct crowd *c = arg;
	uint64_t t = mix_now_us();
	unsigned frame = 0, i;
	uint8_t buf[2048];

	pthread_setname_np(pthread_self(), "crowd");
	while (!atomic_load(&c->stop)) {
		t += 20000;
		sleep_until_us(t);
		for (i = 0; i < c->n; i++)
			if (member_send(c, &c->m[i], frame))
				c->tx_errors++;
		for (i = 0; i < c->n; i++) {
			if (i == LISTEN) {
				probe_recv(c, &c->m[i]);
				continue;
			}
			while (recv(c->m[i].fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				c->rx_packets++;
		}
		frame++;
	}
	return NULL;
}

static void crowd_free(struct crowd *c)
{
	unsigned i;

	for (i = 0; c->m && i < c->n; i++) {
		if (c->m[i].fd >= 0)
			close(c->m[i].fd);
		mix_srtp_free(c->m[i].tx);
		mix_srtp_free(c->m[i].rx);
	}
	free(c->m);
	mix_opus_dec_free(c->dec);
	c->m = NULL;
}

/* Adds n members to the crowd and to mixer mx. */
static int crowd_join(struct crowd *c, struct mixer *mx, unsigned n)
{
	unsigned i;
	int err = 0;

	c->m = calloc(n, sizeof(*c->m));
	if (!c->m)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		c->m[i].fd = -1;
	c->n = n;
	for (i = 0; i < n && !err; i++) {
		struct member *m = &c->m[i];
		struct sockaddr_in sa = { .sin_family = AF_INET };
		struct sockaddr_storage local;
		socklen_t sl = sizeof(local);
		struct mix_sdes up, down;
		struct mixer_part_cfg pc;
		int one = 1;

		m->role = i < LISTEN ? (enum role)i : LISTEN;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		m->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (m->fd < 0 || bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    getsockname(m->fd, (struct sockaddr *)&local, &sl))
			return -errno;
		if (i == LISTEN)
			setsockopt(m->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
		err = mix_sdes_generate(&up, 1, bench_suite);
		if (!err)
			err = mix_sdes_generate(&down, 1, bench_suite);
		if (!err)
			err = mix_srtp_from_sdes(&m->tx, &up, MIX_SRTP_TX);
		if (!err && i == LISTEN)
			err = mix_srtp_from_sdes(&m->rx, &down, MIX_SRTP_RX);
		if (!err) {
			mixer_part_cfg_default(&pc);
			pc.name = i < LISTEN ? "talker" : "listener";
			pc.remote = local;
			pc.rx_key = &up;
			pc.tx_key = &down;
			pc.level_ext_id = c->levels ? LEVEL_ID : 0;
			m->ssrc = 0x10000u + i;
			pc.remote_ssrc = m->ssrc;
			err = mixer_part_add(mx, &pc, &m->id, &m->mix_addr);
		}
		mix_sdes_wipe(&up);
		mix_sdes_wipe(&down);
		m->seq = (uint16_t)(i * 7919u);
		m->ts = i * 104729u;
	}
	return err;
}

/* ---- the engine under load ---- */

struct result {
	unsigned n;
	double cpu_us_per_tick, ppc, cpu_us_per_part;
	uint64_t ticks, ticks_late, ticks_skipped, decoded, skipped, enc_private, enc_shared;
	uint64_t sent, received, drops;
	double delay_med, delay_p95;
	unsigned onsets;
	unsigned jb_target_ms;        /* the mixer's jitter buffer for talker 0, at the end */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void quiet_log(void *arg, enum mix_log_level l, const char *line)
{
	(void)arg;
	if (l <= MIX_LOG_ERR)
		fprintf(stderr, "bench_mixer: %s\n", line);
}

static int run_case(const struct clip *clips, double direct_ms, bool levels, unsigned n,
		    double seconds, struct result *r)
{
	struct crowd *c = calloc(1, sizeof(*c));
	struct mixer *mx = NULL;
	struct mixer_cfg cfg;
	struct mixer_stats s0, s1;
	uint64_t t;
	int err;

	if (!c)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->n = n;
	c->levels = levels;
	c->clips = clips;
	c->direct_onset_ms = direct_ms;
	atomic_init(&c->stop, false);
	atomic_init(&c->measuring, false);
	mixer_cfg_default(&cfg);
	cfg.name = levels ? "bench-b" : "bench-a";
	cfg.log = quiet_log;
	cfg.log_level = MIX_LOG_ERR;
	cfg.max_participants = n + 16;
	err = mixer_alloc(&mx, &cfg);
	if (!err)
		err = mix_opus_dec_alloc(&c->dec);
	if (!err)
		err = crowd_join(c, mx, n);
	if (!err)
		err = -pthread_create(&c->thread, NULL, crowd_run, c);
	if (err)
		goto out;
	t = mix_now_us();
	sleep_until_us(t + (uint64_t)(WARMUP_S * 1e6));
	mixer_stats(mx, &s0);
	atomic_store(&c->measuring, true);
	sleep_until_us(t + (uint64_t)((WARMUP_S + seconds) * 1e6));
	mixer_stats(mx, &s1);
	{
		struct mixer_part_stats ps;

		if (mixer_part_stats(mx, c->m[TALK_BURST].id, &ps) == 0)
			r->jb_target_ms = ps.play.jb.target_ms;
	}
	atomic_store(&c->measuring, false);
	atomic_store(&c->stop, true);
	pthread_join(c->thread, NULL);

	r->ticks = s1.ticks - s0.ticks;
	r->cpu_us_per_tick = r->ticks ? (double)(s1.cpu_us - s0.cpu_us) / (double)r->ticks : 0;
	r->ppc = r->cpu_us_per_tick > 0 ? n * 20000.0 / r->cpu_us_per_tick : 0;
	r->cpu_us_per_part = r->cpu_us_per_tick / n;
	r->ticks_late = s1.ticks_late - s0.ticks_late;
	r->ticks_skipped = s1.ticks_skipped - s0.ticks_skipped;
	r->decoded = s1.decoded - s0.decoded;
	r->skipped = s1.skipped - s0.skipped;
	r->enc_private = s1.enc_private - s0.enc_private;
	r->enc_shared = s1.enc_shared - s0.enc_shared;
	r->sent = s1.tx_packets - s0.tx_packets;
	r->received = s1.rx_packets - s0.rx_packets;
	r->drops = s1.drop_malformed + s1.drop_auth + s1.drop_replay + s1.drop_src + s1.drop_ssrc +
		   s1.drop_flood + s1.drop_oversize + s1.drop_pt;
	r->onsets = c->n_delays;
	if (c->n_delays) {
		qsort(c->delays_ms, c->n_delays, sizeof(double), cmp_double);
		r->delay_med = c->delays_ms[c->n_delays / 2];
		r->delay_p95 = c->delays_ms[(c->n_delays * 95) / 100 < c->n_delays
						    ? (c->n_delays * 95) / 100 : c->n_delays - 1];
	}
out:
	mixer_free(mx);
	crowd_free(c);
	free(c);
	return err;
}

/* ---- the reference: decode everyone, encode a private mix for everyone ---- */

struct naive_part {
	struct mix_srtp *send, *rx, *tx, *sink; /* the participant's, then the mixer's */
	struct mix_opus_dec *dec;
	struct mix_opus_enc *enc;
	int16_t pcm[MIX_FRAME];
	uint8_t pkt[MIX_OPUS_MAX_PACKET + 64];
	size_t len;
	uint16_t seq, oseq;
};

static int naive_run(const struct clip *clips, unsigned n, unsigned ticks, double *cpu_per_tick)
{
	struct naive_part *p = calloc(n, sizeof(*p));
	static int32_t sum[MIX_FRAME];
	static int16_t out[MIX_FRAME];
	uint64_t cpu = 0;
	unsigned i, t;
	int err = 0;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		struct mix_sdes up, down;

		err = mix_sdes_generate(&up, 1, bench_suite);
		if (!err)
			err = mix_sdes_generate(&down, 1, bench_suite);
		if (!err)
			err = mix_srtp_from_sdes(&p[i].send, &up, MIX_SRTP_TX);
		if (!err)
			err = mix_srtp_from_sdes(&p[i].rx, &up, MIX_SRTP_RX);
		if (!err)
			err = mix_srtp_from_sdes(&p[i].tx, &down, MIX_SRTP_TX);
		if (!err)
			err = mix_opus_dec_alloc(&p[i].dec);
		if (!err)
			err = mix_opus_enc_alloc(&p[i].enc, NULL);
		mix_sdes_wipe(&up);
		mix_sdes_wipe(&down);
	}
	for (t = 0; t < ticks && !err; t++) {
		uint64_t c0;

		/* the participants send (not timed) */
		for (i = 0; i < n && !err; i++) {
			const struct clip *cl = &clips[i < LISTEN ? i : LISTEN];
			struct mix_rtp h;

			memset(&h, 0, sizeof(h));
			h.pt = PT;
			h.seq = p[i].seq++;
			h.ts = t * MIX_FRAME;
			h.ssrc = 0x20000u + i;
			h.payload = cl->pkt[t % CLIP_FRAMES];
			h.payload_len = cl->len[t % CLIP_FRAMES];
			err = mix_rtp_encode(p[i].pkt, sizeof(p[i].pkt) - MIX_SRTP_OVERHEAD, &h, NULL, 0,
					     &p[i].len);
			if (!err)
				err = mix_srtp_protect(p[i].send, p[i].pkt, &p[i].len, sizeof(p[i].pkt));
		}
		/* the mixer (timed) */
		c0 = thread_cpu_us();
		memset(sum, 0, sizeof(sum));
		for (i = 0; i < n && !err; i++) {
			struct mix_rtp h;
			size_t k;

			err = mix_srtp_unprotect(p[i].rx, p[i].pkt, &p[i].len);
			if (!err)
				err = mix_rtp_decode(&h, p[i].pkt, p[i].len);
			if (!err && mix_opus_dec_decode(p[i].dec, h.payload, h.payload_len, p[i].pcm,
							MIX_FRAME) != MIX_FRAME)
				err = -EIO;
			for (k = 0; k < MIX_FRAME; k++)
				sum[k] += p[i].pcm[k];
		}
		for (i = 0; i < n && !err; i++) {
			uint8_t enc[MIX_OPUS_MAX_PACKET];
			struct mix_rtp h;
			size_t k, elen;

			for (k = 0; k < MIX_FRAME; k++) {
				int32_t v = sum[k] - p[i].pcm[k];
				out[k] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
			}
			err = mix_opus_enc_encode(p[i].enc, out, enc, sizeof(enc), &elen);
			memset(&h, 0, sizeof(h));
			h.pt = PT;
			h.seq = p[i].oseq++;
			h.ts = t * MIX_FRAME;
			h.ssrc = 0x30000u + i;
			h.payload = enc;
			h.payload_len = elen;
			if (!err)
				err = mix_rtp_encode(p[i].pkt, sizeof(p[i].pkt) - MIX_SRTP_OVERHEAD, &h,
						     NULL, 0, &p[i].len);
			if (!err)
				err = mix_srtp_protect(p[i].tx, p[i].pkt, &p[i].len, sizeof(p[i].pkt));
		}
		cpu += thread_cpu_us() - c0;
	}
	*cpu_per_tick = (double)cpu / ticks;
	for (i = 0; i < n; i++) {
		mix_srtp_free(p[i].send);
		mix_srtp_free(p[i].rx);
		mix_srtp_free(p[i].tx);
		mix_opus_dec_free(p[i].dec);
		mix_opus_enc_free(p[i].enc);
	}
	free(p);
	return err;
}

/*
 * What SRTP alone costs the mixer per participant and tick (one unprotect,
 * one protect, each with its own context, n of them in turn): the ceiling
 * the SRTP library sets on participants per core, whatever the mixer does.
 */
static int srtp_floor(const struct clip *cl, unsigned n, unsigned ticks, double *cpu_per_tick)
{
	struct mix_srtp **ctx = calloc(3 * (size_t)n, sizeof(*ctx));
	uint8_t buf[MIX_OPUS_MAX_PACKET + 64];
	uint64_t cpu = 0;
	unsigned i, t;
	int err = 0;

	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		struct mix_sdes up, down;

		err = mix_sdes_generate(&up, 1, bench_suite);
		if (!err)
			err = mix_sdes_generate(&down, 1, bench_suite);
		if (!err)
			err = mix_srtp_from_sdes(&ctx[3 * i], &up, MIX_SRTP_TX);
		if (!err)
			err = mix_srtp_from_sdes(&ctx[3 * i + 1], &up, MIX_SRTP_RX);
		if (!err)
			err = mix_srtp_from_sdes(&ctx[3 * i + 2], &down, MIX_SRTP_TX);
		mix_sdes_wipe(&up);
		mix_sdes_wipe(&down);
	}
	for (t = 0; t < ticks && !err; t++) {
		for (i = 0; i < n && !err; i++) {
			struct mix_rtp h;
			size_t len;
			uint64_t c0;

			memset(&h, 0, sizeof(h));
			h.pt = PT;
			h.seq = (uint16_t)t;
			h.ts = t * MIX_FRAME;
			h.ssrc = 0x40000u + i;
			h.payload = cl->pkt[t % CLIP_FRAMES];
			h.payload_len = cl->len[t % CLIP_FRAMES];
			err = mix_rtp_encode(buf, sizeof(buf) - MIX_SRTP_OVERHEAD, &h, NULL, 0, &len);
			if (!err)
				err = mix_srtp_protect(ctx[3 * i], buf, &len, sizeof(buf));
			c0 = thread_cpu_us();
			if (!err)
				err = mix_srtp_unprotect(ctx[3 * i + 1], buf, &len);
			if (!err)
				err = mix_srtp_protect(ctx[3 * i + 2], buf, &len, sizeof(buf));
			cpu += thread_cpu_us() - c0;
		}
	}
	*cpu_per_tick = (double)cpu / ticks;
	for (i = 0; i < 3 * n; i++)
		mix_srtp_free(ctx[i]);
	free(ctx);
	return err;
}

static void raise_fd_limit(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need + 64) {
		rl.rlim_cur = rl.rlim_max < need + 64 ? rl.rlim_max : need + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void print_case(const char *name, const struct result *r)
{
	printf("%-22s %5u %9.0f %8.2f %10.0f %6llu/%-5llu %9llu %9llu %6.1f %6.1f %4u %4u\n", name, r->n,
	       r->cpu_us_per_tick, r->cpu_us_per_part, r->ppc,
	       (unsigned long long)r->ticks_late, (unsigned long long)r->ticks_skipped,
	       (unsigned long long)r->decoded, (unsigned long long)r->skipped, r->delay_med,
	       r->delay_p95, r->onsets, r->jb_target_ms);
}

static void json_case(const char *key, const struct result *r)
{
	printf(",\"%s\":{\"participants\":%u,\"cpu_us_per_tick\":%.1f,"
	       "\"cpu_us_per_participant_per_frame\":%.3f,\"cpu_pct_per_participant\":%.4f,"
	       "\"participants_per_core\":%.0f,\"ticks\":%llu,\"ticks_late\":%llu,"
	       "\"ticks_skipped\":%llu,\"decoded\":%llu,\"not_decoded\":%llu,"
	       "\"private_encodes\":%llu,\"shared_encodes\":%llu,\"rx_packets\":%llu,"
	       "\"tx_packets\":%llu,\"drops\":%llu,\"onsets\":%u,"
	       "\"added_delay_ms_median\":%.1f,\"added_delay_ms_p95\":%.1f,\"jitter_buffer_ms\":%u}",
	       key, r->n, r->cpu_us_per_tick, r->cpu_us_per_part, r->cpu_us_per_part / 200.0,
	       r->ppc, (unsigned long long)r->ticks, (unsigned long long)r->ticks_late,
	       (unsigned long long)r->ticks_skipped, (unsigned long long)r->decoded,
	       (unsigned long long)r->skipped, (unsigned long long)r->enc_private,
	       (unsigned long long)r->enc_shared, (unsigned long long)r->received,
	       (unsigned long long)r->sent, (unsigned long long)r->drops, r->onsets, r->delay_med,
	       r->delay_p95, r->jb_target_ms);
}

int main(int argc, char **argv)
{
	static struct clip clips[4];
	double seconds = env_num("BENCH_SECONDS", 5), na = env_num("BENCH_N_A", 200),
	       nb = env_num("BENCH_N_B", 400), nref = env_num("BENCH_N_REF", 40);
	double direct_ms, naive_tick, naive_ppc, srtp_tick, load;
	struct result a, b;
	unsigned ref_ticks;
	int err = 0, i;

	(void)argv;
	if (argc > 1 || seconds <= 0 || seconds > 600 || na < 4 || nb < 4 || nref < 4 ||
	    na > 5000 || nb > 5000 || nref > 2000) {
		fprintf(stderr, "usage: [BENCH_SECONDS=s] [BENCH_N_A=n] [BENCH_N_B=n] "
			"[BENCH_N_REF=n] bench_mixer\n"
			"  participants per core of the mixer with 3 talkers, (a) without and "
			"(b) with RFC 6464 levels, against a naive mixer; the added delay\n");
		return 2;
	}
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
	fprintf(stderr, "bench_mixer: warning: unoptimized or sanitized build, figures are not "
		"representative\n");
#endif
	if (getenv("BENCH_SUITE")) {
		bench_suite = mix_srtp_suite_from_name(getenv("BENCH_SUITE"),
						       strlen(getenv("BENCH_SUITE")));
		if (bench_suite == MIX_SRTP_NONE) {
			fprintf(stderr, "bench_mixer: unknown BENCH_SUITE\n");
			return 2;
		}
	}
	raise_fd_limit(2 * (unsigned)(na > nb ? na : nb) + 64);
	for (i = 0; i < 4 && !err; i++)
		err = make_clip(&clips[i], (enum role)i);
	if (!err)
		err = direct_onset(&clips[TALK_BURST], &direct_ms);
	if (err) {
		fprintf(stderr, "bench_mixer: preparing the audio failed: %s\n", strerror(-err));
		return 1;
	}
	ref_ticks = (unsigned)(seconds * 10) + 5;
	err = naive_run(clips, (unsigned)nref, ref_ticks, &naive_tick);
	if (err) {
		fprintf(stderr, "bench_mixer: the reference failed: %s\n", strerror(-err));
		return 1;
	}
	naive_ppc = nref * 20000.0 / naive_tick;
	err = srtp_floor(&clips[LISTEN], (unsigned)nb, 20, &srtp_tick);
	if (err) {
		fprintf(stderr, "bench_mixer: the SRTP measurement failed: %s\n", strerror(-err));
		return 1;
	}
	err = run_case(clips, direct_ms, false, (unsigned)na, seconds, &a);
	if (!err)
		err = run_case(clips, direct_ms, true, (unsigned)nb, seconds, &b);
	if (err) {
		fprintf(stderr, "bench_mixer: %s\n", strerror(-err));
		return 1;
	}
	printf("mixer: one conference, 3 talkers, 48 kHz mono Opus 32 kb/s, SRTP %s (AES and HMAC "
	       "by %s), loopback UDP; %g s per case\n", mix_srtp_suite_name(bench_suite),
	       mix_srtp_crypto(), seconds);
	printf("%-22s %5s %9s %8s %10s %12s %9s %9s %6s %6s %4s %4s\n", "case", "N", "us/tick",
	       "us/part", "part/core", "late/skip", "decoded", "skipped", "dly50", "dly95", "ons", "jb");
	printf("%-22s %5u %9.0f %8.2f %10.0f\n", "naive decode+encode all", (unsigned)nref,
	       naive_tick, naive_tick / nref, naive_ppc);
	printf("%-22s %5u %9.0f %8.2f %10.0f   (SRTP in and out only: the ceiling)\n",
	       "SRTP alone", (unsigned)nb, srtp_tick, srtp_tick / nb, nb * 20000.0 / srtp_tick);
	print_case("(a) no levels", &a);
	print_case("(b) RFC 6464 levels", &b);
	if (getloadavg(&load, 1) != 1)
		load = -1;
	printf("(a) %.1fx and (b) %.1fx the naive mixer's participants per core; "
	       "direct-call onset %.1f ms; load average %.2f\n", a.ppc / naive_ppc,
	       b.ppc / naive_ppc, direct_ms, load);
	printf("\n{\"bench\":\"mixer\",\"seconds\":%g,\"build\":\"%s\",\"talkers\":3,"
	       "\"srtp\":\"%s\",\"srtp_crypto\":\"%s\","
	       "\"reference\":{\"name\":\"naive decode-all encode-each\",\"participants\":%u,"
	       "\"cpu_us_per_tick\":%.1f,\"participants_per_core\":%.0f}",
	       seconds, CHORUS_BENCH_BUILD, mix_srtp_suite_name(bench_suite), mix_srtp_crypto(),
	       (unsigned)nref,
	       naive_tick, naive_ppc);
	printf(",\"srtp_alone\":{\"participants\":%u,\"cpu_us_per_participant_per_frame\":%.3f,"
	       "\"participants_per_core\":%.0f}",
	       (unsigned)nb, srtp_tick / nb, nb * 20000.0 / srtp_tick);
	json_case("a_no_levels", &a);
	json_case("b_levels", &b);
	printf(",\"loadavg\":%.2f,\"a_vs_reference\":%.2f,\"b_vs_reference\":%.2f,"
	       "\"goals\":{\"a_participants_per_core\":350,\"b_participants_per_core\":1000,"
	       "\"added_delay_ms\":60}}\n",
	       load, a.ppc / naive_ppc, b.ppc / naive_ppc);
	return 0;
}
