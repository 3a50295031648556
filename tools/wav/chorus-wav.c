/*
 * chorus-wav - plays a WAV file into a call and records what the
 * participant hears to a WAV file; serves a small conference on a mixer
 * for it to call; makes test tones and checks which tones a recording
 * holds. See docs/man/chorus-wav.1.
 *
 *   chorus-wav call --remote ADDR:PORT --tx-crypto LINE --rx-crypto LINE
 *                   [--in FILE.wav] [--out FILE.wav] [--seconds S]
 *                   [--bind ADDR] [--pt N] [--level-id N] [--plain]
 *                   [--loss PCT] [--reorder PCT]
 *   chorus-wav serve [--participants N] [--seconds S] [--bind ADDR]
 *                    [--suite NAME] [--level-id N]
 *   chorus-wav tone --freq HZ [--amp A] [--seconds S] --out FILE.wav
 *   chorus-wav check FILE.wav [--from S] [--to S] [--hears HZ[@DB]]... [--not HZ]...
 *
 * WAV files: 16-bit PCM, mono or stereo (mixed down), any rate (linearly
 * resampled to and from 48 kHz). Recordings are 48 kHz mono.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mix/ep.h"
#include "mix/mixer.h"
#include "mix/rtp.h"
#include "mix/srtp.h"
#include "mix/wav.h"

#define PI 3.14159265358979323846
#define MAX_WAV_SECONDS MIX_WAV_MAX_SECONDS
#define MAX_CHECKS 16

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* ---- helpers ---- */

static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct addrinfo hints, *ai = NULL;
	char host[256];
	const char *colon = strrchr(s, ':');
	size_t hl;

	if (!colon || (hl = (size_t)(colon - s)) == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, cap, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, cap, "[%s]:%u", host, port);
	}
}

static void sleep_until(uint64_t t_us)
{
	struct timespec ts = { (time_t)(t_us / 1000000u), (long)(t_us % 1000000u) * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stopping)
		;
}

static double goertzel_amp(const int16_t *x, size_t n, double f)
{
	double w = 2 * PI * f / MIX_RATE, c = 2 * cos(w), s1 = 0, s2 = 0, re, im, wsum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double win = 0.5 - 0.5 * cos(2 * PI * (double)i / (double)(n - 1)), s0;

		wsum += win;
		s0 = win * x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	re = s1 - s2 * cos(w);
	im = s2 * sin(w);
	return 2 * sqrt(re * re + im * im) / wsum;
}

static const char *arg_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "chorus-wav: %s needs a value\n", argv[*i]);
		exit(2);
	}
	return argv[++*i];
}

static unsigned arg_uint(int argc, char **argv, int *i, unsigned max)
{
	const char *v = arg_value(argc, argv, i);
	char *end;
	unsigned long u = strtoul(v, &end, 10);

	if (*end || u > max) {
		fprintf(stderr, "chorus-wav: %s: %s is not a number up to %u\n", argv[*i - 1], v, max);
		exit(2);
	}
	return (unsigned)u;
}

static double arg_double(int argc, char **argv, int *i)
{
	const char *v = arg_value(argc, argv, i);
	char *end;
	double d = strtod(v, &end);

	if (*end || !isfinite(d)) {
		fprintf(stderr, "chorus-wav: %s: %s is not a number\n", argv[*i - 1], v);
		exit(2);
	}
	return d;
}

/* ---- call ---- */

