/* engine_raid0.c - the RAID0 engine: a file striped round-robin over its
 * objects, every byte in exactly one object, no redundancy. */
#include <errno.h>
#include "engine.h"
#include "layout.h"
#include "objio.h"

ssize_t raid0_list_io(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt, uint64_t total)
{
	const struct wire_layout *l = &f->attr.layout;
	struct objio ctx;
	uint64_t size;
	int rc;

	rc = objio_init(&ctx, f, l, write, mem, memcnt);
	if (!rc)
		rc = objio_split(&ctx, ext, extcnt);
	if (!rc)
		rc = objio_run(&ctx);
	if (!rc && !write && ctx.past_eof) {
		rc = raid0_glimpse(f->fs, l, 0, &size);
		if (!rc)
			total = engine_eof_prefix(ext, extcnt, size);
	}
	objio_fini(&ctx);
	return rc ? rc : (ssize_t)total;
}

int raid0_truncate(pfs_file_t *f, uint64_t size)
{
	const struct wire_layout *l = &f->attr.layout;
	uint64_t sizes[PFS_MAX_STRIPES];

	for (uint32_t i = 0; i < l->stripe_count; i++)
		sizes[i] = layout_obj_size(l, i, size);
	pthread_mutex_lock(&f->lock);
	f->dirty = 1;
	pthread_mutex_unlock(&f->lock);
	return client_obj_fanout(f->fs, l, WIRE_OP_OBJ_PUNCH, sizes, NULL);
}

/* Max over stripes of the file size each object implies. */
int raid0_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size)
{
	uint64_t objs[PFS_MAX_STRIPES], max = 0;
	int rc;

	(void)hint;
	rc = client_obj_fanout(fs, l, WIRE_OP_OBJ_GLIMPSE, NULL, objs);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < l->stripe_count; i++) {
		uint64_t s = layout_file_size_from_obj(l, i, objs[i]);

		if (s > max)
			max = s;
	}
	*size = max;
	return 0;
}

uint64_t raid0_unit(const struct wire_layout *l)
{
	return l->stripe_size;
}

uint32_t raid0_redundancy(const struct wire_layout *l)
{
	(void)l;
	return 0;
}

const struct engine_ops engine_raid0 = {
	.name = "raid0",
	.list_io = raid0_list_io,
	.truncate = raid0_truncate,
	.glimpse = raid0_glimpse,
	.unit = raid0_unit,
	.redundancy = raid0_redundancy,
};
