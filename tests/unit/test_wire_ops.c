/* test_wire_ops.c - the opcode table (common/wire_ops.h) against enum
 * wire_op: every opcode has a row, no row is not an opcode, names are
 * unique and match the enum, and the MDS and OSS ranges agree with it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pfs_test.h"
#include "wire_ops.h"

struct known_op {
	uint16_t op;
	const char *name;
};

/* Every enumerator of enum wire_op but WIRE_OP_MAX, as written in wire.h. */
#define KNOWN(x) { WIRE_OP_##x, #x }
static const struct known_op known[] = {
	KNOWN(PING), KNOWN(TARGET_REGISTER), KNOWN(TARGET_LIST), KNOWN(LOOKUP),
	KNOWN(OPEN), KNOWN(MKDIR), KNOWN(RMDIR), KNOWN(UNLINK), KNOWN(RENAME),
	KNOWN(READDIR), KNOWN(SET_LAYOUT), KNOWN(SET_SIZE), KNOWN(REPLACE_TARGET),
	KNOWN(OBJ_WRITE), KNOWN(OBJ_READ), KNOWN(OBJ_PUNCH), KNOWN(OBJ_GLIMPSE),
	KNOWN(OBJ_SYNC), KNOWN(OBJ_DESTROY), KNOWN(OSS_STATFS), KNOWN(OBJ_SCRUB),
	KNOWN(OSS_LIST), KNOWN(OBJ_STAT), KNOWN(OBJ_WRITE_CHUNKS), KNOWN(OBJ_LOCK),
	KNOWN(OBJ_UNLOCK),
};
#undef KNOWN
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static const struct known_op *known_find(uint16_t op)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (known[i].op == op)
			return &known[i];
	return NULL;
}

/* Each opcode of the enum has a row, named as the enum names it. */
static void every_opcode_has_a_row(void)
{
	for (size_t i = 0; i < NKNOWN; i++) {
		const struct wire_op_info *info = wire_op_info(known[i].op);

		if (!info)
			t_fail(__FILE__, __LINE__, "opcode %u (%s) has no row", known[i].op,
			       known[i].name);
		if (strcmp(info->name, known[i].name))
			t_fail(__FILE__, __LINE__, "opcode %u is named %s, the enum says %s",
			       known[i].op, info->name, known[i].name);
		T_ASSERT(!strcmp(wire_op_name(known[i].op), known[i].name));
	}
}

/* Below WIRE_OP_MAX, rows exist exactly for the enum's opcodes; nothing
 * exists at or above it. */
static void no_row_without_an_opcode(void)
{
	size_t rows = 0;

	for (uint32_t op = 0; op <= UINT16_MAX; op++) {
		const struct wire_op_info *info = wire_op_info((uint16_t)op);

		if (!info) {
			T_ASSERT(known_find((uint16_t)op) == NULL);
			T_ASSERT(!strcmp(wire_op_name((uint16_t)op), "?"));
			T_EQ(wire_op_served_by((uint16_t)op, WIRE_SERVER_MDS), 0);
			T_EQ(wire_op_served_by((uint16_t)op, WIRE_SERVER_OSS), 0);
			T_EQ(wire_op_idempotent((uint16_t)op), 0);
			T_EQ(wire_op_mutating((uint16_t)op), 0);
			continue;
		}
		T_ASSERT(op < WIRE_OP_MAX);
		T_ASSERT(known_find((uint16_t)op) != NULL);
		rows++;
	}
	T_UEQ(rows, NKNOWN);
}

static void names_are_unique(void)
{
	for (size_t i = 0; i < NKNOWN; i++) {
		const char *a = wire_op_name(known[i].op);

		T_ASSERT(a[0] != '\0');
		for (size_t j = i + 1; j < NKNOWN; j++)
			if (!strcmp(a, wire_op_name(known[j].op)))
				t_fail(__FILE__, __LINE__, "opcodes %u and %u are both %s",
				       known[i].op, known[j].op, a);
	}
}

/* MDS opcodes are those below WIRE_OP_OSS_FIRST, OSS opcodes the rest;
 * only MDS replies carry attributes. */
static void servers_agree_with_the_ranges(void)
{
	for (size_t i = 0; i < NKNOWN; i++) {
		uint16_t op = known[i].op;
		const struct wire_op_info *info = wire_op_info(op);
		enum wire_server want = op < WIRE_OP_OSS_FIRST ? WIRE_SERVER_MDS : WIRE_SERVER_OSS;

		if (info->server != want)
			t_fail(__FILE__, __LINE__, "%s is served by %d, its range says %d",
			       info->name, info->server, want);
		T_EQ(wire_op_served_by(op, want), 1);
		T_EQ(wire_op_served_by(op, want == WIRE_SERVER_MDS ? WIRE_SERVER_OSS :
					      WIRE_SERVER_MDS), 0);
		if (info->reply_attr)
			T_EQ(info->server, WIRE_SERVER_MDS);
	}
	T_EQ(wire_op_info(WIRE_OP_PING)->server, WIRE_SERVER_MDS);
	T_EQ(wire_op_info(WIRE_OP_OSS_FIRST)->server, WIRE_SERVER_OSS);
	T_ASSERT(wire_op_info(WIRE_OP_OSS_FIRST - 1) == NULL);
}

