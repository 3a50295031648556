/*
 * chorus-wire - look at RELOAD bytes: build a sample of every message type,
 * print them decoded, write them into a pcap for tshark, seed fuzzers,
 * decode a message from a file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcap.h"
#include "relo/frame.h"
#include "relo/print.h"
#include "samples.h"

static void usage(FILE *f)
{
	fputs("usage: chorus-wire demo\n"
	      "       chorus-wire samples --pcap FILE [--udp] [--port N] [--expect FILE]\n"
	      "       chorus-wire corpus DIR\n"
	      "       chorus-wire decode [--framed] FILE\n"
	      "\n"
	      "demo     encode one message of every RELOAD type, decode it again, print it\n"
	      "samples  write every sample, framed, as TCP (default) or UDP packets on\n"
	      "         port 6084 into a pcap file for tshark; --expect writes the fields\n"
	      "         tshark should show (frame, field, value per line)\n"
	      "corpus   write the samples as fuzzing seeds into DIR/{msg,frame,stored}\n"
	      "decode   decode a binary RELOAD message (or framed message) and print it\n",
	      f);
}

static int load_samples(struct sample_set *set)
{
	int err = samples_build(set);

	if (err)
		fprintf(stderr, "chorus-wire: building samples failed: %s\n", strerror(-err));
	return err;
}

/* Decodes, prints and re-encodes one message; 0 if the bytes round-trip. */
static int show(const struct relo_wirecfg *cfg, const char *name, const uint8_t *buf, size_t len,
		bool print)
{
	struct relo_arena *a;
	struct relo_msg m;
	struct relo_wr w;
	int err;

	err = relo_arena_alloc(&a, 0, 0);
	if (err)
		return err;
	err = relo_msg_decode(cfg, a, buf, len, &m);
	if (err) {
		fprintf(stderr, "%s: does not decode: %s\n", name, strerror(-err));
		goto out;
	}
	if (print)
		relo_msg_print(stdout, cfg, &m);
	relo_wr_init_dyn(&w, 0);
	err = relo_msg_encode(cfg, &m, &w);
	if (!err && (w.len != len || memcmp(w.buf, buf, len) != 0))
		err = -EPROTO;
	if (err)
		fprintf(stderr, "%s: re-encoding differs: %s\n", name, strerror(-err));
	relo_wr_free(&w);
out:
	relo_arena_free(a);
	return err;
}

struct frag_demo {
	struct relo_reasm *r;
	uint8_t *out;
	size_t len;
	unsigned n;
};

static int reassemble_frag(const uint8_t *frag, size_t len, void *arg)
{
	struct frag_demo *d = arg;

	d->n++;
	return relo_reasm_add(d->r, frag, len, d->n, &d->out, &d->len);
}

/* The link layer: the start of a framed Ping on the wire, then the largest
 * sample fragmented for a 1280-byte MTU and reassembled. */
static int demo_frames(const struct sample_set *set)
{
	struct frag_demo d = { NULL, NULL, 0, 0 };
	const struct sample *big = &set->s[0], *ping = NULL;
	struct relo_wr w;
	size_t i;
	int err;

	for (i = 0; i < set->n; i++) {
		if (set->s[i].len > big->len)
			big = &set->s[i];
		if (!ping && set->s[i].code == RELO_PING_REQ)
			ping = &set->s[i];
	}
	relo_wr_init_dyn(&w, 0);
	relo_frame_write_data(&w, 7, relo_bytes_of(ping->bytes, ping->len));
	printf("\nA Ping request framed for a TLS link (data frame, sequence 7), first 48 "
	       "bytes:\n");
	for (i = 0; i < 48 && i < w.len; i++)
		printf("%s%02x%s", i % 16 ? " " : "  ", w.buf[i], i % 16 == 15 ? "\n" : "");
	relo_wr_free(&w);
	err = relo_reasm_alloc(&d.r, &set->cfg, NULL);
	if (err)
		return err;
	err = relo_frag_split(&set->cfg, big->bytes, big->len, 1280, reassemble_frag, &d);
	if (!err && (!d.out || d.len != big->len || memcmp(d.out, big->bytes, big->len)))
		err = -EPROTO;
	printf("%s (%zu bytes) split into %u fragments for a 1280-byte MTU and reassembled: %s\n",
	       big->name, big->len, d.n, err ? strerror(-err) : "identical");
	free(d.out);
	relo_reasm_free(d.r);
	return err;
}

static int cmd_demo(void)
{
	struct sample_set set;
	size_t i, total = 0, ok = 0;
	int err;

	err = load_samples(&set);
	if (err)
		return 1;
	printf("Chorus RELOAD wire codec: one message of every RFC 6940 type, encoded,\n"
	       "decoded and encoded again (the bytes must not change).\n\n");
	for (i = 0; i < set.n; i++) {
		printf("== %s: %zu bytes\n", set.s[i].name, set.s[i].len);
		if (show(&set.cfg, set.s[i].name, set.s[i].bytes, set.s[i].len, true) == 0)
			ok++;
		total += set.s[i].len;
		putchar('\n');
	}
	printf("%zu of %zu messages round-tripped byte for byte (%zu bytes in all).\n", ok, set.n,
	       total);
	if (demo_frames(&set))
		ok = 0;
	samples_free(&set);
	return ok == set.n ? 0 : 1;
}

