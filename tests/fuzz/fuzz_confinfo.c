/*
 * fuzz_confinfo.c - RFC 4575 conference-info documents (focus/confinfo.h).
 *
 * What does not parse must leave no document, say why, and use one of the
 * parser's codes. What parses must be written, and the output must parse
 * into an equal document and be written again to the same bytes. Then, as
 * a subscriber: the document applied onto a held state (the RFC's basic
 * example) either fails with a code of the version rules or leaves a full
 * state; and as a notifier: the partial document from that held state to
 * the fuzzed one (as a full state), written and read back, applied onto
 * the held state, gives the fuzzed state.
 */
#include <errno.h>
#include <string.h>

#include "focus/confinfo.h"
#include "fuzz.h"

static const char base_xml[] =
	"<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" "
	"entity=\"sips:conf233@example.com\" state=\"full\" version=\"1\">"
	"<conference-description><subject>s</subject></conference-description>"
	"<conference-state><user-count>2</user-count></conference-state>"
	"<users><user entity=\"sip:bob@example.com\"><display-text>Bob</display-text>"
	"<endpoint entity=\"sip:bob@pc33.example.com\"><status>connected</status>"
	"<media id=\"1\"><type>audio</type></media></endpoint></user>"
	"<user entity=\"sip:alice@example.com\"><roles><entry>admin</entry></roles></user>"
	"</users></conference-info>";

static struct confinfo_parser *parser;
static struct confinfo *base;

static void init(void)
{
	char err[256];

	if (parser)
		return;
	FUZZ_ASSERT(confinfo_parser_alloc(&parser, NULL) == 0);
	FUZZ_ASSERT(confinfo_receive(parser, &base, base_xml, strlen(base_xml), err,
				     sizeof(err)) == 0);
}

/* build -> parse -> equal -> build the same bytes. */
static void roundtrip(const struct confinfo *c)
{
	struct confinfo *b = NULL;
	char *x1 = NULL, *x2 = NULL, err[512];
	size_t l1 = 0, l2 = 0;
	int rc;

	rc = confinfo_build(c, &x1, &l1, err, sizeof(err));
	if (rc)
		fprintf(stderr, "build refused a parsed document: %s\n", err);
	FUZZ_ASSERT(rc == 0 && x1 && strlen(x1) == l1);
	rc = confinfo_parse(parser, x1, l1, &b, err, sizeof(err));
	if (rc)
		fprintf(stderr, "output refused: %s\n%s", err, x1);
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(confinfo_equal(c, b));
	FUZZ_ASSERT(confinfo_build(b, &x2, &l2, err, sizeof(err)) == 0);
	FUZZ_ASSERT(l1 == l2 && memcmp(x1, x2, l1) == 0);
	free(x1);
	free(x2);
	confinfo_free(b);
}

/* The held state's shape: full everywhere, and written as it is read. */
static void check_held(const struct confinfo *h)
{
	size_t i, j;

	FUZZ_ASSERT(h->state == CONFINFO_FULL && h->users.state == CONFINFO_FULL);
	for (i = 0; i < h->users.n; i++) {
		FUZZ_ASSERT(h->users.v[i].state == CONFINFO_FULL);
		for (j = 0; j < h->users.v[i].n_endpoints; j++)
			FUZZ_ASSERT(h->users.v[i].endpoints[j].state == CONFINFO_FULL);
	}
	roundtrip(h);
}

/* As a subscriber: the document onto a copy of base, at the next version. */
static void subscriber(const struct confinfo *doc)
{
	struct confinfo *held = NULL, *d = NULL;
	char err[256];
	int rc;

	FUZZ_ASSERT(confinfo_dup(&held, base) == 0 && confinfo_dup(&d, doc) == 0);
	FUZZ_ASSERT(confinfo_str_set(&d->entity, base->entity) == 0);
	if (d->state == CONFINFO_PARTIAL && d->has_version && d->version > 1)
		d->version = 2;
	rc = confinfo_apply(&held, d, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EPROTO || rc == -EALREADY || rc == -ESTALE);
	FUZZ_ASSERT(rc == 0 || confinfo_equal(held, base));
	check_held(held);
	confinfo_free(held);
	confinfo_free(d);
}

/* As a notifier: base -> the document (made a full state) by one partial. */
static void notifier(const struct confinfo *doc)
{
	struct confinfo *target = NULL, *d = NULL, *held = NULL, *back = NULL, *want = NULL;
	char *xml = NULL, err[512];
	size_t len = 0;
	int rc;

	FUZZ_ASSERT(confinfo_dup(&d, doc) == 0);
	FUZZ_ASSERT(confinfo_str_set(&d->entity, base->entity) == 0);
	d->state = CONFINFO_FULL;
	d->has_version = false;
	FUZZ_ASSERT(confinfo_apply(&target, d, err, sizeof(err)) == 0);
	confinfo_free(d);
	d = NULL;
	rc = confinfo_diff(base, target, &d);
	FUZZ_ASSERT(rc == 0 || rc == -ENODATA);
	if (rc == 0) {
		d->has_version = true;
		d->version = base->version + 1;
		rc = confinfo_build(d, &xml, &len, err, sizeof(err));
		if (rc)
			fprintf(stderr, "build refused a diff: %s\n", err);
		FUZZ_ASSERT(rc == 0);
		rc = confinfo_parse(parser, xml, len, &back, err, sizeof(err));
		if (rc)
			fprintf(stderr, "diff refused: %s\n%s", err, xml);
		FUZZ_ASSERT(rc == 0 && confinfo_equal(back, d));
		FUZZ_ASSERT(confinfo_dup(&held, base) == 0);
		FUZZ_ASSERT(confinfo_apply(&held, back, err, sizeof(err)) == 0);
		FUZZ_ASSERT(confinfo_dup(&want, target) == 0);
		want->has_version = true;
		want->version = base->version + 1;
		if (!confinfo_equal(held, want))
			fprintf(stderr, "base + diff != target; diff:\n%s", xml);
		FUZZ_ASSERT(confinfo_equal(held, want));
	}
	free(xml);
	confinfo_free(target);
	confinfo_free(d);
	confinfo_free(held);
	confinfo_free(back);
	confinfo_free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct confinfo *c = NULL;
	char err[512];
	int rc;

	init();
	err[0] = 'x';
	rc = confinfo_parse(parser, (const char *)data, size, &c, err, sizeof(err));
	if (rc) {
		FUZZ_ASSERT(c == NULL && err[0] != '\0' && err[0] != 'x');
		FUZZ_ASSERT(rc == -EBADMSG || rc == -EMSGSIZE || rc == -E2BIG || rc == -ENOMEM);
		return 0;
	}
	FUZZ_ASSERT(c && c->entity);
	roundtrip(c);
	subscriber(c);
	notifier(c);
	confinfo_free(c);
	return 0;
}
