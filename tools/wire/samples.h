/*
 * samples.h - one encoded instance of every RELOAD message type, built
 * with the codec and signed with a fixed test identity. Used by the
 * chorus-wire tool (pcap for tshark, demo, fuzz seeds), the unit tests
 * and the codec benchmark.
 */
#ifndef CHORUS_SAMPLES_H
#define CHORUS_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "relo/body.h"
#include "relo/msg.h"

extern const unsigned char sample_cert_der[];
extern const size_t sample_cert_der_len;
extern const char sample_key_pem[];

/* A field tshark should show for a sample, and the value it should have. */
struct sample_expect {
	const char *field;
	char value[96];
};

#define SAMPLE_MAX_EXPECT 6

struct sample {
	char name[48];
	uint16_t code;
	uint8_t *bytes; /* the encoded message */
	size_t len;
	struct sample_expect expect[SAMPLE_MAX_EXPECT];
	unsigned n_expect;
};

struct sample_set {
	struct relo_wirecfg cfg;
	struct sample *s;
	size_t n;
};

/* The private Kind-ID the samples use, and its model (see the cfg). */
#define SAMPLE_PRIVATE_KIND 0xf0000001u

/** The codec configuration the samples are built for: 16-byte Node-IDs,
 * max-message-size 16 KiB, builtin kinds plus SAMPLE_PRIVATE_KIND as a
 * dictionary. */
void samples_cfg(struct relo_wirecfg *cfg);

/** Builds every sample. Returns 0 or a negative errno. */
int samples_build(struct sample_set *set);
void samples_free(struct sample_set *set);

/** Builds one message around a body, signed with the test key. */
int sample_encode(const struct relo_wirecfg *cfg, struct relo_msg *m,
		  const struct relo_body *body, uint8_t **out, size_t *len);

/** The Node-ID the test certificate names, and a few neighbours. */
void sample_nodeid(struct relo_nodeid *n, unsigned which);

#endif
