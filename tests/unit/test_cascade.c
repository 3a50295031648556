/*
 * test_cascade.c - focus-to-focus mix links (MIX_PART_LINK) on real
 * sockets: mixers joined by SRTP links (AEAD_AES_128_GCM, RFC 6464 levels
 * both ways) in a chain and in a star, each with participants of its own
 * sending distinct tones. Every participant must hear every other one,
 * once (at its level: a tone counted twice would be 6 dB up) and never
 * itself (no echo through the links). Also: loss on a participant's path
 * across the cascade, a link that drops out and comes back, and a loop of
 * links, which the mixers detect from the CSRCs.
 *
 * Every hop decodes and encodes again (tandem coding), so the noise a
 * participant hears in its own tone's band grows with the hops: a cascade
 * of three at 64 kb/s with five tones in the mix leaves it near -30 dB of
 * a tone. An echo or a double count would be a tone at about 0 dB; the
 * cascade tests call a tone absent below -20 dB.
 *
 * Real time, 2 to 4 s each; checks on audio and counters only.
 */
#include "lab.h"

#define CASCADE_ABSENT_DB -20.0

static const double freqs[] = { 450, 850, 1250, 1650, 2050, 2450, 2850, 3250 };

/* Everyone in the lab hears everyone else, once, and not itself. */
static int all_hear_all(const struct lab *l, unsigned frames)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (lab_hears_others(l, i, frames))
			return -1;
	return 0;
}