/* One line of wire.h: when it is an enumerator "WIRE_OP_NAME[ = N]," sets
 * name and *value (N, or *value + 1) and returns 1. */
static int enum_line(const char *line, char *name, size_t len, long *value)
{
	const char *p = line, *start;
	size_t n;

	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "WIRE_OP_", 8))
		return 0;
	start = p += 8;
	while (isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
		p++;
	n = (size_t)(p - start);
	if (n == 0 || n >= len)
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '=') {
		char *end;

		*value = strtol(p + 1, &end, 0);
		p = end;
		while (isspace((unsigned char)*p))
			p++;
	} else {
		(*value)++;
	}
	if (*p != ',' && *p != '\0' && *p != '/')
		return 0;
	memcpy(name, start, n);
	name[n] = '\0';
	return 1;
}

/* The enum as written in wire.h (found from PFS_SRCDIR), so that an opcode
 * added there without a row here fails: each enumerator has its row, under
 * its name, and WIRE_OP_MAX is the last. */
static void rows_match_wire_h(void)
{
	const char *src = getenv("PFS_SRCDIR");
	char path[4096], line[512], name[64], last[64] = "";
	long value = -1;
	size_t seen = 0;
	int in_enum = 0;
	FILE *f;

	if (!src)
		t_skip("PFS_SRCDIR not set");
	snprintf(path, sizeof(path), "%s/common/wire.h", src);
	f = fopen(path, "r");
	if (!f)
		t_fail(__FILE__, __LINE__, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "enum wire_op {")) {
			in_enum = 1;
			continue;
		}
		if (!in_enum)
			continue;
		if (strchr(line, '}'))
			break;
		if (!enum_line(line, name, sizeof(name), &value))
			continue;
		snprintf(last, sizeof(last), "%s", name);
		if (!strcmp(name, "MAX")) {
			T_EQ(value, WIRE_OP_MAX);
			continue;
		}
		if (!wire_op_info((uint16_t)value))
			t_fail(__FILE__, __LINE__, "WIRE_OP_%s (%ld) has no row", name, value);
		if (strcmp(wire_op_name((uint16_t)value), name))
			t_fail(__FILE__, __LINE__, "WIRE_OP_%s (%ld) is named %s in the table", name,
			       value, wire_op_name((uint16_t)value));
		seen++;
	}
	fclose(f);
	T_ASSERT(!strcmp(last, "MAX"));
	T_UEQ(seen, NKNOWN);
}

/* The client's retry policy as it was before the table: the MDS requests
 * it resends are exactly these. */
static void client_retry_set(void)
{
	static const uint16_t resent[] = { WIRE_OP_PING, WIRE_OP_TARGET_LIST, WIRE_OP_LOOKUP,
					   WIRE_OP_READDIR, WIRE_OP_SET_SIZE };
	static const uint16_t changes[] = { WIRE_OP_OPEN, WIRE_OP_MKDIR, WIRE_OP_RMDIR,
					    WIRE_OP_UNLINK, WIRE_OP_RENAME,
					    WIRE_OP_SET_LAYOUT, WIRE_OP_SET_SIZE };

	for (size_t i = 0; i < sizeof(resent) / sizeof(resent[0]); i++)
		T_EQ(wire_op_idempotent(resent[i]), 1);
	T_EQ(wire_op_idempotent(WIRE_OP_OPEN), 0);
	T_EQ(wire_op_idempotent(WIRE_OP_MKDIR), 0);
	T_EQ(wire_op_idempotent(WIRE_OP_RENAME), 0);
	T_EQ(wire_op_idempotent(WIRE_OP_REPLACE_TARGET), 0);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		T_EQ(wire_op_mutating(changes[i]), 1);
	T_EQ(wire_op_mutating(WIRE_OP_LOOKUP), 0);
	T_EQ(wire_op_mutating(WIRE_OP_OBJ_READ), 0);
	T_EQ(wire_op_mutating(WIRE_OP_OBJ_WRITE), 1);
}

int main(void)
{
	t_run("every_opcode_has_a_row", every_opcode_has_a_row, 30);
	t_run("no_row_without_an_opcode", no_row_without_an_opcode, 30);
	t_run("names_are_unique", names_are_unique, 30);
	t_run("servers_agree_with_the_ranges", servers_agree_with_the_ranges, 30);
	t_run("rows_match_wire_h", rows_match_wire_h, 30);
	t_run("client_retry_set", client_retry_set, 30);
	return t_done();
}
