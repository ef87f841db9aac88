/* io.h - the object-level entry of the data path (io.c), for layouts built
 * on top of plain object I/O such as erasure coding (ec_io.c). */
#ifndef PFS_IO_H
#define PFS_IO_H

#include <stddef.h>
#include <stdint.h>
#include "client.h"

/* Bytes of one stripe object moving to or from memory inside the caller's
 * buffer. */
struct io_obj_piece {
	uint32_t stripe;
	uint64_t obj_off;
	uint64_t len;
	uint8_t *ptr;
};

/* Reads or writes the pieces of file f's objects (stripe indices into l),
 * every target at once, with memory in buf (registered once). With status
 * (l->stripe_count entries, zeroed by the caller) a stripe's failure is
 * recorded there and the others go on, without retries: the caller
 * reconstructs. Without status the first error is returned after retries
 * within the RPC budget. obj_size (optional, reads): each stripe's object
 * size as its server reported it. Holes and bytes past an object's end
 * read as zeros. */
int io_objects(pfs_file_t *f, int write, const struct wire_layout *l, uint8_t *buf,
	       uint64_t buflen, const struct io_obj_piece *p, size_t n, int *status,
	       uint64_t *obj_size);

/* List I/O on f without the write-behind/read-ahead cache: what
 * pfs_readlist and pfs_writelist do once the cache has made way. */
ssize_t io_list(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		const struct pfs_extent *ext, size_t extcnt);

#endif /* PFS_IO_H */
