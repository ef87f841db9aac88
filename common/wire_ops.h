/* wire_ops.h - what each opcode of the pfs protocol is, in one table that
 * client and servers consult: its name, the server that serves it, whether
 * it is safe to resend, whether it changes stored state, what its reply
 * carries. Handlers stay with their server; this says what the opcode means. */
#ifndef PFS_WIRE_OPS_H
#define PFS_WIRE_OPS_H

#include <stdint.h>
#include "wire.h"

/* Opcodes below this go to the MDS, from it on to an OSS (enum wire_op). */
#define WIRE_OP_OSS_FIRST WIRE_OP_OBJ_WRITE

enum wire_server {
	WIRE_SERVER_NONE = 0,   /* not an opcode */
	WIRE_SERVER_MDS,
	WIRE_SERVER_OSS,
};

struct wire_op_info {
	const char *name;         /* the enum's name without WIRE_OP_ */
	enum wire_server server;  /* who serves it */
	uint8_t idempotent;       /* the server may see it twice without harm,
	                           * so a request lost in transport is resent */
	uint8_t mutating;         /* changes stored state: the namespace,
	                           * layouts or target table (MDS), object data
	                           * (OSS) */
	uint8_t reply_attr;       /* a successful reply is a struct wire_attr */
};

/* The entry of opcode op, or NULL when op is not an opcode. */
const struct wire_op_info *wire_op_info(uint16_t op);
/* The name of op ("OBJ_WRITE"), "?" when op is not an opcode. */
const char *wire_op_name(uint16_t op);
/* Whether op is an opcode that server serves. */
int wire_op_served_by(uint16_t op, enum wire_server server);
/* The columns of the table; 0 when op is not an opcode. */
int wire_op_idempotent(uint16_t op);
int wire_op_mutating(uint16_t op);
int wire_op_reply_attr(uint16_t op);

#endif /* PFS_WIRE_OPS_H */
