/*
 * test_srtp.c - SRTP/SRTCP through libsrtp2 (mixer/srtp) and RFC 4568
 * a=crypto lines: the RFC's own examples, malformed lines, keys from
 * OpenSSL's RNG, round trips for every suite, tampered and replayed
 * packets refused and counted.
 */
#include <stdlib.h>

#include "mix/rtcp.h"
#include "mix/rtp.h"
#include "mix/srtp.h"
#include "test.h"

/* RFC 4568 section 4's example, and its key and salt decoded */
static const char rfc_line[] =
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4";
static const uint8_t rfc_key[30] = {
	0x59, 0x53, 0x5f, 0x5f, 0x5f, 0x73, 0x65, 0x6d, 0x63, 0x74, 0x6c, 0x20, 0x28, 0x29, 0x20,
	0x7b, 0x09, 0x32, 0x32, 0x30, 0x3b, 0x7d, 0x0a, 0x7d, 0x0a, 0x75, 0x6e, 0x6c, 0x65, 0x73,
};

static int parse(struct mix_sdes *d, const char *s)
{
	return mix_sdes_parse(d, s, strlen(s));
}

static int test_sdes_rfc(void)
{
	struct mix_sdes d;
	char out[256];

	CHECK_EQ(parse(&d, rfc_line), 0);
	CHECK_EQ(d.tag, 1);
	CHECK_EQ(d.suite, MIX_SRTP_AES_CM_128_HMAC_SHA1_80);
	CHECK_EQ(d.n_keys, 1);
	CHECK_EQ(d.keys[0].key_len, 30);
	CHECK_MEM(d.keys[0].key, rfc_key, 30);
	CHECK_EQ(d.keys[0].lifetime, 1 << 20);
	CHECK_EQ(d.keys[0].mki, 1);
	CHECK_EQ(d.keys[0].mki_len, 4);
	CHECK_EQ(mix_sdes_format(&d, out, sizeof(out)), 0);
	CHECK(strcmp(out, rfc_line) == 0);
	/* with a CR LF, without the a=, or only the value */
	CHECK_EQ(parse(&d, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
			   "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"), 0);
	CHECK_EQ(d.keys[0].lifetime, 0);
	CHECK_EQ(d.keys[0].mki_len, 0);
	CHECK_EQ(parse(&d, rfc_line + 2), 0);
	CHECK_EQ(parse(&d, rfc_line + 9), 0);
	CHECK_MEM(d.keys[0].key, rfc_key, 30);
	/* an MKI makes the context refuse: not supported */
	{
		struct mix_srtp *s = NULL;
		CHECK_EQ(mix_srtp_from_sdes(&s, &d, MIX_SRTP_RX), -ENOTSUP);
	}
	/* RFC 4568's second example: two keys with MKIs, F8 (not supported) */
	CHECK_EQ(parse(&d, "a=crypto:2 F8_128_HMAC_SHA1_80 "
			   "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
			   "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP"),
		 -ENOTSUP);
	/* the same keys with a known suite parse (and FEC_ORDER is refused) */
	CHECK_EQ(parse(&d, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
			   "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
			   "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4"), 0);
	CHECK_EQ(d.n_keys, 2);
	CHECK_EQ(d.keys[1].mki, 2);
	CHECK_EQ(mix_sdes_format(&d, out, sizeof(out)), 0);
	CHECK(strstr(out, "|2^20|1:4;inline:QUJj") != NULL);
	CHECK_EQ(parse(&d, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
			   "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm FEC_ORDER=FEC_SRTP"),
		 -ENOTSUP);
	return 0;
}

