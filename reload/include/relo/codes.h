/*
 * relo/codes.h - RELOAD code points (RFC 6940 section 14) and their names
 */
#ifndef RELO_CODES_H
#define RELO_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "relo/wire.h"

#define RELO_TOKEN 0xd2454c4fu    /* "RELO" with the high bit set */
#define RELO_VERSION 0x0a         /* 1.0 times ten */
#define RELO_DEFAULT_TTL 100
#define RELO_FRAG_MUST 0x80000000u /* historical bit, always set */
#define RELO_FRAG_LAST 0x40000000u
#define RELO_FRAG_RESERVED 0x3f000000u
#define RELO_FRAG_OFFSET 0x00ffffffu
#define RELO_FRAG_WHOLE (RELO_FRAG_MUST | RELO_FRAG_LAST)

/* Message codes (section 14.8): requests odd, answer = request + 1. */
enum relo_code {
	RELO_PROBE_REQ = 0x01,
	RELO_PROBE_ANS = 0x02,
	RELO_ATTACH_REQ = 0x03,
	RELO_ATTACH_ANS = 0x04,
	RELO_STORE_REQ = 0x07,
	RELO_STORE_ANS = 0x08,
	RELO_FETCH_REQ = 0x09,
	RELO_FETCH_ANS = 0x0a,
	RELO_FIND_REQ = 0x0d,
	RELO_FIND_ANS = 0x0e,
	RELO_JOIN_REQ = 0x0f,
	RELO_JOIN_ANS = 0x10,
	RELO_LEAVE_REQ = 0x11,
	RELO_LEAVE_ANS = 0x12,
	RELO_UPDATE_REQ = 0x13,
	RELO_UPDATE_ANS = 0x14,
	RELO_ROUTE_QUERY_REQ = 0x15,
	RELO_ROUTE_QUERY_ANS = 0x16,
	RELO_PING_REQ = 0x17,
	RELO_PING_ANS = 0x18,
	RELO_STAT_REQ = 0x19,
	RELO_STAT_ANS = 0x1a,
	RELO_APP_ATTACH_REQ = 0x1d,
	RELO_APP_ATTACH_ANS = 0x1e,
	RELO_CONFIG_UPDATE_REQ = 0x21,
	RELO_CONFIG_UPDATE_ANS = 0x22,
	RELO_EXP_A_REQ = 0x23,
	RELO_EXP_A_ANS = 0x24,
	RELO_EXP_B_REQ = 0x25,
	RELO_EXP_B_ANS = 0x26,
	RELO_ERROR = 0xffff,
};

/* Error codes (section 14.9). */
enum relo_error {
	RELO_ERR_FORBIDDEN = 0x02,
	RELO_ERR_NOT_FOUND = 0x03,
	RELO_ERR_REQUEST_TIMEOUT = 0x04,
	RELO_ERR_GENERATION_COUNTER_TOO_LOW = 0x05,
	RELO_ERR_INCOMPATIBLE_WITH_OVERLAY = 0x06,
	RELO_ERR_UNSUPPORTED_FORWARDING_OPTION = 0x07,
	RELO_ERR_DATA_TOO_LARGE = 0x08,
	RELO_ERR_DATA_TOO_OLD = 0x09,
	RELO_ERR_TTL_EXCEEDED = 0x0a,
	RELO_ERR_MESSAGE_TOO_LARGE = 0x0b,
	RELO_ERR_UNKNOWN_KIND = 0x0c,
	RELO_ERR_UNKNOWN_EXTENSION = 0x0d,
	RELO_ERR_RESPONSE_TOO_LARGE = 0x0e,
	RELO_ERR_CONFIG_TOO_OLD = 0x0f,
	RELO_ERR_CONFIG_TOO_NEW = 0x10,
	RELO_ERR_IN_PROGRESS = 0x11,
	RELO_ERR_EXP_A = 0x12,
	RELO_ERR_EXP_B = 0x13,
	RELO_ERR_INVALID_MESSAGE = 0x14,
};

enum relo_dest_type {
	RELO_DEST_NODE = 1,
	RELO_DEST_RESOURCE = 2,
	RELO_DEST_OPAQUE = 3,
	/* Not a wire type: the 16-bit compressed form (top bit set). */
	RELO_DEST_COMPRESSED = 0x100,
};

