/*
 * relo/body.h - the message bodies of every RFC 6940 method, with their
 * nested structures, and the CHORD-RELOAD topology bodies (section 10)
 *
 * relo_body_decode() turns MessageContents.message_body into the structure
 * its message code names; relo_body_encode() is its inverse. Store, Fetch
 * and Stat need each Kind's data model, which comes from relo_wirecfg.
 */
#ifndef RELO_BODY_H
#define RELO_BODY_H

#include "relo/msg.h"

/* ---- shared structures ---- */

/** IpAddressPort (section 6.3.1.1); unknown types are kept raw. */
struct relo_ipport {
	uint8_t type;           /* enum relo_addr_type */
	uint8_t addr[16];       /* 4 bytes for IPv4, 16 for IPv6, network order */
	uint16_t port;
	struct relo_bytes raw;  /* unknown type: its bytes */
};

RELO_API void relo_ipport_read(struct relo_rd *r, struct relo_ipport *a);
RELO_API void relo_ipport_write(struct relo_wr *w, const struct relo_ipport *a);
/** Formats "192.0.2.1:6084" or "[2001:db8::1]:6084" into buf. */
RELO_API const char *relo_ipport_str(const struct relo_ipport *a, char *buf, size_t size);

struct relo_ice_ext {
	struct relo_bytes name;
	struct relo_bytes value;
};

struct relo_ice_cand {
	struct relo_ipport addr;
	uint8_t link;             /* enum relo_link_type */
	struct relo_bytes foundation;
	uint32_t priority;
	uint8_t type;             /* enum relo_cand_type */
	struct relo_ipport rel;   /* srflx and relay only */
	struct relo_ice_ext *ext;
	size_t n_ext;
};

/* ---- section 6.4.2: topology methods ---- */

struct relo_probe_req {
	struct relo_bytes types; /* one ProbeInformationType per byte */
};

struct relo_probe_info {
	uint8_t type;
	uint32_t value;          /* the three defined types are all uint32 */
	struct relo_bytes raw;   /* the value of an unknown type */
};

struct relo_probe_ans {
	struct relo_probe_info *info;
	size_t n;
};

struct relo_join_req {
	struct relo_nodeid peer;
	struct relo_bytes data;  /* overlay_specific_data */
};

struct relo_join_ans {
	struct relo_bytes data;
};

/** ChordLeaveData (section 10.9). */
struct relo_chord_leave {
	uint8_t type;            /* enum relo_chord_leave_type */
	struct relo_nodeid *ids; /* successors or predecessors */
	size_t n;
};

struct relo_leave_req {
	struct relo_nodeid peer;
	struct relo_bytes data;       /* overlay_specific_data, raw */
	bool has_chord;               /* data decoded as ChordLeaveData */
	struct relo_chord_leave chord;
};

/** ChordUpdate (section 10.7): the UpdateReq body of CHORD-RELOAD. */
struct relo_chord_update {
	uint32_t uptime;
	uint8_t type;                 /* enum relo_chord_update_type */
	struct relo_nodeid *pred;
	size_t n_pred;
	struct relo_nodeid *succ;
	size_t n_succ;
	struct relo_nodeid *fingers;  /* full only */
	size_t n_fingers;
};

struct relo_route_query_req {
	bool send_update;
	struct relo_dest dest;
	struct relo_bytes data;
};

/** ChordRouteQueryAns (section 10.8). */
struct relo_route_query_ans {
	struct relo_nodeid next_peer;
};

/* ---- section 6.5: link management ---- */

/** AttachReqAns (section 6.5.1): the request and the answer alike. */
struct relo_attach {
	struct relo_bytes ufrag;
	struct relo_bytes password;
	struct relo_bytes role;
	struct relo_ice_cand *cand;
	size_t n_cand;
	bool send_update;
};

/** AppAttachReq and AppAttachAns (section 6.5.2). */
struct relo_app_attach {
	struct relo_bytes ufrag;
	struct relo_bytes password;
	uint16_t application;
	struct relo_bytes role;
	struct relo_ice_cand *cand;
	size_t n_cand;
};

