/*
 * test_rtp.c - the RTP/RTCP codec (mixer/rtp): fixed vectors built by hand
 * from RFC 3550 5.1/6.4, RFC 8285 and RFC 6464, round trips, every
 * truncation, malformed inputs, and the receive statistics of RFC 3550
 * A.1/A.3/A.8.
 */
#include <math.h>
#include <stdlib.h>

#include "mix/rtcp.h"
#include "mix/rtp.h"
#include "test.h"

/* V=2 M=1 PT=111 seq=0x1234 ts=0xdeadbeef ssrc=0x11223344, 3 payload bytes */
static const uint8_t vec_plain[] = {
	0x80, 0xef, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
	0x01, 0x02, 0x03,
};

/* P X CC=2, one-byte extensions: audio level (id 1, V=1, 42 dBov) and
 * id 3 with 2 bytes, 3 bytes of extension padding; 3 payload bytes and
 * 4 bytes of RTP padding. */
static const uint8_t vec_ext1[] = {
	0xb2, 0x6f, 0x00, 0x01, 0x00, 0x00, 0x09, 0x60, 0xca, 0xfe, 0xba, 0xbe,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x31, 0x01, 0x02, 0x00, 0x00, 0x00,
	0xfc, 0xff, 0xfe,
	0x00, 0x00, 0x00, 0x04,
};

/* Two-byte extensions (appbits 0): id 5 with 0 bytes, id 1 with 1 byte
 * (level, V=0, 127), id 200 with 3 bytes; padding to 12. */
static const uint8_t vec_ext2[] = {
	0x90, 0x6f, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
	0x10, 0x00, 0x00, 0x03, 0x05, 0x00, 0x01, 0x01, 0x7f, 0xc8, 0x03, 0x61,
	0x62, 0x63, 0x00, 0x00,
	0xaa,
};

/* SR with one report block, SDES with a CNAME, BYE with a reason. */
static const uint8_t vec_rtcp[] = {
	0x81, 0xc8, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44,
	0xe8, 0x9d, 0x2a, 0x3b, 0x80, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x3e, 0x80,
	0x55, 0x66, 0x77, 0x88, 0x40, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x10,
	0x00, 0x00, 0x00, 0x20, 0x2a, 0x3b, 0x80, 0x00, 0x00, 0x01, 0x80, 0x00,
	0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
	0x01, 0x05, 'a', '@', 'b', '.', 'c', 0x00,
	0x81, 0xcb, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
	0x04, 'b', 'y', 'e', '!', 0x00, 0x00, 0x00,
};

static int test_rtp_plain(void)
{
	struct mix_rtp h;
	uint8_t out[64];
	size_t len;

	CHECK_EQ(mix_rtp_decode(&h, vec_plain, sizeof(vec_plain)), 0);
	CHECK(h.marker);
	CHECK_EQ(h.pt, 111);
	CHECK_EQ(h.seq, 0x1234);
	CHECK_EQ(h.ts, 0xdeadbeefu);
	CHECK_EQ(h.ssrc, 0x11223344u);
	CHECK_EQ(h.cc, 0);
	CHECK(!h.ext);
	CHECK_EQ(h.payload_len, 3);
	CHECK_EQ(h.payload - vec_plain, 12);
	CHECK_EQ(h.pad, 0);
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, NULL, 0, &len), 0);
	CHECK_EQ(len, sizeof(vec_plain));
	CHECK_MEM(out, vec_plain, len);
	/* too small a buffer */
	CHECK_EQ(mix_rtp_encode(out, 14, &h, NULL, 0, &len), -ENOSPC);
	return 0;
}