/* A -- B -- C, two participants on A and C, one on B. */
static int test_chain(void)
{
	struct lab *l = lab_get();
	l->absent_db = CASCADE_ABSENT_DB;
	struct mixer *a = lab_mixer(l, "A", 0), *b = lab_mixer(l, "B", 0),
		     *c = lab_mixer(l, "C", 0);
	struct mixer_stats st;
	uint32_t ab, ba, bc, cb;
	struct mixer_part_stats ps;

	CHECK(a && b && c);
	CHECK_EQ(lab_link(a, b, &ab, &ba), 0);
	CHECK_EQ(lab_link(b, c, &bc, &cb), 0);
	CHECK_EQ(lab_join(l, a, freqs[0], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_join(l, a, freqs[1], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_join(l, b, freqs[2], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_join(l, c, freqs[3], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_join(l, c, freqs[4], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_run(l, 120), 0);
	CHECK_EQ(all_hear_all(l, 50), 0);
	for (unsigned i = 0; i < l->n; i++)
		CHECK_EQ(lab_continuous(l, i, 50), 0);
	/* B's link toward A carries B's and C's voices: 3 CSRCs */
	CHECK_EQ(mixer_part_stats(b, ba, &ps), 0);
	CHECK(ps.talking);
	CHECK(ps.private_encode);
	CHECK_EQ(mixer_stats(b, &st), 0);
	CHECK_EQ(st.loops, 0);
	CHECK_EQ(st.participants, 3);
	{
		struct mix_ep_stats es;

		/* what a1 hears names the other four talkers */
		mix_ep_stats_get(l->p[0].ep, &es);
		CHECK_EQ(es.last_ncsrc, 4);
	}
	return 0;
}

/* A hub H with one participant, and leaves A, B, C linked to it. */
static int test_star(void)
{
	struct lab *l = lab_get();
	l->absent_db = CASCADE_ABSENT_DB;
	struct mixer *h = lab_mixer(l, "H", 0), *leaf[3];
	uint32_t hl[3], lh[3];
	unsigned i;

	CHECK(h);
	CHECK_EQ(lab_join(l, h, freqs[0], LAB_AMP, NULL), 0);
	for (i = 0; i < 3; i++) {
		static const char *names[] = { "A", "B", "C" };

		leaf[i] = lab_mixer(l, names[i], 0);
		CHECK(leaf[i]);
		CHECK_EQ(lab_link(h, leaf[i], &hl[i], &lh[i]), 0);
		CHECK_EQ(lab_join(l, leaf[i], freqs[1 + i], LAB_AMP, NULL), 0);
	}
	/* and a listener on A who only listens */
	CHECK_EQ(lab_join(l, leaf[0], freqs[4], 0, NULL), 0);
	CHECK_EQ(lab_run(l, 120), 0);
	CHECK_EQ(all_hear_all(l, 50), 0);
	for (i = 0; i < 3; i++) {
		struct mixer_stats st;

		CHECK_EQ(mixer_stats(leaf[i], &st), 0);
		CHECK_EQ(st.loops, 0);
	}
	return 0;
}

/*
 * Loss and reordering on the participants' own paths at both ends of a
 * chain of three: the audio across it stays continuous (PLC and FEC at
 * the first mixer and at the listener).
 */
static int test_chain_loss(void)
{
	struct lab *l = lab_get();
	l->absent_db = CASCADE_ABSENT_DB;
	struct lab_opts o = { .tx_loss = 5, .rx_loss = 5, .tx_reorder = 5, .rx_reorder = 5 };
	struct mixer *a = lab_mixer(l, "A", 0), *b = lab_mixer(l, "B", 0),
		     *c = lab_mixer(l, "C", 0);
	uint32_t x[4];
	struct mixer_stats st;
	unsigned i;

	CHECK(a && b && c);
	mix_opus_cfg_default(&o.opus);
	o.opus.fec = true;
	o.opus.loss_perc = 5;
	o.mix_opus = o.opus;
	CHECK_EQ(lab_link(a, b, &x[0], &x[1]), 0);
	CHECK_EQ(lab_link(b, c, &x[2], &x[3]), 0);
	CHECK_EQ(lab_join(l, a, freqs[0], LAB_AMP, &o), 0);
	CHECK_EQ(lab_join(l, c, freqs[1], LAB_AMP, &o), 0);
	CHECK_EQ(lab_join(l, c, freqs[2], 0, &o), 0);
	CHECK_EQ(lab_run(l, 125), 0);
	CHECK_EQ(all_hear_all(l, 60), 0);
	for (i = 0; i < l->n; i++)
		CHECK_EQ(lab_continuous(l, i, 60), 0);
	CHECK_EQ(mixer_stats(a, &st), 0);
	CHECK(st.plc + st.fec > 2);
	return 0;
}

/*
 * The link between B and C goes away (C's side is removed and a new link
 * made): A and B keep hearing each other throughout, and after the new
 * link everyone hears everyone again.
 */
static int test_relink(void)
{
	struct lab *l = lab_get();
	l->absent_db = CASCADE_ABSENT_DB;
	struct mixer *a = lab_mixer(l, "A", 0), *b = lab_mixer(l, "B", 0),
		     *c = lab_mixer(l, "C", 0);
	uint32_t ab, ba, bc, cb;

	CHECK(a && b && c);
	CHECK_EQ(lab_link(a, b, &ab, &ba), 0);
	CHECK_EQ(lab_link(b, c, &bc, &cb), 0);
	CHECK_EQ(lab_join(l, a, freqs[0], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_join(l, b, freqs[1], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_join(l, c, freqs[2], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_run(l, 70), 0);
	CHECK_EQ(all_hear_all(l, 30), 0);
	CHECK_EQ(mixer_part_remove(b, bc), 0);
	CHECK_EQ(mixer_part_remove(c, cb), 0);
	CHECK_EQ(lab_run(l, 40), 0);
	/* split: A and B hear each other, not C; C hears nobody */
	CHECK(db(lab_amp(l, 0, freqs[1], 20) / LAB_AMP) > -LAB_TOL_DB);
	CHECK(db(lab_amp(l, 1, freqs[0], 20) / LAB_AMP) > -LAB_TOL_DB);
	CHECK(db(lab_amp(l, 0, freqs[2], 20) / LAB_AMP) < LAB_ABSENT_DB);
	CHECK(db(lab_amp(l, 2, freqs[0], 20) / LAB_AMP) < LAB_ABSENT_DB);
	/* joined again, this time C hangs off A */
	CHECK_EQ(lab_link(a, c, &bc, &cb), 0);
	CHECK_EQ(lab_run(l, 70), 0);
	CHECK_EQ(all_hear_all(l, 30), 0);
	return 0;
}

/*
 * A -- B -- C -- A: a loop. The mixers see their own participants' SSRCs
 * come back in the CSRCs of a link and count it (a focus must then break
 * the loop; the mixer cannot know which link to drop).
 */
static int test_loop_detected(void)
{
	struct lab *l = lab_get();
	l->absent_db = CASCADE_ABSENT_DB;
	struct mixer *a = lab_mixer(l, "A", 0), *b = lab_mixer(l, "B", 0),
		     *c = lab_mixer(l, "C", 0);
	uint32_t x[6];
	struct mixer_stats st;

	CHECK(a && b && c);
	CHECK_EQ(lab_link(a, b, &x[0], &x[1]), 0);
	CHECK_EQ(lab_link(b, c, &x[2], &x[3]), 0);
	CHECK_EQ(lab_link(c, a, &x[4], &x[5]), 0);
	CHECK_EQ(lab_join(l, a, freqs[0], LAB_AMP, NULL), 0);
	CHECK_EQ(lab_run(l, 40), 0);
	CHECK_EQ(mixer_stats(a, &st), 0);
	CHECK(st.loops > 0);
	return 0;
}

LAB_TEST(test_chain)
LAB_TEST(test_star)
LAB_TEST(test_chain_loss)
LAB_TEST(test_relink)
LAB_TEST(test_loop_detected)

static const struct test tests[] = {
	{ "chain", test_chain_retry },
	{ "star", test_star_retry },
	{ "chain_loss", test_chain_loss_retry },
	{ "relink", test_relink_retry },
	{ "loop_detected", test_loop_detected_retry },
};

TEST_MAIN(tests)
