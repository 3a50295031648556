/*
 * codes.c - names of RELOAD code points (relo/codes.h)
 */
#include <stddef.h>

#include "relo/codes.h"

static const char *const code_names[] = {
	[RELO_PROBE_REQ] = "probe_req",
	[RELO_PROBE_ANS] = "probe_ans",
	[RELO_ATTACH_REQ] = "attach_req",
	[RELO_ATTACH_ANS] = "attach_ans",
	[RELO_STORE_REQ] = "store_req",
	[RELO_STORE_ANS] = "store_ans",
	[RELO_FETCH_REQ] = "fetch_req",
	[RELO_FETCH_ANS] = "fetch_ans",
	[RELO_FIND_REQ] = "find_req",
	[RELO_FIND_ANS] = "find_ans",
	[RELO_JOIN_REQ] = "join_req",
	[RELO_JOIN_ANS] = "join_ans",
	[RELO_LEAVE_REQ] = "leave_req",
	[RELO_LEAVE_ANS] = "leave_ans",
	[RELO_UPDATE_REQ] = "update_req",
	[RELO_UPDATE_ANS] = "update_ans",
	[RELO_ROUTE_QUERY_REQ] = "route_query_req",
	[RELO_ROUTE_QUERY_ANS] = "route_query_ans",
	[RELO_PING_REQ] = "ping_req",
	[RELO_PING_ANS] = "ping_ans",
	[RELO_STAT_REQ] = "stat_req",
	[RELO_STAT_ANS] = "stat_ans",
	[RELO_APP_ATTACH_REQ] = "app_attach_req",
	[RELO_APP_ATTACH_ANS] = "app_attach_ans",
	[RELO_CONFIG_UPDATE_REQ] = "config_update_req",
	[RELO_CONFIG_UPDATE_ANS] = "config_update_ans",
	[RELO_EXP_A_REQ] = "exp_a_req",
	[RELO_EXP_A_ANS] = "exp_a_ans",
	[RELO_EXP_B_REQ] = "exp_b_req",
	[RELO_EXP_B_ANS] = "exp_b_ans",
};

static const char *const error_names[] = {
	[RELO_ERR_FORBIDDEN] = "Error_Forbidden",
	[RELO_ERR_NOT_FOUND] = "Error_Not_Found",
	[RELO_ERR_REQUEST_TIMEOUT] = "Error_Request_Timeout",
	[RELO_ERR_GENERATION_COUNTER_TOO_LOW] = "Error_Generation_Counter_Too_Low",
	[RELO_ERR_INCOMPATIBLE_WITH_OVERLAY] = "Error_Incompatible_with_Overlay",
	[RELO_ERR_UNSUPPORTED_FORWARDING_OPTION] = "Error_Unsupported_Forwarding_Option",
	[RELO_ERR_DATA_TOO_LARGE] = "Error_Data_Too_Large",
	[RELO_ERR_DATA_TOO_OLD] = "Error_Data_Too_Old",
	[RELO_ERR_TTL_EXCEEDED] = "Error_TTL_Exceeded",
	[RELO_ERR_MESSAGE_TOO_LARGE] = "Error_Message_Too_Large",
	[RELO_ERR_UNKNOWN_KIND] = "Error_Unknown_Kind",
	[RELO_ERR_UNKNOWN_EXTENSION] = "Error_Unknown_Extension",
	[RELO_ERR_RESPONSE_TOO_LARGE] = "Error_Response_Too_Large",
	[RELO_ERR_CONFIG_TOO_OLD] = "Error_Config_Too_Old",
	[RELO_ERR_CONFIG_TOO_NEW] = "Error_Config_Too_New",
	[RELO_ERR_IN_PROGRESS] = "Error_In_Progress",
	[RELO_ERR_EXP_A] = "Error_Exp_A",
	[RELO_ERR_EXP_B] = "Error_Exp_B",
	[RELO_ERR_INVALID_MESSAGE] = "Error_Invalid_Message",
};

const char *relo_code_name(uint16_t code)
{
	if (code == RELO_ERROR)
		return "error";
	if (code < sizeof(code_names) / sizeof(code_names[0]))
		return code_names[code];
	return NULL;
}

bool relo_code_known(uint16_t code)
{
	return relo_code_name(code) != NULL;
}

const char *relo_error_name(uint16_t err)
{
	if (err < sizeof(error_names) / sizeof(error_names[0]))
		return error_names[err];
	return NULL;
}

const char *relo_model_name(enum relo_model m)
{
	switch (m) {
	case RELO_MODEL_SINGLE: return "SINGLE";
	case RELO_MODEL_ARRAY: return "ARRAY";
	case RELO_MODEL_DICTIONARY: return "DICTIONARY";
	case RELO_MODEL_RAW: return "RAW";
	case RELO_MODEL_UNKNOWN: break;
	}
	return "UNKNOWN";
}

const char *relo_kind_name(uint32_t kind)
{
	switch (kind) {
	case RELO_KIND_SIP_REGISTRATION: return "SIP-REGISTRATION";
	case RELO_KIND_TURN_SERVICE: return "TURN-SERVICE";
	case RELO_KIND_CERTIFICATE_BY_NODE: return "CERTIFICATE_BY_NODE";
	case RELO_KIND_CERTIFICATE_BY_USER: return "CERTIFICATE_BY_USER";
	case RELO_KIND_ACCESS_CONTROL_LIST: return "ACCESS-CONTROL-LIST";
	}
	return NULL;
}

const char *relo_link_name(uint8_t link)
{
	switch (link) {
	case RELO_LINK_DTLS_UDP_SR: return "DTLS-UDP-SR";
	case RELO_LINK_DTLS_UDP_SR_NO_ICE: return "DTLS-UDP-SR-NO-ICE";
	case RELO_LINK_TLS_TCP_FH_NO_ICE: return "TLS-TCP-FH-NO-ICE";
	case RELO_LINK_EXP: return "EXP-LINK";
	}
	return NULL;
}

const char *relo_probe_name(uint8_t type)
{
	switch (type) {
	case RELO_PROBE_RESPONSIBLE_SET: return "responsible_ppb";
	case RELO_PROBE_NUM_RESOURCES: return "num_resources";
	case RELO_PROBE_UPTIME: return "uptime";
	case RELO_PROBE_EXP: return "exp-probe";
	}
	return NULL;
}

const char *relo_hash_name(uint8_t hash)
{
	static const char *const names[] = { "none", "md5", "sha1", "sha224", "sha256", "sha384",
					     "sha512" };
	return hash < sizeof(names) / sizeof(names[0]) ? names[hash] : NULL;
}

const char *relo_sig_name(uint8_t sig)
{
	static const char *const names[] = { "anonymous", "rsa", "dsa", "ecdsa" };
	return sig < sizeof(names) / sizeof(names[0]) ? names[sig] : NULL;
}