/* Forwarding option flags (section 6.3.2.3). */
#define RELO_FWDOPT_FORWARD_CRITICAL 0x01
#define RELO_FWDOPT_DESTINATION_CRITICAL 0x02
#define RELO_FWDOPT_RESPONSE_COPY 0x04
#define RELO_FWDOPT_EXP_FORWARD 1 /* the only registered option type */

#define RELO_EXT_EXP 1 /* the only registered message extension */

enum relo_addr_type { RELO_ADDR_IPV4 = 1, RELO_ADDR_IPV6 = 2 };

enum relo_link_type {
	RELO_LINK_DTLS_UDP_SR = 1,
	RELO_LINK_DTLS_UDP_SR_NO_ICE = 3,
	RELO_LINK_TLS_TCP_FH_NO_ICE = 4,
	RELO_LINK_EXP = 5,
};

enum relo_cand_type { RELO_CAND_HOST = 1, RELO_CAND_SRFLX = 2, RELO_CAND_RELAY = 4 };

enum relo_probe_type {
	RELO_PROBE_RESPONSIBLE_SET = 1,
	RELO_PROBE_NUM_RESOURCES = 2,
	RELO_PROBE_UPTIME = 3,
	RELO_PROBE_EXP = 4,
};

enum relo_config_update_type { RELO_CONFIG_UPDATE_CONFIG = 1, RELO_CONFIG_UPDATE_KIND = 2 };

/*
 * Data models: names in the registry (section 14.7), numbers of ours.
 * UNKNOWN is what a kind lookup answers for a kind it does not know, and
 * is never valid in a structure to encode; a value of such a kind is
 * decoded as RAW: its bytes kept whole, to be re-encoded unchanged.
 */
enum relo_model {
	RELO_MODEL_UNKNOWN = 0,
	RELO_MODEL_SINGLE = 1,
	RELO_MODEL_ARRAY = 2,
	RELO_MODEL_DICTIONARY = 3,
	RELO_MODEL_RAW = 4,
};

/* Kind-IDs registered by RFC 6940, RFC 7904 and RFC 8076. */
enum relo_kind_id {
	RELO_KIND_SIP_REGISTRATION = 0x1,
	RELO_KIND_TURN_SERVICE = 0x2,
	RELO_KIND_CERTIFICATE_BY_NODE = 0x3,
	RELO_KIND_ACCESS_CONTROL_LIST = 0x4, /* RFC 8076 section 9.2 */
	RELO_KIND_CERTIFICATE_BY_USER = 0x10,
};

enum relo_signer_type {
	RELO_SIGNER_CERT_HASH = 1,
	RELO_SIGNER_CERT_HASH_NODE_ID = 2,
	RELO_SIGNER_NONE = 3,
};

/* TLS registries used by the Signature structure (RFC 5246 7.4.1.4.1). */
enum relo_hash_alg { RELO_HASH_NONE = 0, RELO_HASH_SHA1 = 2, RELO_HASH_SHA256 = 4 };
enum relo_sig_alg { RELO_SIG_ANONYMOUS = 0, RELO_SIG_RSA = 1, RELO_SIG_ECDSA = 3 };
#define RELO_CERT_X509 0 /* RFC 6091 CertificateType */

enum relo_chord_update_type {
	RELO_CHORD_PEER_READY = 1,
	RELO_CHORD_NEIGHBORS = 2,
	RELO_CHORD_FULL = 3,
};

enum relo_chord_leave_type { RELO_CHORD_FROM_SUCC = 1, RELO_CHORD_FROM_PRED = 2 };

/** True for a message code this codec knows (requests, answers, error). */
RELO_API bool relo_code_known(uint16_t code);
static inline bool relo_code_is_request(uint16_t code)
{
	return code != RELO_ERROR && (code & 1);
}
/** "ping_req", "error", ... or NULL for an unknown code. */
RELO_API const char *relo_code_name(uint16_t code);
/** "Error_Forbidden", ... or NULL. */
RELO_API const char *relo_error_name(uint16_t err);
RELO_API const char *relo_model_name(enum relo_model m);
/** Names of overlay link types, probe information types, TLS hash and
 * signature algorithms; NULL when unknown. */
RELO_API const char *relo_link_name(uint8_t link);
RELO_API const char *relo_probe_name(uint8_t type);
RELO_API const char *relo_hash_name(uint8_t hash);
RELO_API const char *relo_sig_name(uint8_t sig);
/** Name of a registered kind, or NULL. */
RELO_API const char *relo_kind_name(uint32_t kind);

#endif
