/*
 * config_int.h - what the parts of reload/config share: the registered
 * kinds, the names of data models and access control policies, value
 * checks, and the checks a configuration built in memory must pass before
 * it is written (so that what is written always reads back the same).
 */
#ifndef RELO_CONFIG_INT_H
#define RELO_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/config.h"

/* Documents larger than this are refused unread. */
#define CFG_MAX_DOC (4u << 20)
/* xsd:int, the type of most numbers in the grammar. */
#define CFG_XSD_INT_MAX 2147483647
/* 9999-12-31T23:59:59Z: the last instant an RFC 3339 date-time can name. */
#define CFG_TIME_MAX 253402300799LL
/* Values from relo_config_new(). */
#define CFG_DEF_TOPOLOGY "CHORD-RELOAD"
#define CFG_DEF_LINK "TLS"
#define CFG_DEF_TURN_DENSITY 1
#define CFG_DEF_UPDATE_INTERVAL 600
#define CFG_DEF_PING_INTERVAL 3600
#define CFG_DEF_TTL 100
#define CFG_DEF_RELIABILITY 3000
#define CFG_MIN_RELIABILITY 200

/** A registered kind and the data model and access control of its registration. */
struct cfg_reg_kind {
	uint32_t id;
	const char *name;
	enum relo_model model;
	enum relo_acl acl;
};

const struct cfg_reg_kind *cfg_reg_kind_by_id(uint32_t id);
const struct cfg_reg_kind *cfg_reg_kind_by_name(const char *name);

/** The data model or policy a configuration names, or UNKNOWN. Case-sensitive. */
enum relo_model cfg_model_by_name(const char *s);
enum relo_acl cfg_acl_by_name(const char *s);

/** XML whitespace: space, tab, line feed, carriage return. */
static inline bool cfg_is_ws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/**
 * True for a string that can be written and read back unchanged: valid
 * UTF-8 made of XML characters only, no leading or trailing whitespace
 * (values are trimmed when read), non-empty, shorter than max bytes
 * (including the NUL; 0: no limit).
 */
bool cfg_str_ok(const char *s, size_t max);
/*
 * RFC 8076 section 5.3, variable resource names: a kind has at most
 * CFG_MAX_PATTERNS <share:pattern>s of at most CFG_PATTERN_LEN bytes each,
 * and a pattern whose bounded repetitions would make regcomp() build more
 * than CFG_PATTERN_ATOMS atoms is refused (glibc copies the repeated
 * atom: "((a{255}){255}){255}" takes it seconds and gigabytes).
 */
#define CFG_MAX_PATTERNS 16
#define CFG_PATTERN_LEN 255
#define CFG_PATTERN_ATOMS 1024

/**
 * 0 if pattern is a usable variable resource name pattern that can be
 * written and read back unchanged: cfg_str_ok() within CFG_PATTERN_LEN
 * bytes, holding $USER and $DOMAIN, a POSIX extended regular expression
 * (regcomp() with REG_EXTENDED) once those are replaced by a literal word,
 * within CFG_PATTERN_ATOMS. Else -EINVAL (-ENOMEM if regcomp() ran out of
 * memory), and why (if not NULL) gets the reason, to follow the pattern
 * in a message: "has no $USER", "is not a POSIX extended regular
 * expression (...)"...
 */
int cfg_pattern_check(const char *pattern, char *why, size_t whylen);

/** True for "https:" followed by something (the scheme in any case). */
bool cfg_https_ok(const char *s);
/** True for an IPv4 or IPv6 literal that fits struct relo_peer_addr. */
bool cfg_addr_ok(const char *s);
/** False for the Kind-IDs the registry reserves: 0, 0x7fffffff, 0xfffffffe. */
bool cfg_kind_id_ok(uint32_t id);

/**
 * Gives a registered kind the data model and access control of its
 * registration (the configuration's own are ignored, as section 11.1
 * says clients must), and clears max_node_multiple unless the policy is
 * NODE-MULTIPLE.
 */
void cfg_kind_apply_registration(struct relo_kind_def *k);
/** 0 if k can be written and read back unchanged, else -EINVAL (or
 * -ENOMEM, from checking its patterns). */
int cfg_kind_check(const struct relo_kind_def *k);
/** Frees what k owns (kind_xml, signature, name_patterns), not k itself. */
void cfg_kind_free(struct relo_kind_def *k);
/** 0 if c can be written and read back unchanged, else -EINVAL (or -ENOMEM). */
int cfg_check(const struct relo_config *c);

/**
 * Makes room for one more item in an array of n items that only ever grew
 * through this function (its capacity is implied by n: 4, then powers of
 * two). Returns the array, moved or not, or NULL (the old one is intact).
 */
void *cfg_grow(void *arr, size_t n, size_t size);

/** Copies len bytes into a new allocation (NULL and len 0 give NULL). */
int cfg_memdup(uint8_t **out, const uint8_t *p, size_t len);

#endif
