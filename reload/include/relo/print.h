/*
 * relo/print.h - readable dumps of RELOAD messages, for people and logs
 */
#ifndef RELO_PRINT_H
#define RELO_PRINT_H

#include <stdio.h>

#include "relo/body.h"
#include "relo/msg.h"

/** Hex of a Node-ID into buf (2 * len + 1 bytes). */
RELO_API const char *relo_nodeid_hex(const struct relo_nodeid *n, char *buf, size_t size);

/**
 * Prints a decoded message: the header, the destinations and vias, the
 * contents with the body decoded (or the reason it could not be), and the
 * security block.
 */
RELO_API void relo_msg_print(FILE *f, const struct relo_wirecfg *cfg, const struct relo_msg *m);
/** Prints a decoded body, indented by indent spaces. */
RELO_API void relo_body_print(FILE *f, const struct relo_wirecfg *cfg, const struct relo_body *b,
			      int indent);

#endif