static int test_sdes_params(void)
{
	static const char *key = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	struct mix_sdes d;
	char line[256], out[256];

	snprintf(line, sizeof(line), "a=crypto:7 AES_CM_128_HMAC_SHA1_80 %s "
		 "UNENCRYPTED_SRTCP  WSH=256 KDR=0 -x-optional", key);
	CHECK_EQ(parse(&d, line), 0);
	CHECK_EQ(d.tag, 7);
	CHECK_EQ(d.flags, MIX_SRTP_UNENCRYPTED_SRTCP);
	CHECK_EQ(d.wsh, 256);
	CHECK_EQ(mix_sdes_format(&d, out, sizeof(out)), 0);
	CHECK(strstr(out, " UNENCRYPTED_SRTCP WSH=256") != NULL);
	snprintf(line, sizeof(line), "a=crypto:7 AES_CM_128_HMAC_SHA1_80 %s KDR=4", key);
	CHECK_EQ(parse(&d, line), -ENOTSUP);
	snprintf(line, sizeof(line), "a=crypto:7 AES_CM_128_HMAC_SHA1_80 %s KDR=25", key);
	CHECK_EQ(parse(&d, line), -EBADMSG);
	snprintf(line, sizeof(line), "a=crypto:7 AES_CM_128_HMAC_SHA1_80 %s WSH=10", key);
	CHECK_EQ(parse(&d, line), -EBADMSG);
	snprintf(line, sizeof(line), "a=crypto:7 AES_CM_128_HMAC_SHA1_80 %s NEW_MANDATORY", key);
	CHECK_EQ(parse(&d, line), -ENOTSUP);
	snprintf(line, sizeof(line), "a=crypto:7 AES_CM_128_HMAC_SHA1_80 %s|1000", key);
	CHECK_EQ(parse(&d, line), 0);
	CHECK_EQ(d.keys[0].lifetime, 1000);
	CHECK_EQ(mix_sdes_format(&d, out, sizeof(out)), 0);
	CHECK(strstr(out, "|1000") != NULL);
	/* a key method other than inline: well formed, not supported */
	CHECK_EQ(parse(&d, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:https://k.example/x"),
		 -ENOTSUP);
	return 0;
}

static int test_sdes_malformed(void)
{
	static const char *bad[] = {
		"",
		"a=crypto:",
		"a=crypto:1",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 ",
		"a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		"a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		"a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		"a=crypto:1AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		"a=crypto:1 AES-CM inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		/* short key, long key, bad base64, non-canonical last character */
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzAAAA",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVub*Vz",
		"a=crypto:1 AEAD_AES_128_GCM inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVu=",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:",
		/* lifetimes and MKIs */
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^49",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|0",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:0",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:129",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|256:1",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:4|2^20",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4|5",
		/* two keys without MKIs, a trailing ';' */
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz;"
		"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:4;",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 :x",
	};
	struct mix_sdes d;
	char nul[] = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(&d, bad[i]);
		if (err != -EBADMSG)
			TEST_FAIL("line %zu: got %d, want -EBADMSG: %s", i, err, bad[i]);
	}
	/* an embedded NUL */
	nul[20] = '\0';
	CHECK_EQ(mix_sdes_parse(&d, nul, sizeof(nul) - 1), -EBADMSG);
	CHECK_EQ(mix_sdes_parse(&d, NULL, 0), -EINVAL);
	return 0;
}

