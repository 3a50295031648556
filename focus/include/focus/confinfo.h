/*
 * focus/confinfo.h - RFC 4575 conference-info documents: the model, XML
 * in and out, partial notifications and their application
 *
 * What a focus tells its subscribers (participants and, in Chorus, the
 * other foci of the same conference: DESIGN.md "The distributed focus",
 * step 4) is a conference-info document (application/conference-info+xml,
 * namespace CONFINFO_NS). This module has no SIP in it: it holds the
 * document model, writes it as XML, reads XML into it (validated against
 * the schema of RFC 4575 section 5.10, compiled in), computes a partial
 * document from two states, applies partial documents onto a held full
 * state with the version rules of section 4.6, and keeps a notifier's
 * state for a focus (what was sent, what is pending, one coalesced
 * partial document per flush).
 *
 * The model (struct confinfo and its parts) is plain data, public so a
 * focus can read and fill it. Strings are NUL-terminated UTF-8 owned by
 * the model (malloc'd; set them with confinfo_str_set()), NULL when the
 * element is absent. Keyed lists (users by entity, endpoints by entity,
 * media by id, available-media entries by label, URI lists by uri) keep
 * their keys unique and are changed with the _add and _remove functions;
 * pointers into them stay valid until the list is changed. An optional
 * element without key (a struct with a `present` flag) is there when the
 * flag is set or any of its fields is: `present` alone stands for an
 * empty element such as <conference-state/>.
 *
 * The same model carries full and partial documents: every element with a
 * state attribute in the schema has a `state` field, and in a partial
 * document an absent optional field means "unchanged".
 *
 * Errors (negative errno, one meaning each):
 *   -EINVAL    bad argument, or a model the schema would refuse (a missing
 *              required field, a string that is not valid XML text)
 *   -EBADMSG   a document that is not well-formed, not valid against the
 *              schema, or breaks a rule of the RFC the schema cannot say
 *              (duplicate keys, a user without entity)
 *   -EMSGSIZE  a document over the size cap
 *   -E2BIG     a document over the depth or element-count caps
 *   -EPROTO    a document that cannot apply to the held state (another
 *              conference's entity, a partial document without version)
 *   -EALREADY  a document whose version is not newer than the held one:
 *              ignored, the held state is unchanged (section 4.6)
 *   -ESTALE    a partial document after a gap in versions, or with no
 *              full state held: the subscriber must get full state again
 *              (refresh its subscription) (section 4.6)
 *   -EEXIST    a key already present; -ENOENT a key not found
 *   -ENODATA   nothing changed (no partial document to send)
 *   -ENOMEM
 * Functions taking an err buffer fill it with a message naming the line
 * and element at fault, e.g.
 * "line 12, <user>: Element '{urn:...}user', attribute 'state': ...".
 *
 * Threads: no globals. Each object may be used by one thread at a time;
 * distinct objects are independent. libxml2 must be initialized once
 * before threads start: confinfo_parser_alloc() does it (xmlInitParser).
 */
#ifndef FOCUS_CONFINFO_H
#define FOCUS_CONFINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/node.h" /* enum relo_log_level: the project's log levels */

#if defined(__GNUC__)
#define FOCUS_API __attribute__((visibility("default")))
#else
#define FOCUS_API
#endif

#define CONFINFO_NS "urn:ietf:params:xml:ns:conference-info"
#define CONFINFO_MIME "application/conference-info+xml"
#define CONFINFO_MAX_BYTES (256 * 1024) /* default size cap of a document */
#define CONFINFO_MAX_DEPTH 32           /* default element nesting cap */
#define CONFINFO_MAX_ELEMENTS 16384     /* default element-count cap */

/** The state attribute (section 4.6); FULL is the schema's default. */
enum confinfo_state { CONFINFO_FULL = 0, CONFINFO_PARTIAL, CONFINFO_DELETED };

