/*
 * test_sdp - the focus's SDP: decoding real offers, answering them as
 * RFC 3264 says, round trips, and refusing malformed input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "focus/sdp.h"
#include "test.h"

/* An offer as baresip 1.0 makes it with SRTP (mediaenc=srtp) and
 * audio levels, plus a video stream we must refuse. */
static const char baresip_offer[] =
	"v=0\r\n"
	"o=- 1563276163 2398234802 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 1.0.0\r\n"
	"m=audio 10950 RTP/SAVP 111 0 8 101\r\n"
	"b=AS:128\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=fmtp:111 stereo=1;sprop-stereo=1\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendonly\r\n"
	"a=rtcp-mux\r\n"
	"a=ssrc:3927001283 cname:sip:alice@127.0.0.1\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on\r\n"
	"a=ptime:20\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
	"m=video 10952 RTP/SAVP 96\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

/* What SIPp's uac_pcap scenario offers: plain RTP, PCMU only. */
static const char sipp_offer[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 127.0.1.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.1.1\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static int test_decode_offer(void)
{
	struct fsdp *s = calloc(1, sizeof(*s));
	char err[128];
	CHECK(s);
	CHECK_EQ(fsdp_decode(s, baresip_offer, sizeof(baresip_offer) - 1, err, sizeof(err)), 0);
	CHECK_EQ(s->sess_id, 1563276163);
	CHECK_EQ(s->sess_version, 2398234802u);
	CHECK_EQ(s->nmedia, 2);
	const struct fsdp_media *m = &s->media[0];
	CHECK(strcmp(m->type, "audio") == 0);
	CHECK_EQ(m->port, 10950);
	CHECK_EQ(m->proto, FSDP_RTP_SAVP);
	CHECK_EQ(m->nfmt, 4);
	CHECK_EQ(m->fmt[0].pt, 111);
	CHECK(strcmp(m->fmt[0].name, "opus") == 0);
	CHECK_EQ(m->fmt[0].rate, 48000);
	CHECK_EQ(m->fmt[0].channels, 2);
	CHECK(strcmp(m->fmt[0].fmtp, "stereo=1;sprop-stereo=1") == 0);
	CHECK(strcmp(m->fmt[3].fmtp, "0-15") == 0);
	CHECK(strcmp(m->addr, "127.0.0.1") == 0);
	CHECK_EQ(m->family, AF_INET);
	CHECK_EQ(m->dir, FSDP_SENDONLY);
	CHECK(m->rtcp_mux);
	CHECK_EQ(m->ssrc, 3927001283u);
	CHECK_EQ(m->level_ext_id, 1);
	CHECK(m->level_vad);
	CHECK_EQ(m->ptime, 20);
	CHECK_EQ(m->ncrypto, 2);
	CHECK(strncmp(m->crypto[1], "2 AES_CM_128_HMAC_SHA1_32 inline:", 33) == 0);
	CHECK(strcmp(s->media[1].type, "video") == 0);
	CHECK_EQ(s->media[1].dir, FSDP_SENDRECV);

	const struct fsdp_fmt *f = NULL;
	CHECK_EQ(fsdp_audio_pick(s, false, &f), 0);
	CHECK(f == &s->media[0].fmt[0]);

	CHECK_EQ(fsdp_decode(s, sipp_offer, sizeof(sipp_offer) - 1, err, sizeof(err)), 0);
	CHECK_EQ(s->media[0].proto, FSDP_RTP_AVP);
	CHECK_EQ(fsdp_audio_pick(s, true, NULL), -ENOTSUP); /* no Opus */
	free(s);
	return 0;
}

static int test_answer(void)
{
	struct fsdp *offer = calloc(1, sizeof(*offer)), *ans = calloc(1, sizeof(*ans)),
		    *back = calloc(1, sizeof(*back));
	char buf[4096], err[128];
	CHECK(offer && ans && back);
	CHECK_EQ(fsdp_decode(offer, baresip_offer, sizeof(baresip_offer) - 1, err, sizeof(err)), 0);
	struct fsdp_local l = {
		.user = "focus", .sess_id = 42, .sess_version = 1, .addr = "127.0.0.2",
		.port = 30000,
		.crypto = "1 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw",
		.level_ext_id = 1, .dir = FSDP_SENDRECV, .rtcp_mux = true,
	};
	int idx = fsdp_audio_pick(offer, false, NULL);
	CHECK_EQ(idx, 0);
	CHECK_EQ(fsdp_answer(offer, idx, &l, ans), 0);
	int n = fsdp_encode(ans, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_EQ(fsdp_decode(back, buf, (size_t)n, err, sizeof(err)), 0);
	CHECK_EQ(back->nmedia, 2);
	const struct fsdp_media *a = &back->media[0];
	CHECK_EQ(a->port, 30000);
	CHECK_EQ(a->proto, FSDP_RTP_SAVP);
	CHECK_EQ(a->nfmt, 1);
	CHECK_EQ(a->fmt[0].pt, 111);
	CHECK(strcmp(a->fmt[0].name, "opus") == 0);
	CHECK_EQ(a->dir, FSDP_RECVONLY); /* the offer was sendonly */
	CHECK_EQ(a->ncrypto, 1);
	CHECK(strcmp(a->crypto[0], l.crypto) == 0);
	CHECK_EQ(a->level_ext_id, 1);
	CHECK(a->rtcp_mux);
	CHECK(strcmp(a->addr, "127.0.0.2") == 0);
	CHECK_EQ(back->media[1].port, 0); /* video refused */
	CHECK(strcmp(back->media[1].type, "video") == 0);
	CHECK(strcmp(back->media[1].fmt_text, "96") == 0);
	CHECK(strstr(buf, "m=video 0 RTP/SAVP 96\r\n"));

	/* An SRTP offer cannot be answered without a key. */
	l.crypto = NULL;
	CHECK_EQ(fsdp_answer(offer, idx, &l, ans), -EINVAL);
	/* Too small a buffer. */
	CHECK_EQ(fsdp_encode(back, buf, 40), -ENOSPC);
	CHECK_EQ(fsdp_encode(back, buf, 0), -ENOSPC);
	free(offer);
	free(ans);
	free(back);
	return 0;
}

static int test_offer_round_trip(void)
{
	struct fsdp *o = calloc(1, sizeof(*o)), *back = calloc(1, sizeof(*back));
	char buf[2048], buf2[2048], err[128];
	CHECK(o && back);
	struct fsdp_local l = {.sess_id = 7, .sess_version = 9, .addr = "::1", .port = 4000,
			       .pt = 96, .dir = FSDP_SENDRECV};
	CHECK_EQ(fsdp_offer(&l, o), 0);
	int n = fsdp_encode(o, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_EQ(fsdp_decode(back, buf, (size_t)n, err, sizeof(err)), 0);
	CHECK_EQ(back->media[0].family, AF_INET6);
	CHECK_EQ(back->media[0].proto, FSDP_RTP_AVP);
	CHECK_EQ(back->media[0].fmt[0].pt, 96);
	CHECK_EQ(fsdp_audio_pick(back, true, NULL), 0);
	CHECK_EQ(fsdp_audio_pick(back, false, NULL), -ENOTSUP); /* plain RTP not allowed */
	int n2 = fsdp_encode(back, buf2, sizeof(buf2));
	CHECK_EQ(n2, n);
	CHECK_MEM(buf, buf2, (size_t)n);
	free(o);
	free(back);
	return 0;
}

static int expect_bad(const char *text, int want)
{
	struct fsdp *s = calloc(1, sizeof(*s));
	char err[128];
	CHECK(s);
	int ret = fsdp_decode(s, text, strlen(text), err, sizeof(err));
	free(s);
	if (ret != want)
		TEST_FAIL("decoding %.40s...: %d, want %d (%s)", text, ret, want, err);
	CHECK(err[0] != 0);
	return 0;
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"

static int test_malformed(void)
{
	int r = 0;
	r |= expect_bad("", -EBADMSG);
	r |= expect_bad("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\ns=-\r\n", -EBADMSG);
	r |= expect_bad("v=1\r\n", -EBADMSG);
	r |= expect_bad("v=0\r\ns=-\r\n", -EBADMSG);                       /* no o= */
	r |= expect_bad("v=0\r\no=- x 1 IN IP4 a\r\ns=-\r\n", -EBADMSG);
	r |= expect_bad("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 70000 RTP/AVP 0\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP 128\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP x\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP 0\r\na=ptime:x\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP 0\r\na=crypto:\r\n", -EBADMSG);
	r |= expect_bad(HEAD "c=IN IP5 1.2.3.4\r\n", -EBADMSG);
	r |= expect_bad(HEAD "c=XX IP4 1.2.3.4\r\n", -EBADMSG);
	r |= expect_bad(HEAD "m=audio 5000 RTP/AVP 0\r\nx\r\n", -EBADMSG);
	r |= expect_bad(HEAD "A=b\r\n", -EBADMSG);
	r |= expect_bad(HEAD "a=x\x01y\r\n", -EBADMSG);
	r |= expect_bad(HEAD "o=- 1 1 IN IP4 1.2.3.4\r\n", -EBADMSG); /* o= twice */

	/* Limits: nine m-lines, seventeen payload types, a long crypto. */
	char big[20000];
	strcpy(big, HEAD);
	for (int i = 0; i < 9; i++)
		strcat(big, "m=audio 5000 RTP/AVP 0\r\n");
	r |= expect_bad(big, -E2BIG);
	strcpy(big, HEAD "m=audio 5000 RTP/AVP");
	for (int i = 0; i < 17; i++)
		strcat(big, " 1");
	strcat(big, "\r\n");
	r |= expect_bad(big, -E2BIG);
	strcpy(big, HEAD "m=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
	memset(big + strlen(big), 'A', 300);
	big[strlen(HEAD "m=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") + 300] = 0;
	r |= expect_bad(big, -E2BIG);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	r |= expect_bad(big, -E2BIG); /* over FSDP_MAX_LEN */
	return r;
}

/* Every prefix decodes or fails cleanly; what decodes encodes and decodes
 * again to the same bytes. The same for random corruptions. */
static int check_stable(struct fsdp *a, struct fsdp *b, const char *in, size_t n)
{
	char e1[4096], e2[4096];
	int r = fsdp_decode(a, in, n, NULL, 0);
	CHECK(r == 0 || r == -EBADMSG || r == -E2BIG);
	if (r)
		return 0;
	int n1 = fsdp_encode(a, e1, sizeof(e1));
	CHECK(n1 > 0);
	CHECK_EQ(fsdp_decode(b, e1, (size_t)n1, NULL, 0), 0);
	int n2 = fsdp_encode(b, e2, sizeof(e2));
	CHECK_EQ(n2, n1);
	CHECK_MEM(e1, e2, (size_t)n1);
	return 0;
}

static int test_truncations_and_corruptions(void)
{
	struct fsdp *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	CHECK(a && b);
	size_t len = sizeof(baresip_offer) - 1;
	for (size_t n = 0; n <= len; n++)
		if (check_stable(a, b, baresip_offer, n))
			TEST_FAIL("prefix of %zu bytes", n);
	char buf[sizeof(baresip_offer)];
	uint32_t seed = 12345;
	static const char chars[] = " :/=\r\n0123456789amcov-;";
	for (int i = 0; i < 20000; i++) {
		memcpy(buf, baresip_offer, len);
		for (int k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[at] = (seed >> 16) & 1 ? (char)(seed >> 8) :
				  chars[(seed >> 8) % (sizeof(chars) - 1)];
		}
		if (check_stable(a, b, buf, len))
			TEST_FAIL("corruption %d", i);
	}
	free(a);
	free(b);
	return 0;
}

/* How to encode for a receiver, from its Opus a=fmtp (RFC 7587 6.1). */
static int test_opus_fmtp(void)
{
	struct fsdp_fmt f = {.pt = 111, .name = "opus", .rate = 48000, .channels = 2};
	struct mix_opus_cfg c, def;

	mix_opus_cfg_default(&def);
	snprintf(f.fmtp, sizeof(f.fmtp),
		 "maxaveragebitrate=20000; useinbandfec=1;usedtx=1;cbr=1;maxplaybackrate=16000");
	fsdp_opus_cfg(&f, &c);
	CHECK_EQ(c.bitrate, 20000);
	CHECK(c.fec && c.dtx && c.cbr);
	CHECK_EQ(c.max_rate, 16000);
	CHECK_EQ(c.complexity, def.complexity);
	/* the bitrate is a cap: a higher one keeps ours */
	snprintf(f.fmtp, sizeof(f.fmtp), "maxaveragebitrate=64000;stereo=1;sprop-stereo=1");
	fsdp_opus_cfg(&f, &c);
	CHECK(mix_opus_cfg_eq(&c, &def));
	/* out of range, malformed, unknown: ignored */
	snprintf(f.fmtp, sizeof(f.fmtp),
		 "maxaveragebitrate=1000000;maxplaybackrate=4000;useinbandfec=2;usedtx=1x;"
		 "cbr=;x-foo=1;maxplaybackrate");
	fsdp_opus_cfg(&f, &c);
	CHECK(mix_opus_cfg_eq(&c, &def));
	snprintf(f.fmtp, sizeof(f.fmtp), "MAXAVERAGEBITRATE=12000");
	fsdp_opus_cfg(&f, &c);
	CHECK_EQ(c.bitrate, 12000);
	f.fmtp[0] = 0;
	fsdp_opus_cfg(&f, &c);
	CHECK(mix_opus_cfg_eq(&c, &def));
	fsdp_opus_cfg(NULL, &c);
	CHECK(mix_opus_cfg_eq(&c, &def));
	return 0;
}

static const struct test tests[] = {
	{"decode_offer", test_decode_offer},
	{"answer", test_answer},
	{"offer_round_trip", test_offer_round_trip},
	{"malformed", test_malformed},
	{"truncations_and_corruptions", test_truncations_and_corruptions},
	{"opus_fmtp", test_opus_fmtp},
};

TEST_MAIN(tests)
