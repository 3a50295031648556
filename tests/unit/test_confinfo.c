/*
 * test_confinfo.c - RFC 4575 conference-info documents (focus/confinfo.h):
 * the RFC's examples, round trips, partial documents and their version
 * rules, the notifier, schema rejections and hostile input.
 */
#include <errno.h>
#include <pthread.h>

#include "focus/confinfo.h"
#include "test.h"

/*
 * RFC 4575 section 6.1, "Basic Example", typed in from the RFC text.
 */
static const char rfc_basic[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"   <conference-info\n"
	"    xmlns=\"urn:ietf:params:xml:ns:conference-info\"\n"
	"    entity=\"sips:conf233@example.com\"\n"
	"    state=\"full\" version=\"1\">\n"
	"   <!--\n"
	"     CONFERENCE INFO\n"
	"   -->\n"
	"    <conference-description>\n"
	"     <subject>Agenda: This month's goals</subject>\n"
	"      <service-uris>\n"
	"       <entry>\n"
	"        <uri>http://sharepoint/salesgroup/</uri>\n"
	"        <purpose>web-page</purpose>\n"
	"       </entry>\n"
	"      </service-uris>\n"
	"     </conference-description>\n"
	"   <!--\n"
	"      CONFERENCE STATE\n"
	"   -->\n"
	"    <conference-state>\n"
	"     <user-count>33</user-count>\n"
	"    </conference-state>\n"
	"   <!--\n"
	"     USERS\n"
	"   -->\n"
	"    <users>\n"
	"     <user entity=\"sip:bob@example.com\" state=\"full\">\n"
	"      <display-text>Bob Hoskins</display-text>\n"
	"   <!--\n"
	"     ENDPOINTS\n"
	"   -->\n"
	"      <endpoint entity=\"sip:bob@pc33.example.com\">\n"
	"       <display-text>Bob's Laptop</display-text>\n"
	"       <status>disconnected</status>\n"
	"       <disconnection-method>departed</disconnection-method>\n"
	"       <disconnection-info>\n"
	"        <when>2005-03-04T20:00:00Z</when>\n"
	"        <reason>bad voice quality</reason>\n"
	"        <by>sip:mike@example.com</by>\n"
	"       </disconnection-info>\n"
	"   <!--\n"
	"     MEDIA\n"
	"   -->\n"
	"       <media id=\"1\">\n"
	"        <display-text>main audio</display-text>\n"
	"        <type>audio</type>\n"
	"        <label>34567</label>\n"
	"        <src-id>432424</src-id>\n"
	"        <status>sendrecv</status>\n"
	"       </media>\n"
	"      </endpoint>\n"
	"     </user>\n"
	"   <!--\n"
	"     USER\n"
	"   -->\n"
	"     <user entity=\"sip:alice@example.com\" state=\"full\">\n"
	"      <display-text>Alice</display-text>\n"
	"   <!--\n"
	"     ENDPOINTS\n"
	"   -->\n"
	"      <endpoint entity=\"sip:4kfk4j392jsu@example.com;grid=433kj4j3u\">\n"
	"       <status>connected</status>\n"
	"       <joining-method>dialed-out</joining-method>\n"
	"       <joining-info>\n"
	"        <when>2005-03-04T20:00:00Z</when>\n"
	"        <by>sip:mike@example.com</by>\n"
	"       </joining-info>\n"
	"   <!--\n"
	"     MEDIA\n"
	"   -->\n"
	"       <media id=\"1\">\n"
	"        <display-text>main audio</display-text>\n"
	"        <type>audio</type>\n"
	"        <label>34567</label>\n"
	"        <src-id>534232</src-id>\n"
	"        <status>sendrecv</status>\n"
	"       </media>\n"
	"      </endpoint>\n"
	"     </user>\n"
	"    </users>\n"
	"   </conference-info>\n";

/*
 * In the spirit of RFC 4575 section 6.2, "Rich Example": the exact text
 * was not at hand, so this is a reconstruction with the same elements
 * (host-info, every part of conference-description, conference-state,
 * roles, languages, call-info, the sidebars) rather than the RFC's bytes.
 */
static const char rfc_rich[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\"\n"
	"  entity=\"sips:conf233@example.com\" state=\"full\" version=\"1\">\n"
	" <conference-description>\n"
	"  <display-text>Weekly Sales Meeting</display-text>\n"
	"  <subject>Sales Results</subject>\n"
	"  <free-text>The weekly meeting of the sales group</free-text>\n"
	"  <keywords>sales results quarter</keywords>\n"
	"  <conf-uris>\n"
	"   <entry>\n"
	"    <uri>sips:conf233@example.com</uri>\n"
	"    <display-text>Conference</display-text>\n"
	"    <purpose>participation</purpose>\n"
	"   </entry>\n"
	"   <entry>\n"
	"    <uri>tel:+3585671234</uri>\n"
	"    <display-text>Dial-in</display-text>\n"
	"    <purpose>participation</purpose>\n"
	"   </entry>\n"
	"  </conf-uris>\n"
	"  <service-uris>\n"
	"   <entry>\n"
	"    <uri>http://sharepoint/salesgroup/</uri>\n"
	"    <purpose>web-page</purpose>\n"
	"   </entry>\n"
	"  </service-uris>\n"
	"  <maximum-user-count>50</maximum-user-count>\n"
	"  <available-media>\n"
	"   <entry label=\"10234\">\n"
	"    <display-text>main audio</display-text>\n"
	"    <type>audio</type>\n"
	"    <status>sendrecv</status>\n"
	"   </entry>\n"
	"   <entry label=\"10235\">\n"
	"    <display-text>main video</display-text>\n"
	"    <type>video</type>\n"
	"    <status>sendrecv</status>\n"
	"   </entry>\n"
	"  </available-media>\n"
	" </conference-description>\n"
	" <host-info>\n"
	"  <display-text>Sales Host</display-text>\n"
	"  <web-page>http://sharepoint/salesgroup/hosts/</web-page>\n"
	"  <uris>\n"
	"   <entry>\n"
	"    <uri>sip:sales@example.com</uri>\n"
	"   </entry>\n"
	"  </uris>\n"
	" </host-info>\n"
	" <conference-state>\n"
	"  <user-count>33</user-count>\n"
	"  <active>true</active>\n"
	"  <locked>false</locked>\n"
	" </conference-state>\n"
	" <users>\n"
	"  <user entity=\"sip:bob@example.com\" state=\"full\">\n"
	"   <display-text>Bob Hoskins</display-text>\n"
	"   <associated-aors>\n"
	"    <entry>\n"
	"     <uri>mailto:bob@example.com</uri>\n"
	"     <display-text>email</display-text>\n"
	"    </entry>\n"
	"   </associated-aors>\n"
	"   <roles>\n"
	"    <entry>participant</entry>\n"
	"   </roles>\n"
	"   <languages>en</languages>\n"
	"   <endpoint entity=\"sip:bob@pc33.example.com\">\n"
	"    <display-text>Bob's Laptop</display-text>\n"
	"    <referred>\n"
	"     <when>2005-03-04T20:00:00Z</when>\n"
	"     <reason>expert required</reason>\n"
	"     <by>sip:alice@example.com</by>\n"
	"    </referred>\n"
	"    <status>connected</status>\n"
	"    <joining-method>dialed-out</joining-method>\n"
	"    <joining-info>\n"
	"     <when>2005-03-04T20:00:00Z</when>\n"
	"     <reason>invitation</reason>\n"
	"     <by>sip:alice@example.com</by>\n"
	"    </joining-info>\n"
	"    <media id=\"1\">\n"
	"     <type>audio</type>\n"
	"     <label>10234</label>\n"
	"     <src-id>432424</src-id>\n"
	"     <status>sendrecv</status>\n"
	"    </media>\n"
	"    <call-info>\n"
	"     <sip>\n"
	"      <display-text>full info</display-text>\n"
	"      <call-id>hsjh8980vhsb78</call-id>\n"
	"      <from-tag>vav738dvbs</from-tag>\n"
	"      <to-tag>8954jgjg8432</to-tag>\n"
	"     </sip>\n"
	"    </call-info>\n"
	"   </endpoint>\n"
	"  </user>\n"
	"  <user entity=\"sip:alice@example.com\" state=\"full\">\n"
	"   <display-text>Alice</display-text>\n"
	"   <roles>\n"
	"    <entry>administrator</entry>\n"
	"    <entry>participant</entry>\n"
	"   </roles>\n"
	"   <languages>en fr</languages>\n"
	"   <endpoint entity=\"sip:alice@pc44.example.com\">\n"
	"    <status>connected</status>\n"
	"    <joining-method>dialed-in</joining-method>\n"
	"    <media id=\"1\">\n"
	"     <type>audio</type>\n"
	"     <status>sendrecv</status>\n"
	"    </media>\n"
	"    <media id=\"2\">\n"
	"     <type>video</type>\n"
	"     <status>sendonly</status>\n"
	"    </media>\n"
	"   </endpoint>\n"
	"  </user>\n"
	" </users>\n"
	" <sidebars-by-ref state=\"partial\">\n"
	"  <entry>\n"
	"   <uri>sips:conf233@example.com;grid=45</uri>\n"
	"   <display-text>sidebar with Carol</display-text>\n"
	"  </entry>\n"
	"  <entry>\n"
	"   <uri>sips:conf233@example.com;grid=21</uri>\n"
	"   <display-text>private with Peter</display-text>\n"
	"  </entry>\n"
	" </sidebars-by-ref>\n"
	" <sidebars-by-val state=\"partial\">\n"
	"  <entry entity=\"sips:conf233@example.com;grid=77\" state=\"partial\">\n"
	"   <users>\n"
	"    <user entity=\"sip:bob@example.com\"/>\n"
	"    <user entity=\"sip:mark@example.com\"/>\n"
	"    <user entity=\"sip:dan@example.com\"/>\n"
	"   </users>\n"
	"  </entry>\n"
	" </sidebars-by-val>\n"
	"</conference-info>\n";

/*
 * A partial notification that follows the basic example (version 2):
 * Bob's laptop reconnects, Alice leaves, Carol joins. The RFC's section 6
 * has no partial example; this one follows section 4.6.
 */
static const char rfc_basic_v2[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\"\n"
	"  entity=\"sips:conf233@example.com\" state=\"partial\" version=\"2\">\n"
	" <conference-state>\n"
	"  <user-count>33</user-count>\n"
	" </conference-state>\n"
	" <users state=\"partial\">\n"
	"  <user entity=\"sip:bob@example.com\" state=\"partial\">\n"
	"   <endpoint entity=\"sip:bob@pc33.example.com\" state=\"partial\">\n"
	"    <status>connected</status>\n"
	"    <joining-method>dialed-in</joining-method>\n"
	"   </endpoint>\n"
	"  </user>\n"
	"  <user entity=\"sip:alice@example.com\" state=\"deleted\"/>\n"
	"  <user entity=\"sip:carol@example.com\" state=\"full\">\n"
	"   <display-text>Carol</display-text>\n"
	"   <endpoint entity=\"sip:carol@pc1.example.com\">\n"
	"    <status>connected</status>\n"
	"   </endpoint>\n"
	"  </user>\n"
	" </users>\n"
	"</conference-info>\n";

static struct confinfo_parser *parser(void)
{
	struct confinfo_parser *p = NULL;

	if (confinfo_parser_alloc(&p, NULL) != 0) {
		fprintf(stderr, "no parser\n");
		abort();
	}
	return p;
}

/* Parses text; expects rc; on success returns the document. */
static struct confinfo *parse_expect(struct confinfo_parser *p, const char *xml, size_t len,
				     int want, char *err, size_t errlen)
{
	struct confinfo *c = NULL;
	int rc = confinfo_parse(p, xml, len, &c, err, errlen);

	if (rc != want) {
		fprintf(stderr, "  parse: rc %d, want %d: %s\n", rc, want, err);
		confinfo_free(c);
		return NULL;
	}
	return c;
}

/* build -> parse: equal, and the text is what confinfo_build() gives again. */
static int roundtrip(struct confinfo_parser *p, const struct confinfo *c)
{
	struct confinfo *back = NULL;
	char *xml = NULL, *xml2 = NULL, err[256];
	size_t len = 0, len2 = 0;
	int rc = -1;

	if (confinfo_build(c, &xml, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "  build: %s\n", err);
		goto out;
	}
	if (confinfo_parse(p, xml, len, &back, err, sizeof(err)) != 0) {
		fprintf(stderr, "  parse of our own output: %s\n%s", err, xml);
		goto out;
	}
	if (!confinfo_equal(c, back)) {
		fprintf(stderr, "  not equal after the round trip:\n%s", xml);
		goto out;
	}
	if (confinfo_build(back, &xml2, &len2, err, sizeof(err)) != 0 || len != len2 ||
	    memcmp(xml, xml2, len) != 0) {
		fprintf(stderr, "  written differently the second time\n");
		goto out;
	}
	rc = 0;
out:
	free(xml);
	free(xml2);
	confinfo_free(back);
	return rc;
}

static int test_rfc_basic(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *c;
	const struct confinfo_user *bob, *alice;
	const struct confinfo_endpoint *e;
	char err[256];

	c = parse_expect(p, rfc_basic, strlen(rfc_basic), 0, err, sizeof(err));
	CHECK(c);
	CHECK(strcmp(c->entity, "sips:conf233@example.com") == 0);
	CHECK_EQ(c->state, CONFINFO_FULL);
	CHECK(c->has_version && c->version == 1);
	CHECK(c->desc.present && strcmp(c->desc.subject, "Agenda: This month's goals") == 0);
	CHECK_EQ(c->desc.service_uris.n, 1);
	CHECK(strcmp(c->desc.service_uris.v[0].uri, "http://sharepoint/salesgroup/") == 0);
	CHECK(strcmp(c->desc.service_uris.v[0].purpose, "web-page") == 0);
	CHECK(c->cstate.present && c->cstate.has_user_count && c->cstate.user_count == 33);
	CHECK_EQ(c->users.n, 2);
	bob = confinfo_user_get(c, "sip:bob@example.com");
	alice = confinfo_user_get(c, "sip:alice@example.com");
	CHECK(bob && alice);
	CHECK(strcmp(bob->display_text, "Bob Hoskins") == 0);
	e = confinfo_endpoint_get(bob, "sip:bob@pc33.example.com");
	CHECK(e);
	CHECK(strcmp(e->display_text, "Bob's Laptop") == 0);
	CHECK_EQ(e->status, CONFINFO_EP_DISCONNECTED);
	CHECK_EQ(e->disconnection_method, CONFINFO_DISC_DEPARTED);
	CHECK(e->disconnection_info.present);
	CHECK(strcmp(e->disconnection_info.when, "2005-03-04T20:00:00Z") == 0);
	CHECK(strcmp(e->disconnection_info.reason, "bad voice quality") == 0);
	CHECK(strcmp(e->disconnection_info.by, "sip:mike@example.com") == 0);
	CHECK_EQ(e->n_media, 1);
	CHECK(strcmp(e->media[0].id, "1") == 0 && strcmp(e->media[0].type, "audio") == 0);
	CHECK(strcmp(e->media[0].label, "34567") == 0 && strcmp(e->media[0].src_id, "432424") == 0);
	CHECK_EQ(e->media[0].status, CONFINFO_MEDIA_SENDRECV);
	e = confinfo_endpoint_get(alice, "sip:4kfk4j392jsu@example.com;grid=433kj4j3u");
	CHECK(e && e->status == CONFINFO_EP_CONNECTED);
	CHECK_EQ(e->joining_method, CONFINFO_JOIN_DIALED_OUT);
	CHECK(e->joining_info.present && !e->joining_info.reason);
	CHECK(roundtrip(p, c) == 0);
	confinfo_free(c);
	confinfo_parser_free(p);
	return 0;
}

static int test_rfc_rich(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *c;
	const struct confinfo_user *bob, *alice;
	const struct confinfo_endpoint *e;
	char err[256];

	c = parse_expect(p, rfc_rich, strlen(rfc_rich), 0, err, sizeof(err));
	CHECK(c);
	CHECK(strcmp(c->desc.display_text, "Weekly Sales Meeting") == 0);
	CHECK(strcmp(c->desc.keywords, "sales results quarter") == 0);
	CHECK_EQ(c->desc.conf_uris.n, 2);
	CHECK(confinfo_uri_get(&c->desc.conf_uris, "tel:+3585671234"));
	CHECK(c->desc.has_max_users && c->desc.max_users == 50);
	CHECK_EQ(c->desc.n_avmedia, 2);
	CHECK(strcmp(confinfo_avmedia_get(&c->desc, "10235")->type, "video") == 0);
	CHECK(c->host.present && strcmp(c->host.display_text, "Sales Host") == 0);
	CHECK(strcmp(c->host.web_page, "http://sharepoint/salesgroup/hosts/") == 0);
	CHECK(strcmp(c->host.uris.v[0].uri, "sip:sales@example.com") == 0);
	CHECK_EQ(c->cstate.active, CONFINFO_TRUE);
	CHECK_EQ(c->cstate.locked, CONFINFO_FALSE);
	bob = confinfo_user_get(c, "sip:bob@example.com");
	alice = confinfo_user_get(c, "sip:alice@example.com");
	CHECK(bob && alice);
	CHECK_EQ(bob->associated_aors.n, 1);
	CHECK_EQ(alice->n_roles, 2);
	CHECK(strcmp(alice->roles[0], "administrator") == 0);
	CHECK(strcmp(alice->languages, "en fr") == 0);
	e = &bob->endpoints[0];
	CHECK(e->referred.present && strcmp(e->referred.reason, "expert required") == 0);
	CHECK(e->call_info.present && strcmp(e->call_info.call_id, "hsjh8980vhsb78") == 0);
	CHECK(strcmp(e->call_info.to_tag, "8954jgjg8432") == 0);
	CHECK_EQ(alice->endpoints[0].n_media, 2);
	CHECK_EQ(confinfo_media_get(&alice->endpoints[0], "2")->status, CONFINFO_MEDIA_SENDONLY);
	/* The sidebars are read past: the users of sidebar 77 are not ours. */
	CHECK_EQ(c->users.n, 2);
	CHECK(roundtrip(p, c) == 0);
	confinfo_free(c);
	confinfo_parser_free(p);
	return 0;
}

static int test_rfc_partial(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *held = NULL;
	const struct confinfo_user *bob, *carol;
	const struct confinfo_endpoint *e;
	char err[256];

	CHECK_EQ(confinfo_receive(p, &held, rfc_basic, strlen(rfc_basic), err, sizeof(err)), 0);
	CHECK_EQ(confinfo_receive(p, &held, rfc_basic_v2, strlen(rfc_basic_v2), err, sizeof(err)),
		 0);
	CHECK(held->version == 2 && held->state == CONFINFO_FULL);
	CHECK_EQ(held->users.n, 2);
	CHECK(!confinfo_user_get(held, "sip:alice@example.com"));
	bob = confinfo_user_get(held, "sip:bob@example.com");
	carol = confinfo_user_get(held, "sip:carol@example.com");
	CHECK(bob && carol && bob->state == CONFINFO_FULL);
	e = confinfo_endpoint_get(bob, "sip:bob@pc33.example.com");
	CHECK(e && e->status == CONFINFO_EP_CONNECTED && e->state == CONFINFO_FULL);
	CHECK_EQ(e->joining_method, CONFINFO_JOIN_DIALED_IN);
	/* Untouched by the partial document: */
	CHECK(strcmp(e->display_text, "Bob's Laptop") == 0);
	CHECK_EQ(e->disconnection_method, CONFINFO_DISC_DEPARTED);
	CHECK_EQ(e->n_media, 1);
	CHECK(strcmp(held->desc.subject, "Agenda: This month's goals") == 0);
	/* The same document again is ignored. */
	CHECK_EQ(confinfo_receive(p, &held, rfc_basic_v2, strlen(rfc_basic_v2), err, sizeof(err)),
		 -EALREADY);
	confinfo_free(held);
	confinfo_parser_free(p);
	return 0;
}

/* A state with every field of the model set. */
static struct confinfo *everything(void)
{
	struct confinfo *c = NULL;
	struct confinfo_user *u;
	struct confinfo_endpoint *e;
	struct confinfo_media *m;
	struct confinfo_uri *uri;
	struct confinfo_avmedia *am;
	static const char *const roles[] = { "participant", "administrator" };
	int rc = 0;

	if (confinfo_alloc(&c, "sip:standup@chorus.example") != 0)
		abort();
	c->desc.present = true;
	rc |= confinfo_str_set(&c->desc.display_text, "Stand-up & <friends>");
	rc |= confinfo_str_set(&c->desc.subject, "Daily \"stand-up\"\tmeeting\r\nsecond line");
	rc |= confinfo_str_set(&c->desc.free_text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5");
	rc |= confinfo_str_set(&c->desc.keywords, "daily standup");
	rc |= confinfo_uri_add(&c->desc.conf_uris, "sip:standup@chorus.example", &uri);
	rc |= confinfo_str_set(&uri->purpose, "participation");
	uri->modified.present = true;
	rc |= confinfo_str_set(&uri->modified.when, "2026-01-02T03:04:05Z");
	rc |= confinfo_uri_add(&c->desc.service_uris, "http://chorus.example/standup", &uri);
	rc |= confinfo_str_set(&uri->display_text, "Web page");
	c->desc.has_max_users = true;
	c->desc.max_users = 4294967295u;
	rc |= confinfo_avmedia_add(&c->desc, "11", "audio", &am);
	am->status = CONFINFO_MEDIA_SENDRECV;
	rc |= confinfo_str_set(&am->display_text, "mix");
	c->host.present = true;
	rc |= confinfo_str_set(&c->host.display_text, "Primary focus");
	rc |= confinfo_str_set(&c->host.web_page, "http://chorus.example/");
	rc |= confinfo_uri_add(&c->host.uris, "sip:focus1@chorus.example", NULL);
	c->cstate.present = true;
	c->cstate.has_user_count = true;
	c->cstate.user_count = 2;
	c->cstate.active = CONFINFO_TRUE;
	c->cstate.locked = CONFINFO_FALSE;
	rc |= confinfo_user_add(c, "sip:alice@chorus.example", &u);
	rc |= confinfo_str_set(&u->display_text, "Alice");
	rc |= confinfo_uri_add(&u->associated_aors, "mailto:alice@chorus.example", NULL);
	rc |= confinfo_user_roles_set(u, roles, 2);
	rc |= confinfo_str_set(&u->languages, "en fr-CA");
	rc |= confinfo_endpoint_add(u, "sip:alice@192.0.2.1:5060", &e);
	rc |= confinfo_str_set(&e->display_text, "Alice's phone");
	e->referred.present = true;
	rc |= confinfo_str_set(&e->referred.by, "sip:bob@chorus.example");
	e->status = CONFINFO_EP_CONNECTED;
	e->joining_method = CONFINFO_JOIN_DIALED_IN;
	e->joining_info.present = true;
	rc |= confinfo_str_set(&e->joining_info.when, "2026-01-02T03:04:05.25+01:00");
	rc |= confinfo_str_set(&e->joining_info.reason, "invited");
	e->disconnection_method = CONFINFO_DISC_BOOTED;
	e->disconnection_info.present = true;
	rc |= confinfo_media_add(e, "1", &m);
	rc |= confinfo_str_set(&m->display_text, "voice");
	rc |= confinfo_str_set(&m->type, "audio");
	rc |= confinfo_str_set(&m->label, "11");
	rc |= confinfo_str_set(&m->src_id, "3735928559");
	m->status = CONFINFO_MEDIA_SENDRECV;
	e->call_info.present = true;
	rc |= confinfo_str_set(&e->call_info.call_id, "a84b4c76e66710");
	rc |= confinfo_str_set(&e->call_info.from_tag, "1928301774");
	rc |= confinfo_str_set(&e->call_info.to_tag, "314159");
	rc |= confinfo_user_add(c, "sip:bob@chorus.example", &u);
	rc |= confinfo_str_set(&u->cascaded_focus, "sip:standup@chorus.example;focus=f2");
	rc |= confinfo_endpoint_add(u, "sip:bob@198.51.100.7", &e);
	e->status = CONFINFO_EP_ON_HOLD;
	if (rc)
		abort();
	return c;
}

static int test_roundtrip_all_fields(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *c = everything(), *d = NULL;

	c->has_version = true;
	c->version = 7;
	CHECK(roundtrip(p, c) == 0);
	CHECK_EQ(confinfo_dup(&d, c), 0);
	CHECK(confinfo_equal(c, d));
	/* Order of keyed lists does not matter; everything else does. */
	CHECK_EQ(confinfo_user_remove(d, "sip:alice@chorus.example"), 0);
	CHECK(!confinfo_equal(c, d));
	confinfo_free(d);
	d = NULL;
	CHECK_EQ(confinfo_dup(&d, c), 0);
	d->users.v[0].endpoints[0].media[0].status = CONFINFO_MEDIA_INACTIVE;
	CHECK(!confinfo_equal(c, d));
	confinfo_free(d);
	confinfo_free(c);
	/* A bare document. */
	CHECK_EQ(confinfo_alloc(&c, "sip:empty@chorus.example"), 0);
	CHECK(roundtrip(p, c) == 0);
	c->users.present = true;
	c->cstate.present = true;
	CHECK(roundtrip(p, c) == 0);
	/* Fields set without the present flag are not lost. */
	CHECK_EQ(confinfo_uri_add(&c->host.uris, "sip:h@chorus.example", NULL), 0);
	c->cstate.present = false;
	c->cstate.locked = CONFINFO_TRUE;
	CHECK(roundtrip(p, c) == 0);
	confinfo_free(c);
	confinfo_parser_free(p);
	return 0;
}

static int test_build_refuses(void)
{
	struct confinfo *c = everything();
	struct confinfo_user *u = confinfo_user_get(c, "sip:alice@chorus.example");
	char *xml = NULL, err[256];
	size_t len;

	CHECK_EQ(confinfo_str_set(&u->display_text, "bell\x07"), 0);
	CHECK_EQ(confinfo_build(c, &xml, &len, err, sizeof(err)), -EINVAL);
	CHECK(!xml && strstr(err, "display-text"));
	CHECK_EQ(confinfo_str_set(&u->display_text, "bad \xc3\x28 utf-8"), 0);
	CHECK_EQ(confinfo_build(c, &xml, &len, err, sizeof(err)), -EINVAL);
	CHECK_EQ(confinfo_str_set(&u->display_text, NULL), 0);
	CHECK_EQ(confinfo_str_set(&u->endpoints[0].call_info.to_tag, NULL), 0);
	CHECK_EQ(confinfo_build(c, &xml, &len, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "call-info"));
	CHECK_EQ(confinfo_str_set(&u->endpoints[0].call_info.to_tag, "x"), 0);
	CHECK_EQ(confinfo_build(c, &xml, &len, err, sizeof(err)), 0);
	free(xml);
	CHECK_EQ(confinfo_user_add(c, "sip:alice@chorus.example", NULL), -EEXIST);
	CHECK_EQ(confinfo_user_remove(c, "sip:nobody@chorus.example"), -ENOENT);
	confinfo_free(c);
	return 0;
}

/* diff(old, new) -> XML -> parse -> apply onto old at version v: equals new. */
static int diff_apply(struct confinfo_parser *p, const struct confinfo *old,
		      const struct confinfo *new_, enum confinfo_state want_state, char **text)
{
	struct confinfo *d = NULL, *held = NULL, *doc = NULL, *want = NULL;
	char *xml = NULL, err[256];
	size_t len;
	int rc = -1;

	if (confinfo_dup(&held, old) || confinfo_dup(&want, new_))
		goto out;
	held->has_version = true;
	held->version = 41;
	want->has_version = true;
	want->version = 42;
	if (confinfo_diff(old, new_, &d) != 0)
		goto out;
	if (d->state != want_state) {
		fprintf(stderr, "  diff made a %s document\n", confinfo_state_name(d->state));
		goto out;
	}
	d->has_version = true;
	d->version = 42;
	if (confinfo_build(d, &xml, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "  build: %s\n", err);
		goto out;
	}
	if (confinfo_parse(p, xml, len, &doc, err, sizeof(err)) != 0) {
		fprintf(stderr, "  parse: %s\n%s", err, xml);
		goto out;
	}
	if (!confinfo_equal(doc, d)) {
		fprintf(stderr, "  the partial document did not survive its round trip\n");
		goto out;
	}
	if (confinfo_apply(&held, doc, err, sizeof(err)) != 0) {
		fprintf(stderr, "  apply: %s\n", err);
		goto out;
	}
	if (!confinfo_equal(held, want)) {
		fprintf(stderr, "  old + diff is not new; the diff was:\n%s", xml);
		goto out;
	}
	rc = 0;
	if (text) {
		*text = xml;
		xml = NULL;
	}
out:
	free(xml);
	confinfo_free(d);
	confinfo_free(doc);
	confinfo_free(held);
	confinfo_free(want);
	return rc;
}

static int test_diff_partial(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *old = everything(), *new_ = NULL, *d = NULL;
	struct confinfo_user *u, *alice;
	struct confinfo_endpoint *e;
	struct confinfo_media *m;
	char *xml = NULL;

	CHECK_EQ(confinfo_dup(&new_, old), 0);
	CHECK_EQ(confinfo_diff(old, new_, &d), -ENODATA);
	CHECK(!d);
	/* Changes that a partial document can carry. */
	new_->cstate.user_count = 3;
	CHECK_EQ(confinfo_str_set(&new_->desc.subject, "New subject"), 0);
	alice = confinfo_user_get(new_, "sip:alice@chorus.example");
	e = &alice->endpoints[0];
	e->status = CONFINFO_EP_MUTED_VIA_FOCUS;
	CHECK_EQ(confinfo_str_set(&e->joining_info.by, "sip:carol@chorus.example"), 0);
	CHECK_EQ(confinfo_media_add(e, "2", &m), 0);
	CHECK_EQ(confinfo_str_set(&m->type, "video"), 0);
	CHECK_EQ(confinfo_endpoint_add(alice, "sip:alice@tablet", &e), 0);
	e->status = CONFINFO_EP_ALERTING;
	CHECK_EQ(confinfo_user_remove(new_, "sip:bob@chorus.example"), 0);
	CHECK_EQ(confinfo_user_add(new_, "sip:carol@chorus.example", &u), 0);
	CHECK_EQ(confinfo_str_set(&u->display_text, "Carol"), 0);
	CHECK(diff_apply(p, old, new_, CONFINFO_PARTIAL, &xml) == 0);
	/* What was sent: only what changed, with the right states. */
	CHECK(strstr(xml, "state=\"partial\" version=\"42\""));
	CHECK(strstr(xml, "<user entity=\"sip:bob@chorus.example\" state=\"deleted\"/>"));
	CHECK(strstr(xml, "<user entity=\"sip:alice@chorus.example\" state=\"partial\">"));
	CHECK(strstr(xml, "<user entity=\"sip:carol@chorus.example\" state=\"full\">"));
	CHECK(strstr(xml, "<endpoint entity=\"sip:alice@tablet\" state=\"full\">"));
	CHECK(strstr(xml, "<status>muted-via-focus</status>"));
	CHECK(strstr(xml, "<subject>New subject</subject>"));
	CHECK(!strstr(xml, "Alice's phone"));  /* unchanged: not sent */
	CHECK(!strstr(xml, "Primary focus"));  /* host-info unchanged */
	CHECK(!strstr(xml, "administrator"));  /* roles unchanged */
	free(xml);
	/* The endpoint gone: deleted. */
	confinfo_free(old);
	old = new_;
	new_ = NULL;
	CHECK_EQ(confinfo_dup(&new_, old), 0);
	alice = confinfo_user_get(new_, "sip:alice@chorus.example");
	CHECK_EQ(confinfo_endpoint_remove(alice, "sip:alice@tablet"), 0);
	CHECK(diff_apply(p, old, new_, CONFINFO_PARTIAL, &xml) == 0);
	CHECK(strstr(xml, "<endpoint entity=\"sip:alice@tablet\" state=\"deleted\"/>"));
	free(xml);
	confinfo_free(old);
	confinfo_free(new_);
	confinfo_parser_free(p);
	return 0;
}

static int test_diff_escalation(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *old = everything(), *new_ = NULL;
	struct confinfo_user *alice;
	char *xml = NULL;

	/* A medium removed: media have no state, so the endpoint goes full. */
	CHECK_EQ(confinfo_dup(&new_, old), 0);
	alice = confinfo_user_get(new_, "sip:alice@chorus.example");
	CHECK_EQ(confinfo_media_remove(&alice->endpoints[0], "1"), 0);
	CHECK(diff_apply(p, old, new_, CONFINFO_PARTIAL, &xml) == 0);
	CHECK(strstr(xml, "<endpoint entity=\"sip:alice@192.0.2.1:5060\" state=\"full\">"));
	CHECK(strstr(xml, "<user entity=\"sip:alice@chorus.example\" state=\"partial\">"));
	free(xml);
	confinfo_free(new_);
	/* The roles removed: the user goes full. */
	CHECK_EQ(confinfo_dup(&new_, old), 0);
	alice = confinfo_user_get(new_, "sip:alice@chorus.example");
	CHECK_EQ(confinfo_user_roles_set(alice, NULL, 0), 0);
	CHECK(diff_apply(p, old, new_, CONFINFO_PARTIAL, &xml) == 0);
	CHECK(strstr(xml, "<user entity=\"sip:alice@chorus.example\" state=\"full\">"));
	free(xml);
	confinfo_free(new_);
	/* A URI list changed: sent whole. */
	CHECK_EQ(confinfo_dup(&new_, old), 0);
	CHECK_EQ(confinfo_uri_add(&new_->desc.conf_uris, "tel:+15551234", NULL), 0);
	CHECK(diff_apply(p, old, new_, CONFINFO_PARTIAL, &xml) == 0);
	CHECK(strstr(xml, "<conf-uris state=\"full\">"));
	free(xml);
	confinfo_free(new_);
	/* The subject removed: only a full document can say it. */
	CHECK_EQ(confinfo_dup(&new_, old), 0);
	CHECK_EQ(confinfo_str_set(&new_->desc.subject, NULL), 0);
	CHECK(diff_apply(p, old, new_, CONFINFO_FULL, &xml) == 0);
	free(xml);
	confinfo_free(new_);
	/* All users gone: <users state="deleted"/>. */
	CHECK_EQ(confinfo_dup(&new_, old), 0);
	confinfo_user_remove(new_, "sip:alice@chorus.example");
	confinfo_user_remove(new_, "sip:bob@chorus.example");
	new_->users.present = false;
	CHECK(diff_apply(p, old, new_, CONFINFO_PARTIAL, &xml) == 0);
	CHECK(strstr(xml, "<users state=\"deleted\"/>"));
	free(xml);
	confinfo_free(new_);
	/* Nothing before: full. */
	CHECK_EQ(confinfo_alloc(&new_, old->entity), 0);
	CHECK(diff_apply(p, new_, old, CONFINFO_PARTIAL, NULL) == 0);
	confinfo_free(new_);
	confinfo_free(old);
	confinfo_parser_free(p);
	return 0;
}

static char *with_version(const char *xml, const char *from, const char *to)
{
	const char *at = strstr(xml, from);
	size_t n = strlen(xml) + strlen(to) + 1;
	char *out = malloc(n);

	if (!at || !out)
		abort();
	snprintf(out, n, "%.*s%s%s", (int)(at - xml), xml, to, at + strlen(from));
	return out;
}

static int test_versions(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *held = NULL, *snap = NULL;
	char err[256], *v3, *v1p, *other, *nover, *v5full;

	v3 = with_version(rfc_basic_v2, "version=\"2\"", "version=\"3\"");
	v1p = with_version(rfc_basic_v2, "version=\"2\"", "version=\"1\"");
	other = with_version(rfc_basic_v2, "sips:conf233@", "sips:conf999@");
	nover = with_version(rfc_basic_v2, "version=\"2\"", "");
	v5full = with_version(rfc_basic, "version=\"1\"", "version=\"5\"");
	/* A partial document with nothing held. */
	CHECK_EQ(confinfo_receive(p, &held, rfc_basic_v2, strlen(rfc_basic_v2), err, sizeof(err)),
		 -ESTALE);
	CHECK(!held);
	CHECK_EQ(confinfo_receive(p, &held, rfc_basic, strlen(rfc_basic), err, sizeof(err)), 0);
	CHECK_EQ(confinfo_dup(&snap, held), 0);
	/* A gap: version 3 after 1. Nothing changes. */
	CHECK_EQ(confinfo_receive(p, &held, v3, strlen(v3), err, sizeof(err)), -ESTALE);
	CHECK(strstr(err, "missed"));
	CHECK(confinfo_equal(held, snap));
	/* Older or equal: ignored. */
	CHECK_EQ(confinfo_receive(p, &held, v1p, strlen(v1p), err, sizeof(err)), -EALREADY);
	CHECK_EQ(confinfo_receive(p, &held, rfc_basic, strlen(rfc_basic), err, sizeof(err)),
		 -EALREADY);
	/* Another conference, or a partial document without version. */
	CHECK_EQ(confinfo_receive(p, &held, other, strlen(other), err, sizeof(err)), -EPROTO);
	CHECK_EQ(confinfo_receive(p, &held, nover, strlen(nover), err, sizeof(err)), -EPROTO);
	CHECK(confinfo_equal(held, snap));
	/* In order it applies; then a newer full state replaces everything. */
	CHECK_EQ(confinfo_receive(p, &held, rfc_basic_v2, strlen(rfc_basic_v2), err, sizeof(err)),
		 0);
	CHECK_EQ(confinfo_receive(p, &held, v3, strlen(v3), err, sizeof(err)), 0);
	CHECK_EQ(held->version, 3);
	CHECK_EQ(confinfo_receive(p, &held, v5full, strlen(v5full), err, sizeof(err)), 0);
	CHECK_EQ(held->version, 5);
	CHECK(confinfo_user_get(held, "sip:alice@example.com"));
	CHECK(!confinfo_user_get(held, "sip:carol@example.com"));
	free(v3);
	free(v1p);
	free(other);
	free(nover);
	free(v5full);
	confinfo_free(snap);
	confinfo_free(held);
	confinfo_parser_free(p);
	return 0;
}

/* Two foci: F1 serves alice, F2 serves bob and carol; F1 learns who is where. */
static int test_cascaded_focus(void)
{
	static const char f2[] = "sip:standup@chorus.example;focus=f2";
	struct confinfo_parser *p = parser();
	struct confinfo *c = everything(), *held = NULL, *d = NULL;
	struct confinfo_user *u;
	const struct confinfo_user *it;
	char *xml = NULL, err[256];
	size_t len, n;

	CHECK_EQ(confinfo_user_add(c, "sip:carol@chorus.example", &u), 0);
	CHECK_EQ(confinfo_str_set(&u->cascaded_focus, f2), 0);
	c->has_version = true;
	c->version = 1;
	CHECK_EQ(confinfo_build(c, &xml, &len, err, sizeof(err)), 0);
	CHECK(strstr(xml, "<cascaded-focus>sip:standup@chorus.example;focus=f2</cascaded-focus>"));
	CHECK_EQ(confinfo_receive(p, &held, xml, len, err, sizeof(err)), 0);
	free(xml);
	for (n = 0, it = NULL; (it = confinfo_user_next_served(held, f2, it)) != NULL; n++)
		CHECK(strcmp(it->cascaded_focus, f2) == 0);
	CHECK_EQ(n, 2);
	it = confinfo_user_next_served(held, NULL, NULL);
	CHECK(it && strcmp(it->entity, "sip:alice@chorus.example") == 0);
	CHECK(!confinfo_user_next_served(held, NULL, it));
	/* Alice moves to F2 (her focus failed): a partial with cascaded-focus only. */
	CHECK_EQ(confinfo_dup(&d, c), 0);
	u = confinfo_user_get(d, "sip:alice@chorus.example");
	CHECK_EQ(confinfo_str_set(&u->cascaded_focus, f2), 0);
	confinfo_free(c);
	c = d;
	d = NULL;
	CHECK_EQ(confinfo_diff(held, c, &d), 0);
	CHECK_EQ(d->state, CONFINFO_PARTIAL);
	CHECK_EQ(d->users.n, 1);
	CHECK(strcmp(d->users.v[0].cascaded_focus, f2) == 0 && d->users.v[0].n_endpoints == 0);
	d->has_version = true;
	d->version = 2;
	CHECK_EQ(confinfo_build(d, &xml, &len, err, sizeof(err)), 0);
	CHECK_EQ(confinfo_receive(p, &held, xml, len, err, sizeof(err)), 0);
	free(xml);
	CHECK(!confinfo_user_next_served(held, NULL, NULL));
	confinfo_free(d);
	confinfo_free(c);
	confinfo_free(held);
	confinfo_parser_free(p);
	return 0;
}

struct logged {
	int lines;
};

static void log_cb(void *arg, enum relo_log_level l, const char *line)
{
	struct logged *lg = arg;

	(void)l;
	(void)line;
	lg->lines++;
}

static int test_notifier(void)
{
	struct logged lg = { 0 };
	struct confinfo_notifier_opts o = { .log = log_cb, .log_arg = &lg,
					    .log_level = RELO_LOG_DEBUG };
	struct confinfo_parser *p = parser();
	struct confinfo_notifier *n = NULL;
	struct confinfo_sub a = { 0 }, b = { 0 }, late = { 0 };
	struct confinfo *sa = NULL, *sb = NULL, *cur;
	struct confinfo_user *u;
	char *xml = NULL, err[256];
	size_t len;
	bool full;

	CHECK_EQ(confinfo_notifier_alloc(&n, "sip:standup@chorus.example", &o), 0);
	CHECK(!confinfo_notifier_pending(n));
	CHECK_EQ(confinfo_notifier_flush(n), -ENODATA);
	/* A first subscriber: full state, version 1, then nothing new. */
	CHECK_EQ(confinfo_notifier_body(n, &a, &xml, &len, &full), 0);
	CHECK(full && a.version == 1);
	CHECK_EQ(confinfo_receive(p, &sa, xml, len, err, sizeof(err)), 0);
	free(xml);
	CHECK_EQ(confinfo_notifier_body(n, &a, &xml, &len, &full), -ENODATA);
	/* Three changes between two notifications: one partial document. */
	cur = confinfo_notifier_edit(n);
	CHECK_EQ(confinfo_user_add(cur, "sip:alice@chorus.example", &u), 0);
	CHECK_EQ(confinfo_str_set(&u->display_text, "Alice"), 0);
	cur->cstate.present = true;
	cur->cstate.has_user_count = true;
	cur->cstate.user_count = 1;
	cur = confinfo_notifier_edit(n);
	CHECK_EQ(confinfo_user_add(cur, "sip:bob@chorus.example", NULL), 0);
	cur->cstate.user_count = 2;
	cur = confinfo_notifier_edit(n);
	CHECK_EQ(confinfo_user_remove(cur, "sip:bob@chorus.example"), 0);
	cur->cstate.user_count = 1;
	CHECK(confinfo_notifier_pending(n));
	CHECK_EQ(confinfo_notifier_flush(n), 0);
	CHECK(!confinfo_notifier_pending(n));
	CHECK_EQ(confinfo_notifier_gen(n), 1);
	CHECK_EQ(confinfo_notifier_body(n, &a, &xml, &len, &full), 0);
	CHECK(!full && a.version == 2);
	CHECK(strstr(xml, "state=\"partial\" version=\"2\""));
	CHECK(!strstr(xml, "bob")); /* came and went between two notifications */
	CHECK_EQ(confinfo_receive(p, &sa, xml, len, err, sizeof(err)), 0);
	free(xml);
	CHECK(confinfo_equal(sa, confinfo_notifier_state(n)) == false); /* versions differ */
	sa->has_version = false;
	CHECK(confinfo_equal(sa, confinfo_notifier_state(n)));
	sa->has_version = true;
	/* A second subscriber now: full state at its own version 1. */
	CHECK_EQ(confinfo_notifier_body(n, &b, &xml, &len, &full), 0);
	CHECK(full && b.version == 1);
	CHECK_EQ(confinfo_receive(p, &sb, xml, len, err, sizeof(err)), 0);
	free(xml);
	/* A change undone before the flush: nothing pending. */
	cur = confinfo_notifier_edit(n);
	cur->cstate.locked = CONFINFO_TRUE;
	cur = confinfo_notifier_edit(n);
	cur->cstate.locked = CONFINFO_UNSET;
	CHECK(!confinfo_notifier_pending(n));
	CHECK_EQ(confinfo_notifier_flush(n), -ENODATA);
	/* Two more generations; "late" saw generation 1 only. */
	CHECK_EQ(confinfo_notifier_body(n, &late, &xml, &len, &full), 0);
	free(xml);
	cur = confinfo_notifier_edit(n);
	u = confinfo_user_get(cur, "sip:alice@chorus.example");
	CHECK_EQ(confinfo_endpoint_add(u, "sip:alice@192.0.2.1", NULL), 0);
	CHECK_EQ(confinfo_notifier_flush(n), 0);
	CHECK_EQ(confinfo_notifier_body(n, &a, &xml, &len, &full), 0);
	CHECK(!full);
	CHECK_EQ(confinfo_receive(p, &sa, xml, len, err, sizeof(err)), 0);
	free(xml);
	CHECK_EQ(confinfo_notifier_body(n, &b, &xml, &len, &full), 0);
	CHECK(!full && b.version == 2);
	CHECK_EQ(confinfo_receive(p, &sb, xml, len, err, sizeof(err)), 0);
	free(xml);
	cur = confinfo_notifier_edit(n);
	cur->cstate.active = CONFINFO_TRUE;
	CHECK_EQ(confinfo_notifier_flush(n), 0);
	CHECK_EQ(confinfo_notifier_body(n, &late, &xml, &len, &full), 0);
	CHECK(full && late.version == 2); /* missed generation 2: full */
	free(xml);
	CHECK_EQ(confinfo_notifier_body(n, &a, &xml, &len, &full), 0);
	CHECK_EQ(confinfo_receive(p, &sa, xml, len, err, sizeof(err)), 0);
	free(xml);
	/* A refreshed subscription gets full state. */
	confinfo_sub_reset(&b);
	CHECK_EQ(confinfo_notifier_body(n, &b, &xml, &len, &full), 0);
	CHECK(full && b.version == 3);
	CHECK_EQ(confinfo_receive(p, &sb, xml, len, err, sizeof(err)), 0);
	free(xml);
	sa->has_version = sb->has_version = false;
	CHECK(confinfo_equal(sa, sb));
	CHECK(confinfo_equal(sa, confinfo_notifier_state(n)));
	CHECK(lg.lines >= 3);
	confinfo_free(sa);
	confinfo_free(sb);
	confinfo_notifier_free(n);
	confinfo_parser_free(p);
	return 0;
}

/* Each doc must be refused with want, and the message must contain what. */
struct refusal {
	const char *name;
	const char *xml;
	int want;
	const char *what;
};

#define HEAD "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" "

static const struct refusal refusals[] = {
	{ "wrong root", "<conference xmlns=\"urn:ietf:params:xml:ns:conference-info\" "
			"entity=\"sip:a@b\"/>",
	  -EBADMSG, "<conference>" },
	{ "wrong namespace", "<conference-info xmlns=\"urn:example\" entity=\"sip:a@b\"/>",
	  -EBADMSG, "<conference-info>" },
	{ "no namespace", "<conference-info entity=\"sip:a@b\"/>", -EBADMSG, "line 1" },
	{ "no entity", HEAD "/>", -EBADMSG, "entity" },
	{ "bad state", HEAD "entity=\"sip:a@b\" state=\"bogus\"/>", -EBADMSG, "state" },
	{ "bad user state", HEAD "entity=\"sip:a@b\">\n<users>\n<user entity=\"sip:u@b\" "
				 "state=\"gone\"/></users></conference-info>",
	  -EBADMSG, "line 3, <user>" },
	{ "bad status", HEAD "entity=\"sip:a@b\"><users><user entity=\"sip:u@b\"><endpoint "
			     "entity=\"e\"><status>happy</status></endpoint></user></users>"
			     "</conference-info>",
	  -EBADMSG, "<status>" },
	{ "bad count", HEAD "entity=\"sip:a@b\"><conference-state><user-count>-1</user-count>"
			    "</conference-state></conference-info>",
	  -EBADMSG, "<user-count>" },
	{ "bad version", HEAD "entity=\"sip:a@b\" version=\"4294967296\"/>", -EBADMSG, "version" },
	{ "out of order", HEAD "entity=\"sip:a@b\"><users/><conference-state/></conference-info>",
	  -EBADMSG, "conference-state" },
	{ "unknown element of ours", HEAD "entity=\"sip:a@b\"><bogus/></conference-info>", -EBADMSG,
	  "bogus" },
	{ "unqualified element", HEAD "entity=\"sip:a@b\"><x xmlns=\"\"/></conference-info>",
	  -EBADMSG, "<x>" },
	{ "user without entity", HEAD "entity=\"sip:a@b\"><users><user/></users></conference-info>",
	  -EBADMSG, "<user>: no entity" },
	{ "duplicate user", HEAD "entity=\"sip:a@b\"><users><user entity=\"sip:u@b\"/>\n"
				 "<user entity=\"sip:u@b\"/></users></conference-info>",
	  -EBADMSG, "line 2, <user>: a second user" },
	{ "duplicate media", HEAD "entity=\"sip:a@b\"><users><user entity=\"sip:u@b\"><endpoint "
				  "entity=\"e\"><media id=\"1\"/><media id=\"1\"/></endpoint>"
				  "</user></users></conference-info>",
	  -EBADMSG, "<media>" },
	{ "sip without call-id", HEAD "entity=\"sip:a@b\"><users><user entity=\"u\"><endpoint "
				      "entity=\"e\"><call-info><sip><from-tag>f</from-tag>"
				      "<to-tag>t</to-tag></sip></call-info></endpoint></user>"
				      "</users>"
				      "</conference-info>",
	  -EBADMSG, "<from-tag>" },
	{ "not well-formed", HEAD "entity=\"sip:a@b\"><users></user></conference-info>", -EBADMSG,
	  "line 1" },
	{ "undefined prefix", HEAD "entity=\"sip:a@b\"><x:y/></conference-info>", -EBADMSG,
	  "line 1" },
	{ "two roots", HEAD "entity=\"sip:a@b\"/><x/>", -EBADMSG, "line 1" },
	{ "empty", "", -EBADMSG, "empty" },
	{ "text only", "hello", -EBADMSG, "line 1" },
	{ "NUL", HEAD "entity=\"sip:a@b\"/>\0", -EBADMSG, "NUL" },
	{ "latin-1 bytes", HEAD "entity=\"sip:a@b\"><conference-description><subject>caf\xe9"
			       "</subject></conference-description></conference-info>",
	  -EBADMSG, "line 1" },
	{ "doctype", "<!DOCTYPE conference-info>\n" HEAD "entity=\"sip:a@b\"/>", -EBADMSG,
	  "DOCTYPE" },
	{ "xxe",
	  "<?xml version=\"1.0\"?>\n<!DOCTYPE c [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	  HEAD "entity=\"sip:a@b\"><conference-description><subject>&xxe;</subject>"
	  "</conference-description></conference-info>",
	  -EBADMSG, "line 2, <document>: a DOCTYPE" },
	{ "xxe parameter entity",
	  "<!DOCTYPE c [<!ENTITY % p SYSTEM \"http://192.0.2.1/x.dtd\"> %p;]>" HEAD
	  "entity=\"sip:a@b\"/>",
	  -EBADMSG, "DOCTYPE" },
	{ "external dtd", "<!DOCTYPE c SYSTEM \"file:///etc/passwd\">" HEAD "entity=\"sip:a@b\"/>",
	  -EBADMSG, "DOCTYPE" },
	{ "entity declared late", HEAD "entity=\"sip:a@b\"><!ENTITY x \"y\"></conference-info>",
	  -EBADMSG, "DOCTYPE" },
	{ "undeclared entity", HEAD "entity=\"sip:a@b\"><conference-description><subject>&lol;"
				    "</subject></conference-description></conference-info>",
	  -EBADMSG, "line 1" },
	{ "xinclude ignored, then invalid",
	  HEAD "entity=\"sip:a@b\"><users><user/></users><xi:include "
	       "xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" "
	       "parse=\"text\"/></conference-info>",
	  -EBADMSG, "no entity" },
};

static int test_refusals(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *c;
	char err[512];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];

		len = strcmp(r->name, "NUL") == 0 ? strlen(r->xml) + 1 : strlen(r->xml);
		c = (struct confinfo *)1;
		err[0] = '\0';
		rc = confinfo_parse(p, r->xml, len, &c, err, sizeof(err));
		if (rc != r->want || c || !strstr(err, r->what))
			TEST_FAIL("%s: rc %d (want %d), message \"%s\" (want \"%s\")", r->name, rc,
				  r->want, err, r->what);
		if (strstr(err, "root:") || strstr(err, "/etc/passwd:"))
			TEST_FAIL("%s: the message shows a file's content: %s", r->name, err);
	}
	confinfo_parser_free(p);
	return 0;
}

static int test_billion_laughs(void)
{
	static const char lol[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n" HEAD "entity=\"sip:a@b\"><conference-description><subject>&lol9;</subject>"
		"</conference-description></conference-info>\n";
	struct confinfo_parser *p = parser();
	struct confinfo *c = NULL;
	char err[256];

	CHECK_EQ(confinfo_parse(p, lol, strlen(lol), &c, err, sizeof(err)), -EBADMSG);
	CHECK(!c && strstr(err, "line 2") && strstr(err, "DOCTYPE"));
	confinfo_parser_free(p);
	return 0;
}

static int test_size_cap(void)
{
	struct confinfo_limits lim = { .max_bytes = 1000 };
	struct confinfo_parser *p = parser(), *small = NULL;
	struct confinfo *c = NULL;
	char err[256], *big;
	size_t n = CONFINFO_MAX_BYTES + 1, head;

	/* A valid document of exactly the cap parses; one byte more does not. */
	big = malloc(n + 1);
	CHECK(big);
	head = (size_t)snprintf(big, n + 1, HEAD "entity=\"sip:a@b\"><conference-description>"
						"<subject>");
	memset(big + head, 'x', n - head);
	strcpy(big + n - strlen("</subject></conference-description></conference-info>") - 1,
	       "</subject></conference-description></conference-info>");
	CHECK_EQ(strlen(big), n - 1);
	CHECK_EQ(confinfo_parse(p, big, n - 1, &c, err, sizeof(err)), 0);
	CHECK(c && strlen(c->desc.subject) > 200000);
	confinfo_free(c);
	c = NULL;
	big[n - 2] = ' ';
	big[n - 1] = '>';
	CHECK_EQ(confinfo_parse(p, big, n, &c, err, sizeof(err)), -EMSGSIZE);
	CHECK(!c && strstr(err, "bytes"));
	free(big);
	/* A configured cap. */
	CHECK_EQ(confinfo_parser_alloc(&small, &lim), 0);
	CHECK_EQ(confinfo_parse(small, rfc_basic, strlen(rfc_basic), &c, err, sizeof(err)),
		 -EMSGSIZE);
	confinfo_parser_free(small);
	confinfo_parser_free(p);
	return 0;
}

static int test_depth_and_count_caps(void)
{
	struct confinfo_parser *p = parser();
	struct confinfo *c = NULL;
	char err[256], *doc;
	size_t i, off = 0, cap = 1 << 20;

	/* 100,000 nested elements (of another namespace, which xs:any allows). */
	doc = malloc(cap);
	CHECK(doc);
	off += (size_t)snprintf(doc, cap, HEAD "entity=\"sip:a@b\" xmlns:x=\"urn:x\">");
	for (i = 0; i < 100000 && off + 8 < cap; i++)
		off += (size_t)snprintf(doc + off, cap - off, "<x:a>");
	CHECK_EQ(confinfo_parse(p, doc, off, &c, err, sizeof(err)), -EMSGSIZE);
	CHECK_EQ(confinfo_parse(p, doc, 1000, &c, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "deeper"));
	/* Just under the depth cap and well-formed: accepted (lax xs:any). */
	off = (size_t)snprintf(doc, cap, HEAD "entity=\"sip:a@b\" xmlns:x=\"urn:x\">");
	for (i = 0; i < CONFINFO_MAX_DEPTH - 1; i++)
		off += (size_t)snprintf(doc + off, cap - off, "<x:a>");
	for (i = 0; i < CONFINFO_MAX_DEPTH - 1; i++)
		off += (size_t)snprintf(doc + off, cap - off, "</x:a>");
	off += (size_t)snprintf(doc + off, cap - off, "</conference-info>");
	CHECK_EQ(confinfo_parse(p, doc, off, &c, err, sizeof(err)), 0);
	confinfo_free(c);
	c = NULL;
	/* Many siblings. */
	off = (size_t)snprintf(doc, cap, HEAD "entity=\"sip:a@b\" xmlns:x=\"urn:x\">");
	for (i = 0; i < CONFINFO_MAX_ELEMENTS; i++)
		off += (size_t)snprintf(doc + off, cap - off, "<x:a/>");
	off += (size_t)snprintf(doc + off, cap - off, "</conference-info>");
	CHECK(off < CONFINFO_MAX_BYTES);
	CHECK_EQ(confinfo_parse(p, doc, off, &c, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "elements"));
	free(doc);
	confinfo_parser_free(p);
	return 0;
}

static int test_extensions_tolerated(void)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\"\n"
		"  xmlns:ch=\"urn:chorus:params:xml:ns:confinfo\" ch:mix=\"f1\"\n"
		"  entity=\"sip:a@b\" version=\"9\">\n"
		" <conference-description ch:region=\"eu\">\n"
		"  <subject>s</subject>\n"
		"  <ch:coordinate>1.5 2.5</ch:coordinate>\n"
		" </conference-description>\n"
		" <users>\n"
		"  <user entity=\"sip:u@b\">\n"
		"   <endpoint entity=\"sip:u@h\">\n"
		"    <call-info><ch:xmpp>jid</ch:xmpp></call-info>\n"
		"   </endpoint>\n"
		"   <ch:note><ch:deep><ch:er/></ch:deep></ch:note>\n"
		"  </user>\n"
		"  <ch:extra/>\n"
		" </users>\n"
		" <ch:trailer>t</ch:trailer>\n"
		"</conference-info>\n";
	struct confinfo_parser *p = parser();
	struct confinfo *c = NULL;
	char err[256];

	CHECK_EQ(confinfo_parse(p, doc, strlen(doc), &c, err, sizeof(err)), 0);
	CHECK(strcmp(c->desc.subject, "s") == 0 && c->users.n == 1);
	CHECK(!c->users.v[0].endpoints[0].call_info.present);
	CHECK(roundtrip(p, c) == 0);
	confinfo_free(c);
	confinfo_parser_free(p);
	return 0;
}

/* Every prefix of a valid document is refused with a message, never accepted. */
static int test_truncations(void)
{
	struct confinfo_parser *p = parser();
	const char *docs[] = { rfc_basic, rfc_rich, rfc_basic_v2 };
	struct confinfo *c;
	char err[256];
	size_t d, n, len;
	int rc;

	for (d = 0; d < 3; d++) {
		len = strlen(docs[d]);
		for (n = 0; n < len; n++) {
			c = NULL;
			err[0] = '\0';
			rc = confinfo_parse(p, docs[d], n, &c, err, sizeof(err));
			/* The last bytes may be the final newline (and spaces). */
			if (rc == 0 && strspn(docs[d] + n, " \n") == len - n) {
				confinfo_free(c);
				continue;
			}
			if (rc != -EBADMSG || c || !err[0] || !strstr(err, "line "))
				TEST_FAIL("doc %zu cut at %zu: rc %d, \"%s\"", d, n, rc, err);
		}
	}
	confinfo_parser_free(p);
	return 0;
}

/* Several threads parsing bad documents at once: each gets its own message. */
struct th {
	int id;
	int bad;
};

static void *thread_main(void *arg)
{
	struct th *t = arg;
	struct confinfo_parser *p = NULL;
	struct confinfo *c;
	char doc[256], err[256], want[64];
	int i;

	if (confinfo_parser_alloc(&p, NULL) != 0) {
		t->bad++;
		return NULL;
	}
	snprintf(doc, sizeof(doc),
		 HEAD "entity=\"sip:a@b\">\n<users state=\"s%d\"/></conference-info>", t->id);
	snprintf(want, sizeof(want), "'s%d'", t->id);
	for (i = 0; i < 200; i++) {
		c = NULL;
		if (confinfo_parse(p, doc, strlen(doc), &c, err, sizeof(err)) != -EBADMSG ||
		    !strstr(err, want) || !strstr(err, "line 2, <users>"))
			t->bad++;
		if (i % 2 && confinfo_parse(p, "<a><b></a>", 10, &c, err, sizeof(err)) != -EBADMSG)
			t->bad++;
	}
	confinfo_parser_free(p);
	return NULL;
}

static int test_threads(void)
{
	pthread_t tid[4];
	struct th t[4];
	int i;

	for (i = 0; i < 4; i++) {
		t[i].id = i;
		t[i].bad = 0;
		CHECK_EQ(pthread_create(&tid[i], NULL, thread_main, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		CHECK_EQ(t[i].bad, 0);
	}
	return 0;
}

static const struct test tests[] = {
	{ "rfc_basic", test_rfc_basic },
	{ "rfc_rich", test_rfc_rich },
	{ "rfc_partial", test_rfc_partial },
	{ "roundtrip_all_fields", test_roundtrip_all_fields },
	{ "build_refuses", test_build_refuses },
	{ "diff_partial", test_diff_partial },
	{ "diff_escalation", test_diff_escalation },
	{ "versions", test_versions },
	{ "cascaded_focus", test_cascaded_focus },
	{ "notifier", test_notifier },
	{ "refusals", test_refusals },
	{ "billion_laughs", test_billion_laughs },
	{ "size_cap", test_size_cap },
	{ "depth_and_count_caps", test_depth_and_count_caps },
	{ "extensions_tolerated", test_extensions_tolerated },
	{ "truncations", test_truncations },
	{ "threads", test_threads },
};

TEST_MAIN(tests)