/* Enumerations of the schema; 0 is "absent". */
enum confinfo_bool { CONFINFO_UNSET = 0, CONFINFO_FALSE, CONFINFO_TRUE };
enum confinfo_ep_status {
	CONFINFO_EP_NONE = 0,
	CONFINFO_EP_PENDING,
	CONFINFO_EP_DIALING_OUT,
	CONFINFO_EP_DIALING_IN,
	CONFINFO_EP_ALERTING,
	CONFINFO_EP_ON_HOLD,
	CONFINFO_EP_CONNECTED,
	CONFINFO_EP_MUTED_VIA_FOCUS,
	CONFINFO_EP_DISCONNECTING,
	CONFINFO_EP_DISCONNECTED,
};
enum confinfo_joining {
	CONFINFO_JOIN_NONE = 0,
	CONFINFO_JOIN_DIALED_IN,
	CONFINFO_JOIN_DIALED_OUT,
	CONFINFO_JOIN_FOCUS_OWNER,
};
enum confinfo_disconnection {
	CONFINFO_DISC_NONE = 0,
	CONFINFO_DISC_DEPARTED,
	CONFINFO_DISC_BOOTED,
	CONFINFO_DISC_FAILED,
	CONFINFO_DISC_BUSY,
};
enum confinfo_media_status {
	CONFINFO_MEDIA_NONE = 0,
	CONFINFO_MEDIA_RECVONLY,
	CONFINFO_MEDIA_SENDONLY,
	CONFINFO_MEDIA_SENDRECV,
	CONFINFO_MEDIA_INACTIVE,
};

/** execution-type: <referred>, <joining-info>, <disconnection-info>, <modified>. */
struct confinfo_exec {
	bool present;
	char *when;   /* xs:dateTime, e.g. "2005-03-04T20:00:00Z" */
	char *reason;
	char *by;     /* xs:anyURI */
};

/** uri-type: one <entry> of a URI list; keyed by uri. */
struct confinfo_uri {
	char *uri;    /* required */
	char *display_text;
	char *purpose;
	struct confinfo_exec modified;
};

/**
 * uris-type: <conf-uris>, <service-uris>, <associated-aors>, <uris> of
 * host-info. Present when n > 0 (the schema wants at least one entry).
 */
struct confinfo_uris {
	enum confinfo_state state;
	struct confinfo_uri *v;
	size_t n;
};

/** conference-medium-type: an entry of <available-media>; keyed by label. */
struct confinfo_avmedia {
	char *label;  /* required */
	char *display_text;
	char *type;   /* required by the schema */
	enum confinfo_media_status status;
};

/** <conference-description> (section 5.3). */
struct confinfo_desc {
	bool present;
	char *display_text;
	char *subject;
	char *free_text;
	char *keywords;             /* xs:list of xs:string, as written */
	struct confinfo_uris conf_uris;
	struct confinfo_uris service_uris;
	bool has_max_users;
	uint32_t max_users;         /* <maximum-user-count> */
	struct confinfo_avmedia *avmedia; /* <available-media>, present when n_avmedia > 0 */
	size_t n_avmedia;
};

/** <host-info> (section 5.4). */
struct confinfo_host {
	bool present;
	char *display_text;
	char *web_page;
	struct confinfo_uris uris;
};

/** <conference-state> (section 5.5). */
struct confinfo_cstate {
	bool present;
	bool has_user_count;
	uint32_t user_count;
	enum confinfo_bool active;
	enum confinfo_bool locked;
};

/** <call-info><sip> (section 5.7.8): the dialog of an endpoint. */
struct confinfo_sip {
	bool present;
	char *display_text;
	char *call_id;  /* the three are required when present */
	char *from_tag;
	char *to_tag;
};

/** <media> of an endpoint (section 5.7.7); keyed by id. */
struct confinfo_media {
	char *id;       /* required */
	char *display_text;
	char *type;
	char *label;
	char *src_id;
	enum confinfo_media_status status;
};