static int test_rtp_ext_one_byte(void)
{
	struct mix_rtp h;
	struct mix_rtp_ext e[4], lv;
	uint8_t out[64], lb, level;
	size_t n, len;
	bool vad;

	CHECK_EQ(mix_rtp_decode(&h, vec_ext1, sizeof(vec_ext1)), 0);
	CHECK(!h.marker);
	CHECK_EQ(h.seq, 1);
	CHECK_EQ(h.ts, 2400);
	CHECK_EQ(h.cc, 2);
	CHECK_EQ(h.csrc[0], 1);
	CHECK_EQ(h.csrc[1], 2);
	CHECK(h.ext);
	CHECK_EQ(h.ext_profile, 0xbede);
	CHECK_EQ(h.ext_len, 8);
	CHECK_EQ(h.pad, 4);
	CHECK_EQ(h.payload_len, 3);
	CHECK_EQ(h.payload[0], 0xfc);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 4, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(e[0].id, 1);
	CHECK_EQ(e[0].len, 1);
	CHECK_EQ(e[1].id, 3);
	CHECK_EQ(e[1].len, 2);
	CHECK_EQ(e[1].data[1], 0x02);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 1, &n), -EMSGSIZE);
	CHECK_EQ(mix_rtp_level_get(&h, 1, &vad, &level), 0);
	CHECK(vad);
	CHECK_EQ(level, 42);
	CHECK_EQ(mix_rtp_level_get(&h, 2, &vad, &level), -ENOENT);
	/* id 3 is two bytes long: not an audio level */
	CHECK_EQ(mix_rtp_level_get(&h, 3, &vad, &level), -EBADMSG);

	/* Re-encode from the parsed elements: the same bytes. */
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 4, &n), 0);
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, e, n, &len), 0);
	CHECK_EQ(len, sizeof(vec_ext1));
	CHECK_MEM(out, vec_ext1, len);
	/* and from a level element written by the helper */
	mix_rtp_level_ext(&lv, &lb, 1, true, 42);
	e[0] = lv;
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, e, n, &len), 0);
	CHECK_MEM(out, vec_ext1, len);
	return 0;
}

static int test_rtp_ext_two_byte(void)
{
	struct mix_rtp h;
	struct mix_rtp_ext e[4];
	uint8_t out[64], level;
	size_t n, len;
	bool vad;

	CHECK_EQ(mix_rtp_decode(&h, vec_ext2, sizeof(vec_ext2)), 0);
	CHECK_EQ(h.seq, 0xffff);
	CHECK_EQ(h.ext_profile, 0x1000);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 4, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(e[0].id, 5);
	CHECK_EQ(e[0].len, 0);
	CHECK_EQ(e[2].id, 200);
	CHECK_EQ(e[2].len, 3);
	CHECK_MEM(e[2].data, "abc", 3);
	CHECK_EQ(mix_rtp_level_get(&h, 1, &vad, &level), 0);
	CHECK(!vad);
	CHECK_EQ(level, 127);
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, e, n, &len), 0);
	CHECK_EQ(len, sizeof(vec_ext2));
	CHECK_MEM(out, vec_ext2, len);
	return 0;
}