struct relo_ping_req {
	struct relo_bytes padding;
};

struct relo_ping_ans {
	uint64_t response_id;
	uint64_t time;
};

struct relo_config_update_req {
	uint8_t type;                 /* enum relo_config_update_type */
	struct relo_bytes config;     /* type config: the document */
	struct relo_bytes *kinds;     /* type kind: KindDescription each */
	size_t n_kinds;
	struct relo_bytes raw;        /* unknown type: the rest */
};

/* ---- section 7: storage ---- */

/** DataValue (section 7.2). */
struct relo_data_value {
	bool exists;
	struct relo_bytes value;
};

/**
 * StoredDataValue by data model. For a kind the configuration does not
 * know, the model is RELO_MODEL_RAW and the StoredData after lifetime is
 * kept in relo_stored_data.raw.
 */
struct relo_stored_value {
	enum relo_model model;
	uint32_t index;                /* array */
	struct relo_bytes key;         /* dictionary */
	struct relo_data_value v;
};

/** StoredData (section 7). */
struct relo_stored_data {
	uint64_t storage_time;
	uint32_t lifetime;
	struct relo_stored_value value;
	struct relo_sig sig;
	struct relo_bytes raw;         /* RELO_MODEL_RAW: value and signature */
};

/** Reads a StoredData of the given model (a model that is not SINGLE,
 * ARRAY or DICTIONARY reads it as RAW). */
RELO_API void relo_stored_data_read(struct relo_rd *r, enum relo_model model,
				    struct relo_stored_data *sd);
RELO_API void relo_stored_data_write(struct relo_wr *w, const struct relo_stored_data *sd);
/** Writes StoredDataValue alone (it is part of the data signature input). */
RELO_API void relo_stored_value_write(struct relo_wr *w, const struct relo_stored_value *v);
/**
 * The bytes a stored-data signature covers (section 7.1):
 * resource_id || kind || storage_time || StoredDataValue || SignerIdentity,
 * each as encoded on the wire (the ResourceId with its length byte; see
 * docs/wire.md). Array entries are signed with index 0 (section 7.4.2.2).
 */
RELO_API int relo_stored_sig_input(struct relo_bytes resource, uint32_t kind,
				   const struct relo_stored_data *sd, struct relo_wr *w);

/** StoreKindData and FetchKindResponse: one Kind's values (same layout). */
struct relo_kind_data {
	uint32_t kind;
	uint64_t generation;
	struct relo_stored_data *values;
	size_t n_values;
};

struct relo_store_req {
	struct relo_bytes resource;
	uint8_t replica_number;
	struct relo_kind_data *kinds;
	size_t n_kinds;
};

struct relo_store_kind_ans {
	uint32_t kind;
	uint64_t generation;
	struct relo_nodeid *replicas;
	size_t n_replicas;
};

struct relo_store_ans {
	struct relo_store_kind_ans *kinds;
	size_t n_kinds;
};

struct relo_array_range {
	uint32_t first;
	uint32_t last; /* 0xffffffff: the last element */
};

/** StoredDataSpecifier (section 7.4.2.1). */
struct relo_specifier {
	uint32_t kind;
	uint64_t generation;
	enum relo_model model;
	struct relo_array_range *ranges; /* array */
	size_t n_ranges;
	struct relo_bytes *keys;         /* dictionary; none = all */
	size_t n_keys;
	struct relo_bytes raw;           /* RELO_MODEL_RAW: model_specifier */
};

/** FetchReq and StatReq (identical). */
struct relo_fetch_req {
	struct relo_bytes resource;
	struct relo_specifier *spec;
	size_t n_spec;
};

struct relo_fetch_ans {
	struct relo_kind_data *kinds;
	size_t n_kinds;
};

/** MetaData (section 7.4.3.2). */
struct relo_meta {
	bool exists;
	uint32_t value_length;
	uint8_t hash_alg;
	struct relo_bytes hash;
};