/** <endpoint> (section 5.7); keyed by entity. */
struct confinfo_endpoint {
	char *entity;   /* required here (the key of partial notifications) */
	enum confinfo_state state;
	char *display_text;
	struct confinfo_exec referred;
	enum confinfo_ep_status status;
	enum confinfo_joining joining_method;
	struct confinfo_exec joining_info;
	enum confinfo_disconnection disconnection_method;
	struct confinfo_exec disconnection_info;
	struct confinfo_media *media;
	size_t n_media;
	struct confinfo_sip call_info;
};

/** <user> (section 5.6); keyed by entity. */
struct confinfo_user {
	char *entity;   /* required here (the key of partial notifications) */
	enum confinfo_state state;
	char *display_text;
	struct confinfo_uris associated_aors;
	char **roles;   /* <roles>, present when n_roles > 0 */
	size_t n_roles;
	char *languages; /* xs:list of xs:language, as written */
	/*
	 * <cascaded-focus>: in Chorus, the URI of the focus that serves this
	 * user when it is not the focus writing the document, so every focus
	 * knows who is where (see confinfo_user_next_served()).
	 */
	char *cascaded_focus;
	struct confinfo_endpoint *endpoints;
	size_t n_endpoints;
};

/** <users>. */
struct confinfo_users {
	bool present;
	enum confinfo_state state;
	struct confinfo_user *v;
	size_t n;
};

/**
 * A conference-info document. <sidebars-by-ref>, <sidebars-by-val> and
 * elements of other namespaces (the schema's xs:any) are accepted when
 * read and dropped: they are not in the model.
 */
struct confinfo {
	char *entity;   /* the conference URI; required */
	enum confinfo_state state;
	bool has_version;
	uint32_t version;
	struct confinfo_desc desc;
	struct confinfo_host host;
	struct confinfo_cstate cstate;
	struct confinfo_users users;
};

/* ------------------------------------------------------------------ */
/* The model                                                            */
/* ------------------------------------------------------------------ */

/** A new empty full document for the conference URI entity. */
FOCUS_API int confinfo_alloc(struct confinfo **cp, const char *entity);
FOCUS_API void confinfo_free(struct confinfo *c);
/** A deep copy. */
FOCUS_API int confinfo_dup(struct confinfo **out, const struct confinfo *c);
/**
 * Whether a and b hold the same document: every field, states and
 * version included; keyed lists compare as sets (order does not matter),
 * roles as lists.
 */
FOCUS_API bool confinfo_equal(const struct confinfo *a, const struct confinfo *b);

/** Replaces *field with a copy of v (NULL: absent). 0 or -ENOMEM. */
FOCUS_API int confinfo_str_set(char **field, const char *v);

FOCUS_API struct confinfo_user *confinfo_user_get(const struct confinfo *c, const char *entity);
/** Adds an empty user (state full) at the end; -EEXIST if there is one. Sets users.present. */
FOCUS_API int confinfo_user_add(struct confinfo *c, const char *entity, struct confinfo_user **up);
FOCUS_API int confinfo_user_remove(struct confinfo *c, const char *entity);
/** Replaces the roles with n copies of roles[] (n == 0: none). */
FOCUS_API int confinfo_user_roles_set(struct confinfo_user *u, const char *const *roles, size_t n);

FOCUS_API struct confinfo_endpoint *confinfo_endpoint_get(const struct confinfo_user *u,
							  const char *entity);
FOCUS_API int confinfo_endpoint_add(struct confinfo_user *u, const char *entity,
				    struct confinfo_endpoint **ep);
FOCUS_API int confinfo_endpoint_remove(struct confinfo_user *u, const char *entity);

FOCUS_API struct confinfo_media *confinfo_media_get(const struct confinfo_endpoint *e,
						    const char *id);
FOCUS_API int confinfo_media_add(struct confinfo_endpoint *e, const char *id,
				 struct confinfo_media **mp);