static int test_rtp_malformed(void)
{
	struct mix_rtp h;
	struct mix_rtp_ext e[16];
	uint8_t b[64];
	size_t i, n;

	/* Every truncation of every vector: an error or a packet within bounds. */
	for (i = 0; i < sizeof(vec_ext1); i++) {
		int err = mix_rtp_decode(&h, vec_ext1, i);
		if (i < 32)
			CHECK_EQ(err, -EBADMSG);
		if (!err) {
			CHECK(h.payload + h.payload_len <= vec_ext1 + i);
		}
	}
	for (i = 0; i < 12; i++)
		CHECK_EQ(mix_rtp_decode(&h, vec_plain, i), -EBADMSG);
	CHECK_EQ(mix_rtp_decode(&h, NULL, 0), -EBADMSG);
	/* version 1 */
	memcpy(b, vec_plain, sizeof(vec_plain));
	b[0] = 0x40;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_plain)), -EBADMSG);
	/* padding count 0, and larger than the payload */
	b[0] = 0xa0;
	b[sizeof(vec_plain) - 1] = 0;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_plain)), -EBADMSG);
	b[sizeof(vec_plain) - 1] = 4;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_plain)), -EBADMSG);
	b[sizeof(vec_plain) - 1] = 3;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_plain)), 0);
	CHECK_EQ(h.payload_len, 0);
	/* CSRC count beyond the packet */
	memcpy(b, vec_plain, sizeof(vec_plain));
	b[0] = 0x8f;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_plain)), -EBADMSG);
	/* extension length beyond the packet */
	memcpy(b, vec_ext1, sizeof(vec_ext1));
	b[23] = 0x09;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_ext1)), -EBADMSG);
	/* one-byte element running past the block */
	memcpy(b, vec_ext1, sizeof(vec_ext1));
	b[26] = 0x3f; /* id 3, 16 bytes */
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_ext1)), 0);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 16, &n), -EBADMSG);
	/* id 0 is padding, a zero byte: with a length it is malformed */
	b[26] = 0x02;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_ext1)), 0);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 16, &n), -EBADMSG);
	/* id 15 stops processing (RFC 8285 4.2) */
	b[26] = 0xf5;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_ext1)), 0);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 16, &n), 0);
	CHECK_EQ(n, 1);
	/* not an RFC 8285 block */
	b[20] = 0x12;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_ext1)), 0);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 16, &n), -ENOTSUP);
	/* two-byte element running past the block */
	memcpy(b, vec_ext2, sizeof(vec_ext2));
	b[22] = 0x09;
	CHECK_EQ(mix_rtp_decode(&h, b, sizeof(vec_ext2)), 0);
	CHECK_EQ(mix_rtp_ext_parse(&h, e, 16, &n), -EBADMSG);
	return 0;
}

static int test_rtp_encode_forms(void)
{
	struct mix_rtp h, d;
	struct mix_rtp_ext e[3], got[3];
	uint8_t out[128], big[20], lb;
	size_t len, n;

	memset(&h, 0, sizeof(h));
	memset(big, 7, sizeof(big));
	h.pt = 96;
	h.seq = 9;
	h.cc = 15;
	h.csrc[14] = 77;
	h.payload = big;
	h.payload_len = 5;
	/* a 17-byte element needs the two-byte form */
	mix_rtp_level_ext(&e[0], &lb, 1, false, 30);
	e[1].id = 2;
	e[1].len = 17;
	e[1].data = big;
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, e, 2, &len), 0);
	CHECK_EQ(mix_rtp_decode(&d, out, len), 0);
	CHECK_EQ(d.cc, 15);
	CHECK_EQ(d.csrc[14], 77);
	CHECK_EQ(d.ext_profile, 0x1000);
	CHECK_EQ(d.ext_len % 4, 0);
	CHECK_EQ(mix_rtp_ext_parse(&d, got, 3, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(got[1].len, 17);
	CHECK_EQ(d.payload_len, 5);
	/* bad arguments */
	h.pt = 128;
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, NULL, 0, &len), -EINVAL);
	h.pt = 0;
	h.cc = 16;
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, NULL, 0, &len), -EINVAL);
	h.cc = 0;
	e[2].id = 0;
	e[2].len = 1;
	e[2].data = big;
	CHECK_EQ(mix_rtp_encode(out, sizeof(out), &h, e, 3, &len), -EINVAL);
	return 0;
}

static int test_level(void)
{
	int16_t pcm[960];
	size_t i;

	memset(pcm, 0, sizeof(pcm));
	CHECK_EQ(mix_level_of(pcm, 960), 127);
	/* full-scale square wave: 0 dBov */
	for (i = 0; i < 960; i++)
		pcm[i] = (i / 24) % 2 ? 32767 : -32767;
	CHECK_EQ(mix_level_of(pcm, 960), 0);
	/* a full-scale sine is 3 dBov, one at -20 dBFS (peak) is 23 dBov */
	for (i = 0; i < 960; i++)
		pcm[i] = (int16_t)lrint(32767.0 * sin(2 * 3.14159265358979 * 1000 * i / 48000.0));
	CHECK_EQ(mix_level_of(pcm, 960), 3);
	for (i = 0; i < 960; i++)
		pcm[i] = (int16_t)lrint(3276.7 * sin(2 * 3.14159265358979 * 1000 * i / 48000.0));
	CHECK_EQ(mix_level_of(pcm, 960), 23);
	return 0;
}