/*
 * StoredMetaData (section 7.4.3.2). Its first uint32, named value_length
 * in the RFC's structure but "the same as the corresponding field in
 * StoredData" in its text, is read as StoredData's: the length of the rest
 * of the structure (docs/wire.md). The encoder computes it.
 */
struct relo_stored_meta {
	uint64_t storage_time;
	uint32_t lifetime;
	enum relo_model model;
	uint32_t index;               /* array */
	struct relo_bytes key;        /* dictionary */
	struct relo_meta meta;
	struct relo_bytes raw;        /* RELO_MODEL_RAW: the MetaDataValue */
};

struct relo_stat_kind {
	uint32_t kind;
	uint64_t generation;
	struct relo_stored_meta *values;
	size_t n_values;
};

struct relo_stat_ans {
	struct relo_stat_kind *kinds;
	size_t n_kinds;
};

struct relo_find_req {
	struct relo_bytes resource;
	uint32_t *kinds;
	size_t n_kinds;
};

struct relo_find_kind {
	uint32_t kind;
	struct relo_bytes closest;
};

struct relo_find_ans {
	struct relo_find_kind *results;
	size_t n;
};

/* ---- section 6.3.3.1: errors ---- */

struct relo_error_resp {
	uint16_t code;          /* enum relo_error */
	struct relo_bytes info;
};

/* ---- the dispatcher ---- */

/** A decoded message body; code selects the member of u. */
struct relo_body {
	uint16_t code;
	union {
		struct relo_probe_req probe_req;
		struct relo_probe_ans probe_ans;
		struct relo_attach attach;             /* attach_req, attach_ans */
		struct relo_store_req store_req;
		struct relo_store_ans store_ans;
		struct relo_fetch_req fetch_req;       /* fetch_req, stat_req */
		struct relo_fetch_ans fetch_ans;
		struct relo_stat_ans stat_ans;
		struct relo_find_req find_req;
		struct relo_find_ans find_ans;
		struct relo_join_req join_req;
		struct relo_join_ans join_ans;
		struct relo_leave_req leave_req;
		struct relo_chord_update update_req;
		struct relo_route_query_req route_query_req;
		struct relo_route_query_ans route_query_ans;
		struct relo_ping_req ping_req;
		struct relo_ping_ans ping_ans;
		struct relo_app_attach app_attach;     /* app_attach_req, _ans */
		struct relo_config_update_req config_update_req;
		struct relo_bytes exp;                 /* exp_a/b: opaque */
		struct relo_error_resp error;
	} u;
};

/**
 * Decodes a message body for code. The whole body must be consumed.
 * Bodies without contents (leave_ans, update_ans, config_update_ans) must
 * be empty. Returns 0, -EBADMSG, -EMSGSIZE, -ENOMEM, or -ENOTSUP for a
 * message code this codec does not know.
 */
RELO_API int relo_body_decode(const struct relo_wirecfg *cfg, struct relo_arena *a,
			      uint16_t code, struct relo_bytes body, struct relo_body *out);
/** Encodes b->u as the body of b->code. */
RELO_API void relo_body_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			      const struct relo_body *b);

/* Pieces used on their own by the storage and topology layers. */
RELO_API void relo_chord_leave_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
				    struct relo_arena *a, struct relo_chord_leave *l);
RELO_API void relo_chord_leave_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
				     const struct relo_chord_leave *l);
RELO_API void relo_store_ans_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
				  struct relo_arena *a, struct relo_store_ans *s);
RELO_API void relo_store_ans_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
				   const struct relo_store_ans *s);

/** Error_Unknown_Kind's error_info: KindId unknown_kinds<0..2^8-1>. */
RELO_API int relo_unknown_kinds_decode(struct relo_bytes info, struct relo_arena *a,
				       uint32_t **kinds, size_t *n);
RELO_API void relo_unknown_kinds_write(struct relo_wr *w, const uint32_t *kinds, size_t n);

#endif