static int cmd_call(int argc, char **argv)
{
	struct mix_ep_cfg ec;
	struct mix_sdes tx, rx;
	struct mix_ep *ep = NULL;
	struct sockaddr_storage local;
	struct mix_pcm in = { 0 };
	const char *in_path = NULL, *out_path = NULL, *txl = NULL, *rxl = NULL;
	int16_t *rec = NULL, frame[MIX_FRAME];
	double seconds = 0;
	bool plain = false, remote = false;
	size_t frames, f;
	uint64_t t;
	char ab[80];
	int i, err;

	memset(&ec, 0, sizeof(ec));
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--remote")) {
			if (parse_addr(arg_value(argc, argv, &i), &ec.remote)) {
				fprintf(stderr, "chorus-wav: --remote wants ADDR:PORT\n");
				return 2;
			}
			remote = true;
		} else if (!strcmp(argv[i], "--bind")) {
			ec.bind_addr = arg_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "--tx-crypto")) {
			txl = arg_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "--rx-crypto")) {
			rxl = arg_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "--plain")) {
			plain = true;
		} else if (!strcmp(argv[i], "--in")) {
			in_path = arg_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "--out")) {
			out_path = arg_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "--seconds")) {
			seconds = arg_double(argc, argv, &i);
		} else if (!strcmp(argv[i], "--pt")) {
			ec.pt = (uint8_t)arg_uint(argc, argv, &i, 127);
		} else if (!strcmp(argv[i], "--level-id")) {
			ec.level_ext_id = (uint8_t)arg_uint(argc, argv, &i, 14);
		} else if (!strcmp(argv[i], "--loss")) {
			ec.tx_loss_pct = ec.rx_loss_pct = arg_uint(argc, argv, &i, 100);
		} else if (!strcmp(argv[i], "--reorder")) {
			ec.tx_reorder_pct = ec.rx_reorder_pct = arg_uint(argc, argv, &i, 100);
		} else {
			fprintf(stderr, "chorus-wav call: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!remote || (!plain && (!txl || !rxl)) || seconds < 0 || seconds > MAX_WAV_SECONDS) {
		fprintf(stderr, "chorus-wav call: needs --remote, and --tx-crypto and --rx-crypto "
			"(or --plain)\n");
		return 2;
	}
	if (!plain) {
		err = mix_sdes_parse(&tx, txl, strlen(txl));
		if (!err)
			err = mix_sdes_parse(&rx, rxl, strlen(rxl));
		if (err) {
			fprintf(stderr, "chorus-wav: a crypto line: %s\n", strerror(-err));
			goto out;
		}
		ec.tx_key = &tx;
		ec.rx_key = &rx;
	}
	if (in_path) {
		char why[160];
		err = mix_wav_read(in_path, 0, &in, why, sizeof(why));
		if (err) {
			fprintf(stderr, "chorus-wav: %s: %s\n", in_path, why);
			goto out;
		}
	}
	if (seconds == 0)
		seconds = (double)in.n / MIX_RATE + 1.0;
	frames = (size_t)(seconds * 50);
	rec = calloc(frames ? frames : 1, MIX_FRAME * sizeof(int16_t));
	if (!rec) {
		err = -ENOMEM;
		goto out;
	}
	err = mix_ep_alloc(&ep, &ec, &local);
	mix_sdes_wipe(&tx);
	mix_sdes_wipe(&rx);
	if (err) {
		fprintf(stderr, "chorus-wav: the endpoint: %s\n", strerror(-err));
		goto out;
	}
	addr_str(&local, ab, sizeof(ab));
	fprintf(stderr, "chorus-wav: calling from %s for %.1f s\n", ab, seconds);
	t = mix_now_us();
	for (f = 0; f < frames && !stopping; f++) {
		size_t at = f * MIX_FRAME, k;

		for (k = 0; k < MIX_FRAME; k++)
			frame[k] = at + k < in.n ? in.s[at + k] : 0;
		t += 20000;
		sleep_until(t);
		err = mix_ep_send(ep, frame);
		if (err)
			fprintf(stderr, "chorus-wav: send: %s\n", strerror(-err));
		mix_ep_recv(ep);
		mix_ep_play(ep, mix_now_us(), rec + at);
	}
	frames = f;
	{
		struct mix_ep_stats st;

		mix_ep_stats_get(ep, &st);
		fprintf(stderr, "chorus-wav: sent %llu packets, received %llu (%llu refused), "
			"concealed %llu frames\n", (unsigned long long)st.tx_packets,
			(unsigned long long)st.rx_packets, (unsigned long long)st.rx_refused,
			(unsigned long long)(st.play.plc + st.play.fec));
	}
	err = 0;
	if (out_path) {
		err = mix_wav_write(out_path, rec, frames * MIX_FRAME);
		if (err)
			fprintf(stderr, "chorus-wav: %s: %s\n", out_path, strerror(-err));
	}
out:
	mix_sdes_wipe(&tx);
	mix_sdes_wipe(&rx);
	mix_ep_free(ep);
	free(rec);
	mix_pcm_free(&in);
	return err ? 1 : 0;
}

/* ---- serve ---- */

static void serve_log(void *arg, enum mix_log_level l, const char *line)
{
	(void)arg;
	fprintf(stderr, "chorus-wav: [%s] %s\n", mix_log_level_name(l), line);
}