static int test_rtcp_vector(void)
{
	struct mix_rtcp_iter it;
	struct mix_rtcp_pkt p[3];
	uint8_t out[256];
	size_t len;

	CHECK_EQ(mix_rtcp_validate(vec_rtcp, sizeof(vec_rtcp), 0), 0);
	CHECK(mix_rtcp_is(vec_rtcp, sizeof(vec_rtcp)));
	CHECK(!mix_rtcp_is(vec_plain, sizeof(vec_plain)));
	mix_rtcp_iter_init(&it, vec_rtcp, sizeof(vec_rtcp));
	CHECK_EQ(mix_rtcp_next(&it, &p[0]), 1);
	CHECK_EQ(p[0].pt, MIX_RTCP_SR);
	CHECK_EQ(p[0].count, 1);
	CHECK_EQ(p[0].ssrc, 0x11223344u);
	CHECK(p[0].ntp == UINT64_C(0xe89d2a3b80000000));
	CHECK_EQ(p[0].rtp_ts, 123456);
	CHECK_EQ(p[0].pkt_count, 100);
	CHECK_EQ(p[0].octet_count, 16000);
	CHECK_EQ(p[0].rb[0].ssrc, 0x55667788u);
	CHECK_EQ(p[0].rb[0].fraction, 64);
	CHECK_EQ(p[0].rb[0].lost, -2);
	CHECK_EQ(p[0].rb[0].ext_seq, 0x10010);
	CHECK_EQ(p[0].rb[0].jitter, 32);
	CHECK_EQ(p[0].rb[0].lsr, mix_ntp_mid(p[0].ntp));
	CHECK_EQ(p[0].rb[0].dlsr, 0x18000);
	CHECK_EQ(mix_rtcp_next(&it, &p[1]), 1);
	CHECK_EQ(p[1].pt, MIX_RTCP_SDES);
	CHECK_EQ(p[1].chunk[0].ssrc, 0x11223344u);
	CHECK_EQ(p[1].chunk[0].cname_len, 5);
	CHECK_MEM(p[1].chunk[0].cname, "a@b.c", 5);
	CHECK(p[1].chunk[0].name == NULL);
	CHECK_EQ(mix_rtcp_next(&it, &p[2]), 1);
	CHECK_EQ(p[2].pt, MIX_RTCP_BYE);
	CHECK_EQ(p[2].count, 1);
	CHECK_EQ(p[2].src[0], 0x11223344u);
	CHECK_EQ(p[2].reason_len, 4);
	CHECK_MEM(p[2].reason, "bye!", 4);
	CHECK_EQ(mix_rtcp_next(&it, &p[2]), 0);
	CHECK_EQ(mix_rtcp_encode(out, sizeof(out), p, 3, &len), 0);
	CHECK_EQ(len, sizeof(vec_rtcp));
	CHECK_MEM(out, vec_rtcp, len);
	CHECK_EQ(mix_rtcp_encode(out, 60, p, 3, &len), -ENOSPC);
	return 0;
}