struct pcap_job {
	struct pcap_flow flow;
	FILE *expect;
	uint32_t seq[2];
	struct relo_ackwin win[2];
	int err;
};

static void put_expect(struct pcap_job *j, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put_expect(struct pcap_job *j, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!j->expect)
		return;
	fprintf(j->expect, "%u\t%s\t", j->flow.packets, field);
	va_start(ap, fmt);
	vfprintf(j->expect, fmt, ap);
	va_end(ap);
	fputc('\n', j->expect);
}

/* Sends one message framed from dir, and the receiver's ACK frame. */
static int send_framed(struct pcap_job *j, int dir, const uint8_t *msg, size_t len)
{
	struct relo_wr w;
	uint32_t seq = j->seq[dir]++, bits;
	int err;

	relo_wr_init_dyn(&w, 0);
	relo_frame_write_data(&w, seq, relo_bytes_of(msg, len));
	err = w.err ? w.err : pcap_send(&j->flow, dir, w.buf, w.len);
	if (!err)
		put_expect(j, "reload_framing.sequence", "%" PRIu32, seq);
	bits = relo_ackwin_add(&j->win[!dir], seq);
	relo_wr_reset(&w);
	relo_frame_write_ack(&w, seq, bits);
	if (!err)
		err = w.err ? w.err : pcap_send(&j->flow, !dir, w.buf, w.len);
	if (!err) {
		put_expect(j, "reload_framing.ack_sequence", "%" PRIu32, seq);
		put_expect(j, "reload_framing.received", "0x%08" PRIx32, bits);
	}
	relo_wr_free(&w);
	return err;
}

static int frag_cb(const uint8_t *frag, size_t len, void *arg)
{
	struct pcap_job *j = arg;
	return send_framed(j, 0, frag, len);
}

static int cmd_samples(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "udp", no_argument, NULL, 'u' },
		{ "port", required_argument, NULL, 'P' },
		{ "expect", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pcap = NULL, *expect = NULL;
	struct pcap_job j;
	struct sample_set set;
	const struct sample *big = NULL;
	unsigned port = 6084;
	bool tcp = true;
	size_t i;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pcap = optarg; break;
		case 'u': tcp = false; break;
		case 'P': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'e': expect = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (!pcap || !port || port > 65535) {
		usage(stderr);
		return 2;
	}
	if (load_samples(&set))
		return 1;
	memset(&j, 0, sizeof(j));
	relo_ackwin_init(&j.win[0]);
	relo_ackwin_init(&j.win[1]);
	if (expect && !(j.expect = fopen(expect, "w"))) {
		fprintf(stderr, "chorus-wire: %s: %s\n", expect, strerror(errno));
		samples_free(&set);
		return 1;
	}
	err = pcap_open(&j.flow, pcap, tcp, (uint16_t)port);
	for (i = 0; i < set.n && !err; i++) {
		const struct sample *s = &set.s[i];
		int dir = relo_code_is_request(s->code) ? 0 : 1;
		unsigned k, frame = j.flow.packets + 1;

		if (!big || s->len > big->len)
			big = s;
		err = send_framed(&j, dir, s->bytes, s->len);
		if (j.expect) {
			fprintf(j.expect, "%u\t#sample\t%s\n", frame, s->name);
			for (k = 0; k < s->n_expect; k++)
				fprintf(j.expect, "%u\t%s\t%s\n", frame, s->expect[k].field,
					s->expect[k].value);
		}
	}
	/* The largest sample once more, fragmented for a 1280-byte MTU. */
	if (!err && big) {
		err = relo_frag_split(&set.cfg, big->bytes, big->len, 1280, frag_cb, &j);
		if (!err && j.expect) {
			/* tshark shows the reassembled message on the last fragment's frame */
			fprintf(j.expect, "%u\t#sample\t%s (reassembled)\n", j.flow.packets - 1,
				big->name);
			fprintf(j.expect, "%u\treload.message.code\t%u\n", j.flow.packets - 1,
				big->code);
		}
	}
	if (!err)
		err = pcap_close(&j.flow);
	else
		pcap_close(&j.flow);
	if (j.expect && fclose(j.expect) != 0 && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "chorus-wire: writing %s: %s\n", pcap, strerror(-err));
	else
		fprintf(stderr, "chorus-wire: %zu messages in %u packets written to %s\n", set.n,
			j.flow.packets, pcap);
	samples_free(&set);
	return err ? 1 : 0;
}

static int write_file(const char *dir, const char *sub, const char *name, const uint8_t *p,
		      size_t n)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f)
		return -errno;
	ok = fwrite(p, 1, n, f) == n;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -EIO;
}

