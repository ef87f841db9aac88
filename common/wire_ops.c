/* wire_ops.c - the opcode table (wire_ops.h): one row per opcode of enum
 * wire_op, indexed by opcode; rows left empty are not opcodes. */
#include <stddef.h>
#include "wire_ops.h"

#define MDS WIRE_SERVER_MDS
#define OSS WIRE_SERVER_OSS

/* Why the rows say what they say:
 * - OPEN is not idempotent as such: an O_EXCL create seen twice fails the
 *   second time; the client decides per call from the flags.
 * - SET_SIZE sets, never adds, so a repeat changes nothing more; so do
 *   positioned writes, punches to a size and destroys of the same object.
 * - TARGET_REGISTER is also the heartbeat: sent again and again by design.
 * - OBJ_LOCK and OBJ_UNLOCK change lock state held in memory, not stored
 *   state, and a repeat would take or drop a lock twice. */
static const struct wire_op_info wire_ops[WIRE_OP_MAX] = {
	/*                            name                server idem  mut  attr */
	[WIRE_OP_PING]            = { "PING",            MDS,   1,    0,   0 },
	[WIRE_OP_TARGET_REGISTER] = { "TARGET_REGISTER", MDS,   1,    1,   0 },
	[WIRE_OP_TARGET_LIST]     = { "TARGET_LIST",     MDS,   1,    0,   0 },
	[WIRE_OP_LOOKUP]          = { "LOOKUP",          MDS,   1,    0,   1 },
	[WIRE_OP_OPEN]            = { "OPEN",            MDS,   0,    1,   1 },
	[WIRE_OP_MKDIR]           = { "MKDIR",           MDS,   0,    1,   1 },
	[WIRE_OP_RMDIR]           = { "RMDIR",           MDS,   0,    1,   0 },
	[WIRE_OP_UNLINK]          = { "UNLINK",          MDS,   0,    1,   0 },
	[WIRE_OP_RENAME]          = { "RENAME",          MDS,   0,    1,   0 },
	[WIRE_OP_READDIR]         = { "READDIR",         MDS,   1,    0,   0 },
	[WIRE_OP_SET_LAYOUT]      = { "SET_LAYOUT",      MDS,   0,    1,   1 },
	[WIRE_OP_SET_SIZE]        = { "SET_SIZE",        MDS,   1,    1,   0 },
	[WIRE_OP_REPLACE_TARGET]  = { "REPLACE_TARGET",  MDS,   0,    1,   1 },
	[WIRE_OP_OBJ_WRITE]       = { "OBJ_WRITE",       OSS,   1,    1,   0 },
	[WIRE_OP_OBJ_READ]        = { "OBJ_READ",        OSS,   1,    0,   0 },
	[WIRE_OP_OBJ_PUNCH]       = { "OBJ_PUNCH",       OSS,   1,    1,   0 },
	[WIRE_OP_OBJ_GLIMPSE]     = { "OBJ_GLIMPSE",     OSS,   1,    0,   0 },
	[WIRE_OP_OBJ_SYNC]        = { "OBJ_SYNC",        OSS,   1,    0,   0 },
	[WIRE_OP_OBJ_DESTROY]     = { "OBJ_DESTROY",     OSS,   1,    1,   0 },
	[WIRE_OP_OSS_STATFS]      = { "OSS_STATFS",      OSS,   1,    0,   0 },
	[WIRE_OP_OBJ_SCRUB]       = { "OBJ_SCRUB",       OSS,   1,    0,   0 },
	[WIRE_OP_OSS_LIST]        = { "OSS_LIST",        OSS,   1,    0,   0 },
	[WIRE_OP_OBJ_STAT]        = { "OBJ_STAT",        OSS,   1,    0,   0 },
	[WIRE_OP_OBJ_WRITE_CHUNKS] = { "OBJ_WRITE_CHUNKS", OSS, 1,    1,   0 },
	[WIRE_OP_OBJ_LOCK]        = { "OBJ_LOCK",        OSS,   0,    0,   0 },
	[WIRE_OP_OBJ_UNLOCK]      = { "OBJ_UNLOCK",      OSS,   0,    0,   0 },
};

#undef MDS
#undef OSS

const struct wire_op_info *wire_op_info(uint16_t op)
{
	if (op >= WIRE_OP_MAX || !wire_ops[op].name)
		return NULL;
	return &wire_ops[op];
}

const char *wire_op_name(uint16_t op)
{
	const struct wire_op_info *i = wire_op_info(op);

	return i ? i->name : "?";
}

int wire_op_served_by(uint16_t op, enum wire_server server)
{
	const struct wire_op_info *i = wire_op_info(op);

	return i && i->server == server;
}

int wire_op_idempotent(uint16_t op)
{
	const struct wire_op_info *i = wire_op_info(op);

	return i && i->idempotent;
}

int wire_op_mutating(uint16_t op)
{
	const struct wire_op_info *i = wire_op_info(op);

	return i && i->mutating;
}

int wire_op_reply_attr(uint16_t op)
{
	const struct wire_op_info *i = wire_op_info(op);

	return i && i->reply_attr;
}