static int test_rtcp_malformed(void)
{
	struct mix_rtcp_iter it;
	struct mix_rtcp_pkt p;
	uint8_t b[sizeof(vec_rtcp)];
	size_t i;
	int rc;

	/* every truncation, except at the packet boundaries */
	for (i = 0; i < sizeof(vec_rtcp); i++)
		if (i != 52 && i != 68)
			CHECK_EQ(mix_rtcp_validate(vec_rtcp, i, 0), -EBADMSG);
	CHECK_EQ(mix_rtcp_validate(vec_rtcp, 52, 0), 0);
	/* SDES first: only in a reduced-size compound */
	CHECK_EQ(mix_rtcp_validate(vec_rtcp + 52, sizeof(vec_rtcp) - 52, 0), -EBADMSG);
	CHECK_EQ(mix_rtcp_validate(vec_rtcp + 52, sizeof(vec_rtcp) - 52, MIX_RTCP_REDUCED), 0);
	/* version */
	memcpy(b, vec_rtcp, sizeof(b));
	b[52] = 0x41;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* report count larger than the packet */
	memcpy(b, vec_rtcp, sizeof(b));
	b[0] = 0x82;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* length past the end */
	memcpy(b, vec_rtcp, sizeof(b));
	b[71] = 0x04;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* SDES item running past its packet */
	memcpy(b, vec_rtcp, sizeof(b));
	b[61] = 0x07;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* SDES without its null item */
	memcpy(b, vec_rtcp, sizeof(b));
	b[61] = 0x06;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* padding on a packet that is not the last */
	memcpy(b, vec_rtcp, sizeof(b));
	b[52] = 0xa1;
	b[67] = 0x01;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* a padded last packet is fine: SR, then a BYE with 4 bytes of padding */
	memcpy(b, vec_rtcp, 52);
	memcpy(b + 52, "\xa1\xcb\x00\x02\x11\x22\x33\x44\x00\x00\x00\x04", 12);
	CHECK_EQ(mix_rtcp_validate(b, 64, 0), 0);
	mix_rtcp_iter_init(&it, b + 52, 12);
	CHECK_EQ(mix_rtcp_next(&it, &p), 1);
	CHECK(p.padding);
	CHECK_EQ(p.src[0], 0x11223344u);
	CHECK(p.reason == NULL);
	b[63] = 0x09; /* more padding than the packet holds */
	CHECK_EQ(mix_rtcp_validate(b, 64, 0), -EBADMSG);
	/* BYE reason longer than the packet */
	memcpy(b, vec_rtcp, sizeof(b));
	b[76] = 0x09;
	CHECK_EQ(mix_rtcp_validate(b, sizeof(b), 0), -EBADMSG);
	/* an RTP packet is not RTCP; the error is sticky */
	mix_rtcp_iter_init(&it, vec_plain, sizeof(vec_plain));
	CHECK_EQ(mix_rtcp_next(&it, &p), -EBADMSG);
	CHECK_EQ(mix_rtcp_next(&it, &p), -EBADMSG);
	rc = mix_rtcp_validate(NULL, 0, 0);
	CHECK_EQ(rc, -EBADMSG);
	return 0;
}