static int test_sdes_generate(void)
{
	struct mix_sdes a, b, offers[3];
	char out[256];
	size_t i;
	bool zero = true;

	CHECK_EQ(mix_sdes_generate(&a, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	CHECK_EQ(mix_sdes_generate(&b, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	CHECK(memcmp(a.keys[0].key, b.keys[0].key, 30) != 0);
	CHECK_EQ(mix_sdes_format(&a, out, sizeof(out)), 0);
	CHECK_EQ(parse(&b, out), 0);
	CHECK_MEM(a.keys[0].key, b.keys[0].key, 30);
	/* every suite formats and parses back, padding included */
	for (i = MIX_SRTP_NONE + 1; i < MIX_SRTP_SUITE_MAX; i++) {
		CHECK_EQ(mix_sdes_generate(&a, 9, (enum mix_srtp_suite)i), 0);
		CHECK_EQ(mix_sdes_format(&a, out, sizeof(out)), 0);
		CHECK_EQ(parse(&b, out), 0);
		CHECK_EQ(b.suite, i);
		CHECK_EQ(b.keys[0].key_len, mix_srtp_key_len((enum mix_srtp_suite)i));
		CHECK_MEM(a.keys[0].key, b.keys[0].key, b.keys[0].key_len);
	}
	CHECK_EQ(mix_sdes_format(&a, out, 20), -ENOSPC);
	/* keys are wiped */
	mix_sdes_wipe(&a);
	for (i = 0; i < sizeof(a.keys[0].key); i++)
		zero &= a.keys[0].key[i] == 0;
	CHECK(zero);
	/* selection: GCM when offered, else the mandatory suite */
	CHECK_EQ(mix_sdes_generate(&offers[0], 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_32), 0);
	CHECK_EQ(mix_sdes_generate(&offers[1], 2, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	CHECK_EQ(mix_sdes_generate(&offers[2], 3, MIX_SRTP_AEAD_AES_128_GCM), 0);
	CHECK_EQ(mix_sdes_select(offers, 3), 2);
	CHECK_EQ(mix_sdes_select(offers, 2), 1);
	CHECK_EQ(mix_sdes_select(offers, 1), 0);
	CHECK_EQ(mix_sdes_select(offers, 0), -ENOTSUP);
	offers[1].keys[0].mki_len = 1;
	CHECK_EQ(mix_sdes_select(offers, 2), 0);
	return 0;
}

/* An RTP packet with an audio-level extension and a payload of n bytes. */
static size_t make_rtp(uint8_t *buf, size_t cap, uint16_t seq, size_t n)
{
	struct mix_rtp h;
	struct mix_rtp_ext e;
	uint8_t lb, payload[200];
	size_t len = 0, i;

	for (i = 0; i < n && i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + seq);
	memset(&h, 0, sizeof(h));
	h.pt = 111;
	h.seq = seq;
	h.ts = seq * 960u;
	h.ssrc = 0x5eed;
	h.payload = payload;
	h.payload_len = n;
	mix_rtp_level_ext(&e, &lb, 1, true, 30);
	if (mix_rtp_encode(buf, cap, &h, &e, 1, &len))
		return 0;
	return len;
}

static int round_trip(enum mix_srtp_suite suite, unsigned flags)
{
	struct mix_sdes d;
	struct mix_srtp *tx = NULL, *rx = NULL;
	struct mix_srtp_stats st;
	uint8_t pkt[300], orig[300];
	size_t len, olen;
	uint16_t seq;
	int ret = -1;

	if (mix_sdes_generate(&d, 1, suite))
		return -1;
	d.flags = flags;
	if (mix_srtp_from_sdes(&tx, &d, MIX_SRTP_TX) || mix_srtp_from_sdes(&rx, &d, MIX_SRTP_RX))
		goto out;
	mix_sdes_wipe(&d);
	for (seq = 65530; seq != 10; seq++) {
		olen = make_rtp(orig, sizeof(orig), seq, 100);
		memcpy(pkt, orig, olen);
		len = olen;
		if (mix_srtp_protect(tx, pkt, &len, sizeof(pkt)) || len <= olen)
			goto out;
		if (!(flags & MIX_SRTP_UNENCRYPTED_SRTP) &&
		    memcmp(pkt + olen - 100, orig + olen - 100, 100) == 0)
			goto out; /* the payload must be encrypted */
		if (mix_srtp_unprotect(rx, pkt, &len) || len != olen || memcmp(pkt, orig, olen))
			goto out;
	}
	/* RTCP: an RR */
	{
		struct mix_rtcp_pkt rr;
		uint8_t c[200];
		size_t clen, cl2;

		memset(&rr, 0, sizeof(rr));
		rr.pt = MIX_RTCP_RR;
		rr.ssrc = 77;
		rr.count = 1;
		rr.rb[0].ssrc = 5;
		if (mix_rtcp_encode(c, sizeof(c), &rr, 1, &clen))
			goto out;
		memcpy(pkt, c, clen);
		cl2 = clen;
		if (mix_srtp_protect_rtcp(tx, pkt, &cl2, sizeof(pkt)) || cl2 <= clen)
			goto out;
		if (mix_srtp_unprotect_rtcp(rx, pkt, &cl2) || cl2 != clen || memcmp(pkt, c, clen))
			goto out;
	}
	mix_srtp_stats_get(rx, &st);
	if (st.ok != 17 || st.auth_fail || st.replay || st.bad)
		goto out;
	ret = 0;
out:
	mix_sdes_wipe(&d);
	mix_srtp_free(tx);
	mix_srtp_free(rx);
	return ret;
}

static int test_srtp_suites(void)
{
	int s;

	for (s = MIX_SRTP_NONE + 1; s < MIX_SRTP_SUITE_MAX; s++)
		if (round_trip((enum mix_srtp_suite)s, 0))
			TEST_FAIL("round trip with %s", mix_srtp_suite_name((enum mix_srtp_suite)s));
	CHECK_EQ(round_trip(MIX_SRTP_AES_CM_128_HMAC_SHA1_80, MIX_SRTP_UNENCRYPTED_SRTP), 0);
	CHECK_EQ(round_trip(MIX_SRTP_AES_CM_128_HMAC_SHA1_80, MIX_SRTP_UNENCRYPTED_SRTCP), 0);
	return 0;
}


/*
 * Packets protected by libsrtp2 with its own crypto (Debian's, over NSS),
 * recorded once (key octets i*7+3, SSRC 0x11223344, seq 1000 and 1001,
 * 40 payload octets i*13+k; an empty RR): ours must give the same octets,
 * and take them back.
 */
static const struct {
	enum mix_srtp_suite suite;
	const char *rtp[2], *rtcp;
} vectors[] = {
	{MIX_SRTP_AES_CM_128_HMAC_SHA1_80,
	 {"806f03e80001e24011223344ce66ae24e0c3d4ddd2119158285012849bdfe463bcb991b6410a356c2904f307ba90c53afdda3b4f3b1a62462b0116b6350b",
	  "806f03e90001e2401122334449d015fd0510db8a4d3f5069068980b27131ff130751912a44dcc52b17b45abcb8f6525b4cba9bd76e0ce2283cd462acbac1"},
	 "80c90001112233448000000137efb5a223f2b8135dd3"},
	{MIX_SRTP_AES_CM_128_HMAC_SHA1_32,
	 {"806f03e80001e24011223344ce66ae24e0c3d4ddd2119158285012849bdfe463bcb991b6410a356c2904f307ba90c53afdda3b4f3b1a6246",
	  "806f03e90001e2401122334449d015fd0510db8a4d3f5069068980b27131ff130751912a44dcc52b17b45abcb8f6525b4cba9bd76e0ce228"},
	 "80c90001112233448000000137efb5a223f2b8135dd3"},
	{MIX_SRTP_AES_256_CM_HMAC_SHA1_80,
	 {"806f03e80001e240112233449e150f717cec933ba64b15fae1add87858008922cce02d20efd4627675498e63845c6178dcfd5debefab978e185b621575ad",
	  "806f03e90001e240112233441d269a265affea1ae8bc6f5face01a61f93b6fb44835e69848aa663453f2f8870a8f901002411428769d2234426ac376ce94"},
	 "80c900011122334480000001147280e3760080f39945"},
	{MIX_SRTP_AEAD_AES_128_GCM,
	 {"806f03e80001e24011223344e6f64d222c0db3e60cb581f996a034b682dc3d80677b13398d41b131282477520e7dd96bbe6ab93245d9434cd300417750cf3c46275dc594",
	  "806f03e90001e2401122334417e72579e9868e004b8e39492ca44bad2761da034b70bfd18d7db770dabb06ea4325ed313d5a4561fd7f313ddec18618ecfc2821f121a47c"},
	 "80c900011122334460448b77e64539b2a2bd07929d6aa99d80000001"},
	{MIX_SRTP_AEAD_AES_256_GCM,
	 {"806f03e80001e240112233446c3100290b81e14cd8292f5b802345235c273025b6ddfa7cacc8d62b497dd236356ead8dfc55c9ede7fae7cf258888f533a058ff2dab7b1f",
	  "806f03e90001e2401122334404cbbadffa0249bbdeee0918ceba044d77d657c16957abd6907eb19bc62400f209380b636d4f576a45b022ee053d14c44db44999ef7c99a8"},
	 "80c9000111223344405b237be83f2400ca5604845e5c6a5080000001"},
};

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;
	if (n > cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (uint8_t)v;
	}
	return n;
}

static int test_srtp_vectors(void)
{
	/* ours, unless the process was told otherwise */
	if (!getenv("CHORUS_SRTP_CRYPTO"))
		CHECK(strcmp(mix_srtp_crypto(), "OpenSSL") == 0);
	for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		uint8_t key[MIX_SRTP_MAX_KEY], pkt[200], want[200], orig[200];
		size_t klen = mix_srtp_key_len(vectors[v].suite), len, wlen;
		struct mix_srtp *tx = NULL, *rx = NULL;
		for (size_t i = 0; i < klen; i++)
			key[i] = (uint8_t)(i * 7 + 3);
		CHECK_EQ(mix_srtp_alloc(&tx, vectors[v].suite, key, klen, MIX_SRTP_TX, 0, 0), 0);
		CHECK_EQ(mix_srtp_alloc(&rx, vectors[v].suite, key, klen, MIX_SRTP_RX, 0, 0), 0);
		for (int k = 0; k < 2; k++) {
			static const uint8_t hdr[12] = {0x80, 111, 0x03, 0xe8, 0, 1, 0xe2, 0x40,
							0x11, 0x22, 0x33, 0x44};
			memcpy(orig, hdr, 12);
			orig[3] = (uint8_t)(0xe8 + k);
			for (int i = 0; i < 40; i++)
				orig[12 + i] = (uint8_t)(i * 13 + k);
			memcpy(pkt, orig, 52);
			len = 52;
			CHECK_EQ(mix_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
			wlen = unhex(vectors[v].rtp[k], want, sizeof(want));
			if (len != wlen || memcmp(pkt, want, len))
				TEST_FAIL("%s: RTP packet %d differs from libsrtp2's",
					  mix_srtp_suite_name(vectors[v].suite), k);
			CHECK_EQ(mix_srtp_unprotect(rx, pkt, &len), 0);
			CHECK(len == 52 && memcmp(pkt, orig, 52) == 0);
		}
		static const uint8_t rr[8] = {0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44};
		memcpy(pkt, rr, 8);
		len = 8;
		CHECK_EQ(mix_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
		wlen = unhex(vectors[v].rtcp, want, sizeof(want));
		if (len != wlen || memcmp(pkt, want, len))
			TEST_FAIL("%s: RTCP packet differs from libsrtp2's",
				  mix_srtp_suite_name(vectors[v].suite));
		CHECK_EQ(mix_srtp_unprotect_rtcp(rx, pkt, &len), 0);
		CHECK(len == 8 && memcmp(pkt, rr, 8) == 0);
		mix_srtp_free(rx);
		/* one bit changed in the tag: refused (a fresh context: no replay) */
		CHECK_EQ(mix_srtp_alloc(&rx, vectors[v].suite, key, klen, MIX_SRTP_RX, 0, 0), 0);
		memcpy(pkt, want, wlen);
		pkt[wlen - 1 - (vectors[v].suite >= MIX_SRTP_AEAD_AES_128_GCM ? 4 : 0)] ^= 1;
		len = wlen;
		CHECK_EQ(mix_srtp_unprotect_rtcp(rx, pkt, &len), -EACCES);
		wlen = unhex(vectors[v].rtp[0], want, sizeof(want));
		memcpy(pkt, want, wlen);
		pkt[20] ^= 0x80; /* in the payload */
		len = wlen;
		CHECK_EQ(mix_srtp_unprotect(rx, pkt, &len), -EACCES);
		mix_srtp_free(tx);
		mix_srtp_free(rx);
	}
	return 0;
}

static int test_srtp_refused(void)
{
	struct mix_sdes d, other;
	struct mix_srtp *tx = NULL, *rx = NULL, *wrong = NULL;
	struct mix_srtp_stats st;
	uint8_t pkt[300], copy[300], old[300];
	size_t len, clen, olen = 0;
	uint16_t seq;

	CHECK_EQ(mix_sdes_generate(&d, 1, MIX_SRTP_AEAD_AES_128_GCM), 0);
	CHECK_EQ(mix_sdes_generate(&other, 1, MIX_SRTP_AEAD_AES_128_GCM), 0);
	CHECK_EQ(mix_srtp_from_sdes(&tx, &d, MIX_SRTP_TX), 0);
	CHECK_EQ(mix_srtp_from_sdes(&rx, &d, MIX_SRTP_RX), 0);
	CHECK_EQ(mix_srtp_from_sdes(&wrong, &other, MIX_SRTP_RX), 0);
	mix_sdes_wipe(&d);
	mix_sdes_wipe(&other);
	/* a direction is a direction */
	len = make_rtp(pkt, sizeof(pkt), 1, 50);
	CHECK_EQ(mix_srtp_unprotect(tx, pkt, &len), -EINVAL);
	CHECK_EQ(mix_srtp_protect(rx, pkt, &len, sizeof(pkt)), -EINVAL);
	/* no room for the tag */
	CHECK_EQ(mix_srtp_protect(tx, pkt, &len, len + 4), -ENOSPC);

	for (seq = 1; seq <= 300; seq++) {
		len = make_rtp(pkt, sizeof(pkt), seq, 50);
		CHECK_EQ(mix_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
		if (seq == 1) {
			memcpy(old, pkt, len);
			olen = len;
		}
		/* tampered payload, tampered tag, a wrong key */
		memcpy(copy, pkt, len);
		copy[30] ^= 1;
		clen = len;
		CHECK_EQ(mix_srtp_unprotect(rx, copy, &clen), -EACCES);
		memcpy(copy, pkt, len);
		copy[len - 1] ^= 0x80;
		clen = len;
		CHECK_EQ(mix_srtp_unprotect(rx, copy, &clen), -EACCES);
		memcpy(copy, pkt, len);
		clen = len;
		CHECK_EQ(mix_srtp_unprotect(wrong, copy, &clen), -EACCES);
		/* the real one, then its replay */
		memcpy(copy, pkt, len);
		clen = len;
		CHECK_EQ(mix_srtp_unprotect(rx, copy, &clen), 0);
		memcpy(copy, pkt, len);
		clen = len;
		CHECK_EQ(mix_srtp_unprotect(rx, copy, &clen), -EALREADY);
	}
	/* far older than the 128-packet window */
	CHECK_EQ(mix_srtp_unprotect(rx, old, &olen), -EALREADY);
	/* garbage */
	len = 5;
	CHECK_EQ(mix_srtp_unprotect(rx, pkt, &len), -EBADMSG);
	mix_srtp_stats_get(rx, &st);
	CHECK_EQ(st.ok, 300);
	CHECK_EQ(st.auth_fail, 600);
	CHECK_EQ(st.replay, 301);
	CHECK_EQ(st.bad, 1);
	mix_srtp_free(tx);
	mix_srtp_free(rx);
	mix_srtp_free(wrong);
	return 0;
}

static int test_srtp_args(void)
{
	struct mix_srtp *s = NULL;
	uint8_t key[MIX_SRTP_MAX_KEY] = { 0 };

	CHECK_EQ(mix_srtp_alloc(&s, MIX_SRTP_AES_CM_128_HMAC_SHA1_80, key, 29, MIX_SRTP_TX, 0, 0),
		 -EINVAL);
	CHECK_EQ(mix_srtp_alloc(&s, MIX_SRTP_NONE, key, 0, MIX_SRTP_TX, 0, 0), -EINVAL);
	CHECK_EQ(mix_srtp_alloc(&s, MIX_SRTP_AES_CM_128_HMAC_SHA1_80, key, 30, MIX_SRTP_TX, 0, 10),
		 -EINVAL);
	CHECK_EQ(mix_srtp_alloc(&s, MIX_SRTP_AEAD_AES_128_GCM, key, 28, MIX_SRTP_TX,
				MIX_SRTP_UNENCRYPTED_SRTP, 0),
		 -ENOTSUP);
	CHECK_EQ(mix_srtp_alloc(&s, MIX_SRTP_AES_CM_128_HMAC_SHA1_80, key, 30, MIX_SRTP_RX, 0, 1024),
		 0);
	mix_srtp_free(s);
	CHECK(strcmp(mix_srtp_suite_name(MIX_SRTP_AEAD_AES_256_GCM), "AEAD_AES_256_GCM") == 0);
	CHECK_EQ(mix_srtp_suite_from_name("AEAD_AES_128_GC", 15), MIX_SRTP_NONE);
	return 0;
}

static const struct test tests[] = {
	{ "sdes_rfc", test_sdes_rfc },
	{ "sdes_params", test_sdes_params },
	{ "sdes_malformed", test_sdes_malformed },
	{ "sdes_generate", test_sdes_generate },
	{ "srtp_suites", test_srtp_suites },
	{ "srtp_vectors", test_srtp_vectors },
	{ "srtp_refused", test_srtp_refused },
	{ "srtp_args", test_srtp_args },
};

TEST_MAIN(tests)