static int cmd_serve(int argc, char **argv)
{
	struct mixer_cfg mc;
	struct mixer *m = NULL;
	enum mix_srtp_suite suite = MIX_SRTP_AES_CM_128_HMAC_SHA1_80;
	unsigned n = 2, k, level_id = 0;
	double seconds = 60;
	const char *bind_addr = "127.0.0.1";
	int i, err = 0;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--participants")) {
			n = arg_uint(argc, argv, &i, 64);
		} else if (!strcmp(argv[i], "--seconds")) {
			seconds = arg_double(argc, argv, &i);
		} else if (!strcmp(argv[i], "--bind")) {
			bind_addr = arg_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "--level-id")) {
			level_id = arg_uint(argc, argv, &i, 14);
		} else if (!strcmp(argv[i], "--suite")) {
			const char *s = arg_value(argc, argv, &i);

			suite = mix_srtp_suite_from_name(s, strlen(s));
			if (suite == MIX_SRTP_NONE) {
				fprintf(stderr, "chorus-wav: unknown suite %s\n", s);
				return 2;
			}
		} else {
			fprintf(stderr, "chorus-wav serve: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (n < 1 || seconds <= 0 || seconds > 86400) {
		fprintf(stderr, "chorus-wav serve: needs 1..64 participants and 0 < seconds\n");
		return 2;
	}
	mixer_cfg_default(&mc);
	mc.name = "wav";
	mc.bind_addr = bind_addr;
	mc.log = serve_log;
	mc.log_level = MIX_LOG_WARN;
	err = mixer_alloc(&m, &mc);
	if (err) {
		fprintf(stderr, "chorus-wav: the mixer: %s\n", strerror(-err));
		return 1;
	}
	/* one line per participant slot: its address on the mixer, then the
	 * crypto line it sends with (--tx-crypto), then the one we send with
	 * (--rx-crypto); the mixer learns its address from its first packet */
	for (k = 0; k < n && !err; k++) {
		struct mix_sdes theirs, ours;
		struct mixer_part_cfg pc;
		struct sockaddr_storage local;
		char a1[200], a2[200], ab[80];
		uint32_t id;

		err = mix_sdes_generate(&theirs, 1, suite);
		if (!err)
			err = mix_sdes_generate(&ours, 1, suite);
		if (err)
			break;
		mixer_part_cfg_default(&pc);
		pc.name = "wav";
		pc.rx_key = &theirs;
		pc.tx_key = &ours;
		pc.level_ext_id = (uint8_t)level_id;
		pc.tx_level_ext_id = (uint8_t)level_id;
		err = mixer_part_add(m, &pc, &id, &local);
		if (!err)
			err = mix_sdes_format(&theirs, a1, sizeof(a1));
		if (!err)
			err = mix_sdes_format(&ours, a2, sizeof(a2));
		mix_sdes_wipe(&theirs);
		mix_sdes_wipe(&ours);
		if (err)
			break;
		addr_str(&local, ab, sizeof(ab));
		printf("participant %u %s %s %s\n", k, ab, a1, a2);
		mix_wipe(a1, sizeof(a1));
		mix_wipe(a2, sizeof(a2));
	}
	fflush(stdout);
	if (err) {
		fprintf(stderr, "chorus-wav: a participant: %s\n", strerror(-err));
	} else {
		uint64_t end = mix_now_us() + (uint64_t)(seconds * 1e6);
		struct mixer_stats st;

		sleep_until(end);
		mixer_stats(m, &st);
		fprintf(stderr, "chorus-wav: %llu ticks, received %llu packets, sent %llu, "
			"%llu private and %llu shared encodes\n", (unsigned long long)st.ticks,
			(unsigned long long)st.rx_packets, (unsigned long long)st.tx_packets,
			(unsigned long long)st.enc_private, (unsigned long long)st.enc_shared);
	}
	mixer_free(m);
	return err ? 1 : 0;
}

/* ---- tone and check ---- */