/* Writes each StoredData of a Store request's body as a stored-data seed:
 * one byte of data model, then the StoredData bytes. */
static int corpus_stored(const struct relo_wirecfg *cfg, const char *dir, const struct sample *s)
{
	struct relo_arena *a;
	struct relo_msg m;
	struct relo_body b;
	struct relo_wr w;
	size_t i, k;
	int err;

	err = relo_arena_alloc(&a, 0, 0);
	if (err)
		return err;
	err = relo_msg_decode(cfg, a, s->bytes, s->len, &m);
	if (!err)
		err = relo_body_decode(cfg, a, m.c.code, m.c.body, &b);
	relo_wr_init_dyn(&w, 0);
	for (k = 0; !err && k < b.u.store_req.n_kinds; k++) {
		for (i = 0; !err && i < b.u.store_req.kinds[k].n_values; i++) {
			const struct relo_stored_data *sd = &b.u.store_req.kinds[k].values[i];
			char name[96];

			relo_wr_reset(&w);
			relo_wr_u8(&w, (uint8_t)sd->value.model);
			relo_stored_data_write(&w, sd);
			snprintf(name, sizeof(name), "%s-%zu-%zu", s->name, k, i);
			err = w.err ? w.err : write_file(dir, "stored", name, w.buf, w.len);
		}
	}
	relo_wr_free(&w);
	relo_arena_free(a);
	return err;
}

static int frame_append(const uint8_t *frag, size_t len, void *arg)
{
	struct relo_wr *w = arg;

	relo_frame_write_data(w, (uint32_t)w->len, relo_bytes_of(frag, len));
	return w->err;
}

static int cmd_corpus(const char *dir)
{
	struct sample_set set;
	const struct sample *big;
	struct relo_wr w;
	size_t i;
	int err;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "chorus-wire: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (load_samples(&set))
		return 1;
	big = &set.s[0];
	relo_wr_init_dyn(&w, 0);
	/* A stream of frames carrying the largest sample in fragments. */
	for (i = 0; i < set.n; i++)
		if (set.s[i].len > big->len)
			big = &set.s[i];
	err = relo_frag_split(&set.cfg, big->bytes, big->len, 1280, frame_append, &w);
	if (!err)
		err = write_file(dir, "frame", "fragmented-stream", w.buf, w.len);
	for (i = 0; i < set.n && !err; i++) {
		const struct sample *s = &set.s[i];

		err = write_file(dir, "msg", s->name, s->bytes, s->len);
		relo_wr_reset(&w);
		relo_frame_write_data(&w, (uint32_t)i, relo_bytes_of(s->bytes, s->len));
		relo_frame_write_ack(&w, (uint32_t)i, 0x5);
		if (!err)
			err = w.err ? w.err : write_file(dir, "frame", s->name, w.buf, w.len);
		if (!err && s->code == RELO_STORE_REQ)
			err = corpus_stored(&set.cfg, dir, s);
	}
	relo_wr_free(&w);
	if (err)
		fprintf(stderr, "chorus-wire: writing the corpus: %s\n", strerror(-err));
	else
		fprintf(stderr, "chorus-wire: %zu samples written to %s\n", set.n, dir);
	samples_free(&set);
	return err ? 1 : 0;
}

static int cmd_decode(int argc, char **argv)
{
	struct relo_wirecfg cfg;
	struct relo_frame fr;
	bool framed = argc > 2 && strcmp(argv[1], "--framed") == 0;
	const char *path = argv[framed ? 2 : 1];
	uint8_t *buf;
	size_t len, used;
	long n;
	FILE *f;
	int err;

	if (argc < 2 || !path) {
		usage(stderr);
		return 2;
	}
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "chorus-wire: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	len = (size_t)n;
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "chorus-wire: %s: read failed\n", path);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	samples_cfg(&cfg);
	cfg.max_msg_size = 0xffffff;
	if (framed) {
		err = relo_frame_decode(buf, len, cfg.max_msg_size, &fr, &used);
		if (err) {
			fprintf(stderr, "chorus-wire: %s: bad frame: %s\n", path, strerror(-err));
			free(buf);
			return 1;
		}
		printf("%s frame, sequence %" PRIu32 "\n", fr.type == RELO_FRAME_DATA ? "data" : "ack",
		       fr.seq);
		if (fr.type == RELO_FRAME_ACK) {
			printf("received 0x%08" PRIx32 "\n", fr.received);
			free(buf);
			return 0;
		}
		err = show(&cfg, path, fr.msg.p, fr.msg.len, true);
	} else {
		err = show(&cfg, path, buf, len, true);
	}
	free(buf);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "demo"))
		return cmd_demo();
	if (!strcmp(argv[1], "samples"))
		return cmd_samples(argc - 1, argv + 1);
	if (!strcmp(argv[1], "corpus") && argc == 3)
		return cmd_corpus(argv[2]);
	if (!strcmp(argv[1], "decode"))
		return cmd_decode(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