FOCUS_API int confinfo_media_remove(struct confinfo_endpoint *e, const char *id);

FOCUS_API struct confinfo_uri *confinfo_uri_get(const struct confinfo_uris *l, const char *uri);
FOCUS_API int confinfo_uri_add(struct confinfo_uris *l, const char *uri, struct confinfo_uri **up);
FOCUS_API int confinfo_uri_remove(struct confinfo_uris *l, const char *uri);

FOCUS_API struct confinfo_avmedia *confinfo_avmedia_get(const struct confinfo_desc *d,
							const char *label);
/** Adds an available-media entry with its required type. */
FOCUS_API int confinfo_avmedia_add(struct confinfo_desc *d, const char *label, const char *type,
				   struct confinfo_avmedia **mp);
FOCUS_API int confinfo_avmedia_remove(struct confinfo_desc *d, const char *label);

/**
 * Iterates over the users served by a focus: those whose cascaded-focus
 * is focus_uri, or, when focus_uri is NULL, those with no cascaded-focus
 * (the writer's own). Pass prev = NULL to start; NULL at the end.
 */
FOCUS_API const struct confinfo_user *confinfo_user_next_served(const struct confinfo *c,
								const char *focus_uri,
								const struct confinfo_user *prev);

FOCUS_API const char *confinfo_state_name(enum confinfo_state s);

/* ------------------------------------------------------------------ */
/* XML out                                                              */
/* ------------------------------------------------------------------ */

/**
 * Writes c as an XML document (UTF-8, NUL-terminated, malloc'd into *out,
 * its length without the NUL in *len), in the schema's element order.
 * The version attribute is c->version when c->has_version. The state
 * attribute is written on the root always and, in a partial document, on
 * every element that has one; in a full document only where it is not
 * "full". -EINVAL (with a message in err) when a required field is
 * missing or a string is not valid XML text.
 */
FOCUS_API int confinfo_build(const struct confinfo *c, char **out, size_t *len, char *err,
			     size_t errlen);

/* ------------------------------------------------------------------ */
/* XML in                                                               */
/* ------------------------------------------------------------------ */

struct confinfo_parser;

/** Caps for hostile input; 0 fields take the defaults above. */
struct confinfo_limits {
	size_t max_bytes;
	unsigned max_depth;
	size_t max_elements;
};

/**
 * A parser: the compiled schema (from the copy built into the library;
 * no file, no network) and the caps. lim may be NULL.
 */
FOCUS_API int confinfo_parser_alloc(struct confinfo_parser **pp, const struct confinfo_limits *lim);
FOCUS_API void confinfo_parser_free(struct confinfo_parser *p);

/**
 * Reads a document into a new model. The input is refused, before
 * libxml2 sees it, when over the size cap (-EMSGSIZE), nested or counted
 * over the caps (-E2BIG), or when it has a NUL byte or any DOCTYPE or
 * other markup declaration (-EBADMSG): no DTD is ever read, so no entity
 * is ever declared, expanded or fetched. libxml2 then parses it as UTF-8
 * with XML_PARSE_NONET (no XML_PARSE_NOENT, DTDLOAD, XINCLUDE or HUGE),
 * its errors caught on the parser context; the tree is validated against
 * the schema; then keys are checked (users and endpoints need an entity,
 * keys are unique in their list).
 */