static int cmd_tone(int argc, char **argv)
{
	double freq = 0, amp = 3000, seconds = 3;
	const char *out = NULL;
	int16_t *s;
	size_t n, k;
	int i, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--freq"))
			freq = arg_double(argc, argv, &i);
		else if (!strcmp(argv[i], "--amp"))
			amp = arg_double(argc, argv, &i);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = arg_double(argc, argv, &i);
		else if (!strcmp(argv[i], "--out"))
			out = arg_value(argc, argv, &i);
		else {
			fprintf(stderr, "chorus-wav tone: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!out || freq <= 0 || freq >= MIX_RATE / 2 || amp < 0 || amp > 32767 || seconds <= 0 ||
	    seconds > MAX_WAV_SECONDS) {
		fprintf(stderr, "chorus-wav tone: needs --freq (Hz), --out, 0 <= amp <= 32767\n");
		return 2;
	}
	n = (size_t)(seconds * MIX_RATE);
	s = malloc(n * sizeof(*s));
	if (!s)
		return 1;
	for (k = 0; k < n; k++)
		s[k] = (int16_t)lrint(amp * sin(2 * PI * freq * (double)k / MIX_RATE));
	err = mix_wav_write(out, s, n);
	free(s);
	if (err)
		fprintf(stderr, "chorus-wav: %s: %s\n", out, strerror(-err));
	return err ? 1 : 0;
}

struct want {
	double freq, db;   /* db: the level wanted, relative to --ref */
	bool present;
};

/*
 * The level of each tone over [from, to), as the power mean of one
 * Goertzel measurement per 20 ms (see tests/unit/lab.h), in dB relative
 * to --ref (default 3000, the default tone amplitude). A tone --hears
 * must be within 3 dB of its level (0 unless given as HZ@DB); a tone
 * --not must be 30 dB below the reference.
 */
static int cmd_check(int argc, char **argv)
{
	struct want w[MAX_CHECKS];
	struct mix_pcm p = { 0 };
	double from = 0, to = -1, ref = 3000;
	const char *path = NULL;
	unsigned nw = 0, k, bad = 0;
	int i, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--from")) {
			from = arg_double(argc, argv, &i);
		} else if (!strcmp(argv[i], "--to")) {
			to = arg_double(argc, argv, &i);
		} else if (!strcmp(argv[i], "--ref")) {
			ref = arg_double(argc, argv, &i);
		} else if (!strcmp(argv[i], "--hears") || !strcmp(argv[i], "--not")) {
			bool present = !strcmp(argv[i], "--hears");
			const char *v = arg_value(argc, argv, &i);
			char *end;

			if (nw == MAX_CHECKS) {
				fprintf(stderr, "chorus-wav check: at most %d tones\n", MAX_CHECKS);
				return 2;
			}
			w[nw].freq = strtod(v, &end);
			w[nw].db = 0;
			if (*end == '@')
				w[nw].db = strtod(end + 1, &end);
			if (*end || w[nw].freq <= 0) {
				fprintf(stderr, "chorus-wav check: %s is not HZ or HZ@DB\n", v);
				return 2;
			}
			w[nw++].present = present;
		} else if (!path && argv[i][0] != '-') {
			path = argv[i];
		} else {
			fprintf(stderr, "chorus-wav check: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!path || ref <= 0) {
		fprintf(stderr, "chorus-wav check: needs a file\n");
		return 2;
	}
	char why[160];
	err = mix_wav_read(path, 0, &p, why, sizeof(why));
	if (err) {
		fprintf(stderr, "chorus-wav: %s: %s\n", path, why);
		return 1;
	}
	{
		size_t a = (size_t)(from * 50), b = to < 0 ? p.n / MIX_FRAME : (size_t)(to * 50), f;

		if (b > p.n / MIX_FRAME)
			b = p.n / MIX_FRAME;
		if (a >= b) {
			fprintf(stderr, "chorus-wav check: nothing between %.2f and %.2f s\n", from, to);
			mix_pcm_free(&p);
			return 1;
		}
		for (k = 0; k < nw; k++) {
			double sum = 0, amp, d;
			bool ok;

			for (f = a; f < b; f++) {
				double x = goertzel_amp(p.s + f * MIX_FRAME, MIX_FRAME, w[k].freq);
				sum += x * x;
			}
			amp = sqrt(sum / (double)(b - a));
			d = 20 * log10(amp > 1e-9 ? amp / ref : 1e-12);
			ok = w[k].present ? fabs(d - w[k].db) <= 3.0 : d < -30.0;
			bad += !ok;
			printf("%8.1f Hz %+7.1f dB %s %s\n", w[k].freq, d,
			       w[k].present ? "want" : "not", ok ? "ok" : "FAIL");
		}
	}
	mix_pcm_free(&p);
	return bad ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: chorus-wav call --remote ADDR:PORT --tx-crypto LINE --rx-crypto LINE\n"
		"                       [--in FILE.wav] [--out FILE.wav] [--seconds S] [--bind ADDR]\n"
		"                       [--pt N] [--level-id N] [--plain] [--loss PCT] [--reorder PCT]\n"
		"       chorus-wav serve [--participants N] [--seconds S] [--bind ADDR] [--suite NAME]\n"
		"                        [--level-id N]\n"
		"       chorus-wav tone --freq HZ [--amp A] [--seconds S] --out FILE.wav\n"
		"       chorus-wav check FILE.wav [--from S] [--to S] [--ref AMP] [--hears HZ[@DB]]...\n"
		"                        [--not HZ]...\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "call"))
		return cmd_call(argc, argv);
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc, argv);
	if (!strcmp(argv[1], "tone"))
		return cmd_tone(argc, argv);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc, argv);
	usage();
	return 2;
}
