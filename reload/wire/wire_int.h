/*
 * wire_int.h - internal interfaces between the codec files
 */
#ifndef RELO_WIRE_INT_H
#define RELO_WIRE_INT_H

#include "relo/body.h"

/* NodeId lists: a vector of lenbytes-byte length holding whole NodeIds. */
void nodeid_list_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
		      unsigned lenbytes, struct relo_nodeid **list, size_t *n);
void nodeid_list_write(struct relo_wr *w, const struct relo_wirecfg *cfg, unsigned lenbytes,
		       const struct relo_nodeid *list, size_t n);

void body_attach_read(struct relo_rd *r, struct relo_arena *a, struct relo_attach *b);
void body_attach_write(struct relo_wr *w, const struct relo_attach *b);
void body_app_attach_read(struct relo_rd *r, struct relo_arena *a, struct relo_app_attach *b);
void body_app_attach_write(struct relo_wr *w, const struct relo_app_attach *b);
void body_ping_ans_read(struct relo_rd *r, struct relo_ping_ans *b);
void body_ping_ans_write(struct relo_wr *w, const struct relo_ping_ans *b);
void body_config_update_read(struct relo_rd *r, struct relo_arena *a,
			     struct relo_config_update_req *b);
void body_config_update_write(struct relo_wr *w, const struct relo_config_update_req *b);

void body_probe_ans_read(struct relo_rd *r, struct relo_arena *a, struct relo_probe_ans *b);
void body_probe_ans_write(struct relo_wr *w, const struct relo_probe_ans *b);
void body_leave_req_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_leave_req *b);
void body_leave_req_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			  const struct relo_leave_req *b);
void body_chord_update_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			    struct relo_arena *a, struct relo_chord_update *b);
void body_chord_update_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			     const struct relo_chord_update *b);

void body_store_req_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_store_req *b);
void body_store_req_write(struct relo_wr *w, const struct relo_store_req *b);
void body_fetch_req_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_fetch_req *b);
void body_fetch_req_write(struct relo_wr *w, const struct relo_fetch_req *b);
void body_fetch_ans_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_fetch_ans *b);
void body_fetch_ans_write(struct relo_wr *w, const struct relo_fetch_ans *b);
void body_stat_ans_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			struct relo_stat_ans *b);
void body_stat_ans_write(struct relo_wr *w, const struct relo_stat_ans *b);
void kind_id_list_read(struct relo_rd *r, struct relo_arena *a, uint32_t **kinds, size_t *n);
void kind_id_list_write(struct relo_wr *w, const uint32_t *kinds, size_t n);
void body_find_req_read(struct relo_rd *r, struct relo_arena *a, struct relo_find_req *b);
void body_find_req_write(struct relo_wr *w, const struct relo_find_req *b);
void body_find_ans_read(struct relo_rd *r, struct relo_arena *a, struct relo_find_ans *b);
void body_find_ans_write(struct relo_wr *w, const struct relo_find_ans *b);

/*
 * Appends one zeroed element to an arena array and yields a pointer to it,
 * or NULL after failing r with -ENOMEM.
 */
static inline void *rd_push_(struct relo_rd *r, struct relo_arena *a, void *arr, size_t *n,
			     size_t *cap, size_t elsize)
{
	void *l = relo_arena_push(a, arr, n, cap, elsize);

	if (!l) {
		relo_rd_fail(r, -ENOMEM);
		*n = 0;
	}
	return l;
}

#define RD_PUSH(r, a, arr, n, cap)                                                       \
	(((arr) = rd_push_((r), (a), (arr), &(n), &(cap), sizeof(*(arr)))) ? &(arr)[(n) - 1] \
									     : NULL)

#endif