FOCUS_API int confinfo_parse(struct confinfo_parser *p, const char *xml, size_t len,
			     struct confinfo **out, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Partial documents (section 4.6)                                      */
/* ------------------------------------------------------------------ */

/**
 * The partial document that turns old into new, in *delta (state
 * partial, no version): users, endpoints and URI lists added or rewritten
 * carry state="full", changed ones state="partial" with only what
 * changed, removed ones state="deleted". What a partial document cannot
 * say (a child removed from an element without a state attribute, a
 * medium removed) makes the nearest element with a state attribute full,
 * or the whole document full (state full) when that is the root.
 * -ENODATA (and *delta NULL) when old and new are equal.
 */
FOCUS_API int confinfo_diff(const struct confinfo *old, const struct confinfo *new_,
			    struct confinfo **delta);

/**
 * Applies a received document to the held state *held (NULL: none yet),
 * with the version rules of section 4.6:
 *  - a full document replaces the held state (if newer);
 *  - a version not newer than the held one: -EALREADY, nothing changes;
 *  - a partial document whose version is not held + 1, or with no full
 *    state held: -ESTALE, nothing changes (get full state again);
 *  - a partial document merges: state deleted removes the element (if
 *    there), full replaces it, partial merges child by child; elements
 *    without a state attribute merge field by field, keyed ones by key.
 * The held state stays a full document (every state field full).
 */
FOCUS_API int confinfo_apply(struct confinfo **held, const struct confinfo *doc, char *err,
			     size_t errlen);

/** confinfo_parse() then confinfo_apply(). */
FOCUS_API int confinfo_receive(struct confinfo_parser *p, struct confinfo **held, const char *xml,
			       size_t len, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* A focus's notifier                                                   */
/* ------------------------------------------------------------------ */

struct confinfo_notifier;

/** What a notifier needs; log may be NULL. */
struct confinfo_notifier_opts {
	void (*log)(void *arg, enum relo_log_level level, const char *line);
	void *log_arg;
	enum relo_log_level log_level; /* default RELO_LOG_ERR (0): set it */
};

/**
 * One subscription's place in the notifier's history, kept by the SIP
 * layer per subscription dialog. Zero-initialize it; versions are scoped
 * to a subscription (section 5.1), so each has its own.
 */
struct confinfo_sub {
	uint32_t version; /* last version sent; 0: nothing sent yet */
	uint64_t gen;     /* notifier generation that version showed */
};

/**
 * A notifier for the conference entity. It holds the current state (which
 * the focus changes through confinfo_notifier_edit()) and the state last
 * flushed to subscribers. opts may be NULL.
 */
FOCUS_API int confinfo_notifier_alloc(struct confinfo_notifier **np, const char *entity,
				      const struct confinfo_notifier_opts *opts);
FOCUS_API void confinfo_notifier_free(struct confinfo_notifier *n);

/** The current state, read-only. */
FOCUS_API const struct confinfo *confinfo_notifier_state(const struct confinfo_notifier *n);
/**
 * The current state, to change (its entity must stay): marks the notifier
 * as possibly changed. The pointer stays valid until the notifier is freed.
 */
FOCUS_API struct confinfo *confinfo_notifier_edit(struct confinfo_notifier *n);
/** Whether the current state differs from the state last flushed. */
FOCUS_API bool confinfo_notifier_pending(struct confinfo_notifier *n);
/**
 * Turns every change since the last flush into one partial document (or
 * a full one when a partial cannot say it) and makes the current state
 * the flushed one: the SIP layer calls it when its rate limit allows, then
 * confinfo_notifier_body() for each subscription. -ENODATA if nothing
 * changed.
 */
FOCUS_API int confinfo_notifier_flush(struct confinfo_notifier *n);
/** How many flushes made a document so far (the generation). */
FOCUS_API uint64_t confinfo_notifier_gen(const struct confinfo_notifier *n);

/**
 * The NOTIFY body for a subscription, with its next version, and updates
 * *s:
 *  - a new (or reset) subscription gets the full flushed state;
 *  - one that saw the previous generation gets the last partial document;
 *  - one further behind gets full state;
 *  - one up to date gets -ENODATA (nothing to send).
 * *full tells which was made (may be NULL).
 */
FOCUS_API int confinfo_notifier_body(struct confinfo_notifier *n, struct confinfo_sub *s,
				     char **xml, size_t *len, bool *full);
/** Forgets what a subscription saw (refreshed SUBSCRIBE): its next body is full. */
FOCUS_API void confinfo_sub_reset(struct confinfo_sub *s);

#endif