static int test_rtcp_types(void)
{
	struct mix_rtcp_pkt in[4], out;
	struct mix_rtcp_iter it;
	static const uint8_t fb[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t buf[2048];
	size_t len;
	unsigned i;

	memset(in, 0, sizeof(in));
	in[0].pt = MIX_RTCP_RR;
	in[0].ssrc = 9;
	in[0].count = MIX_RTCP_MAX_COUNT;
	for (i = 0; i < MIX_RTCP_MAX_COUNT; i++) {
		in[0].rb[i].ssrc = i;
		in[0].rb[i].lost = (int32_t)i * 1000 - 9000000; /* clamps below */
		in[0].rb[i].jitter = i * 3;
	}
	in[1].pt = MIX_RTCP_SDES;
	in[1].count = 2;
	in[1].chunk[0].ssrc = 1;
	in[1].chunk[0].cname = (const uint8_t *)"abcd";
	in[1].chunk[0].cname_len = 4; /* item 6 bytes + null = 7, padded to 8 */
	in[1].chunk[1].ssrc = 2;
	in[1].chunk[1].cname = (const uint8_t *)"x";
	in[1].chunk[1].cname_len = 1;
	in[1].chunk[1].name = (const uint8_t *)"Alice";
	in[1].chunk[1].name_len = 5;
	in[2].pt = MIX_RTCP_APP;
	in[2].count = 3;
	in[2].ssrc = 5;
	memcpy(in[2].name, "CHOR", 4);
	in[2].data = fb;
	in[2].data_len = 8;
	in[3].pt = MIX_RTCP_PSFB;
	in[3].count = 1;
	in[3].data = fb;
	in[3].data_len = 8;
	CHECK_EQ(mix_rtcp_encode(buf, sizeof(buf), in, 4, &len), 0);
	CHECK_EQ(len % 4, 0);
	CHECK_EQ(mix_rtcp_validate(buf, len, 0), 0);
	mix_rtcp_iter_init(&it, buf, len);
	CHECK_EQ(mix_rtcp_next(&it, &out), 1);
	CHECK_EQ(out.count, 31);
	CHECK_EQ(out.rb[0].lost, -0x800000);
	CHECK_EQ(out.rb[30].jitter, 90);
	CHECK_EQ(mix_rtcp_next(&it, &out), 1);
	CHECK_EQ(out.count, 2);
	CHECK_EQ(out.chunk[1].name_len, 5);
	CHECK_MEM(out.chunk[1].name, "Alice", 5);
	CHECK_EQ(out.chunk[1].ssrc, 2);
	CHECK_EQ(mix_rtcp_next(&it, &out), 1);
	CHECK_EQ(out.pt, MIX_RTCP_APP);
	CHECK_EQ(out.count, 3);
	CHECK_MEM(out.name, "CHOR", 4);
	CHECK_EQ(out.data_len, 8);
	CHECK_EQ(mix_rtcp_next(&it, &out), 1);
	CHECK_EQ(out.pt, MIX_RTCP_PSFB);
	CHECK_EQ(out.data_len, 8);
	CHECK_MEM(out.data, fb, 8);
	CHECK_EQ(mix_rtcp_next(&it, &out), 0);
	/* counts and lengths out of range */
	in[0].count = 32;
	CHECK_EQ(mix_rtcp_encode(buf, sizeof(buf), in, 1, &len), -EINVAL);
	in[0].count = 0;
	in[2].data_len = 7;
	CHECK_EQ(mix_rtcp_encode(buf, sizeof(buf), &in[2], 1, &len), -EINVAL);
	return 0;
}

static int test_stats_seq(void)
{
	struct mix_rtp_src s;
	struct mix_rtcp_rb rb;
	uint16_t seq = 65530;
	int i;

	/* in order across the wrap */
	mix_rtp_src_init(&s, 7, seq, 48000, 0);
	for (i = 0; i < 20; i++)
		CHECK_EQ(mix_rtp_src_update(&s, (uint16_t)(seq + i)), 1);
	CHECK_EQ(s.received, 20);
	CHECK_EQ(mix_rtp_src_ext_max(&s), 65536u + 13);
	CHECK_EQ(mix_rtp_src_lost(&s), 0);
	mix_rtp_src_report(&s, &rb);
	CHECK_EQ(rb.fraction, 0);
	CHECK_EQ(rb.ext_seq, 65549);
	/* lose 5 of the next 20: fraction 5/20*256 = 64 */
	for (i = 20; i < 40; i++)
		if (i % 4 != 1)
			CHECK_EQ(mix_rtp_src_update(&s, (uint16_t)(seq + i)), 1);
	mix_rtp_src_report(&s, &rb);
	CHECK_EQ(rb.fraction, 64);
	CHECK_EQ(rb.lost, 5);
	/* two of them arrive late: counted, cumulative loss shrinks */
	CHECK_EQ(mix_rtp_src_update(&s, (uint16_t)(seq + 21)), 1);
	CHECK_EQ(mix_rtp_src_update(&s, (uint16_t)(seq + 25)), 1);
	CHECK_EQ(mix_rtp_src_lost(&s), 3);
	/* duplicates make the loss negative for the interval: fraction 0 */
	CHECK_EQ(mix_rtp_src_update(&s, (uint16_t)(seq + 39)), 1);
	mix_rtp_src_report(&s, &rb);
	CHECK_EQ(rb.fraction, 0);
	CHECK_EQ(rb.lost, 2);
	/* a wild jump is ignored, unless the next packet follows it */
	CHECK_EQ(mix_rtp_src_update(&s, 30000), 0);
	CHECK_EQ(mix_rtp_src_update(&s, 20000), 0);
	CHECK_EQ(mix_rtp_src_update(&s, 20001), 1);
	CHECK_EQ(s.base_seq, 20001);
	CHECK_EQ(mix_rtp_src_lost(&s), 0);
	return 0;
}

static int test_stats_probation(void)
{
	struct mix_rtp_src s;

	mix_rtp_src_init(&s, 1, 100, 48000, 2);
	CHECK_EQ(mix_rtp_src_update(&s, 100), 0);
	CHECK_EQ(mix_rtp_src_update(&s, 101), 1);
	CHECK_EQ(s.received, 1);
	CHECK_EQ(mix_rtp_src_update(&s, 102), 1);
	/* out of sequence while on probation restarts it */
	mix_rtp_src_init(&s, 1, 100, 48000, 2);
	CHECK_EQ(mix_rtp_src_update(&s, 100), 0);
	CHECK_EQ(mix_rtp_src_update(&s, 500), 0);
	CHECK_EQ(mix_rtp_src_update(&s, 501), 1);
	return 0;
}

static int test_stats_jitter(void)
{
	struct mix_rtp_src s;
	uint64_t t = 1000000;
	uint32_t ts = 12345;
	int i;

	/* constant transit: no jitter */
	mix_rtp_src_init(&s, 1, 0, 48000, 0);
	for (i = 0; i < 100; i++)
		mix_rtp_src_jitter(&s, ts + (uint32_t)i * 960, t + (uint64_t)i * 20000);
	CHECK_EQ(mix_rtp_src_jitter_ts(&s), 0);
	/* transit alternating by 2 ms (96 units): J converges to 96 */
	mix_rtp_src_init(&s, 1, 0, 48000, 0);
	for (i = 0; i < 400; i++)
		mix_rtp_src_jitter(&s, ts + (uint32_t)i * 960,
				   t + (uint64_t)i * 20000 + (i % 2 ? 2000 : 0));
	CHECK(mix_rtp_src_jitter_ts(&s) >= 94 && mix_rtp_src_jitter_ts(&s) <= 96);
	/* one step after the first packet: J = 96/16 = 6 */
	mix_rtp_src_init(&s, 1, 0, 48000, 0);
	mix_rtp_src_jitter(&s, ts, t);
	mix_rtp_src_jitter(&s, ts + 960, t + 22000);
	CHECK_EQ(mix_rtp_src_jitter_ts(&s), 6);
	/* the RTP clock wraps */
	mix_rtp_src_init(&s, 1, 0, 48000, 0);
	mix_rtp_src_jitter(&s, 0xffffff00u, t);
	mix_rtp_src_jitter(&s, 0xffffff00u + 960, t + 20000);
	CHECK_EQ(mix_rtp_src_jitter_ts(&s), 0);
	return 0;
}

static const struct test tests[] = {
	{ "rtp_plain", test_rtp_plain },
	{ "rtp_ext_one_byte", test_rtp_ext_one_byte },
	{ "rtp_ext_two_byte", test_rtp_ext_two_byte },
	{ "rtp_malformed", test_rtp_malformed },
	{ "rtp_encode_forms", test_rtp_encode_forms },
	{ "level", test_level },
	{ "rtcp_vector", test_rtcp_vector },
	{ "rtcp_malformed", test_rtcp_malformed },
	{ "rtcp_types", test_rtcp_types },
	{ "stats_seq", test_stats_seq },
	{ "stats_probation", test_stats_probation },
	{ "stats_jitter", test_stats_jitter },
};

TEST_MAIN(tests)
