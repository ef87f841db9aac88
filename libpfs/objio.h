/* objio.h - the object I/O layer (objio.c): byte pieces of stripe objects
 * moved to or from memory, every target at once; what every engine builds on. */
#ifndef PFS_OBJIO_H
#define PFS_OBJIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "client.h"

#define OBJIO_WINDOW 64            /* RPCs in flight per call */

/* A growable array of fixed-size elements. */
struct objio_vec {
	void *p;
	size_t n;
	size_t cap;
};

/* One user memory segment (adjacent iovecs merged), registered for RMA
 * when a bulk RPC touches it. */
struct objio_mem {
	uint8_t *base;
	uint64_t len;
	struct net_mr *mr;
	int need_mr;
};

/* Bytes that lie in one object and one memory segment. */
struct objio_piece {
	uint32_t stripe;
	uint32_t mem;
	uint64_t obj_off;
	uint64_t len;
	uint8_t *ptr;
};

/* One object RPC: pieces [first, first + count) of objio.rpc_pieces. */
struct objio_rpc {
	uint32_t stripe;
	size_t first;
	size_t count;
	uint32_t next;
	uint32_t nseg;
	uint64_t bytes;
	uint64_t obj_end;           /* highest object byte touched + 1 */
};

/* One call's object I/O: the memory, the pieces in list order, and the
 * RPCs planned from them. An engine adds pieces (objio_split, or by hand),
 * may take some out (the compressed engine's whole chunks), then runs. */
struct objio {
	pfs_file_t *f;
	const struct wire_layout *l;
	int write;
	struct objio_mem *mem;
	size_t nmem;
	struct objio_vec pieces;    /* struct objio_piece, list order */
	struct objio_vec rpc_pieces; /* struct objio_piece, grouped per RPC */
	struct objio_vec rpcs;      /* struct objio_rpc, grouped per stripe */
	size_t *order;              /* start order: stripes interleaved */
	struct net_call **calls;
	struct client_retry *retry; /* per started RPC: its budget */
	struct wire_obj_io *msg;
	uint8_t *enc;               /* CLIENT_REQ_MAX bytes for encoding requests */
	uint8_t *inl;
	int past_eof;               /* a read reached past some object's end */
	int *status;                /* objio_spans: per-stripe results */
	uint64_t *obj_size;         /* objio_spans reads: per-stripe sizes */
};

/* Bytes of one stripe object inside a caller's buffer (objio_spans). */
struct objio_span {
	uint32_t stripe;
	uint64_t obj_off;
	uint64_t len;
	uint8_t *ptr;
};

void *objio_vec_push(struct objio_vec *v, size_t size);

/* Sets up ctx for a call on f with layout l over the memory segments
 * (already checked by engine_check_args). */
int objio_init(struct objio *ctx, pfs_file_t *f, const struct wire_layout *l, int write,
	       const struct iovec *mem, size_t memcnt);
/* Adds the pieces of the file extents (walked with the memory, in order,
 * cut at stripe boundaries). */
int objio_split(struct objio *ctx, const struct pfs_extent *ext, size_t extcnt);
/* Marks the file dirty for a write, plans the pieces into RPCs and moves
 * them; the first error after retries within the RPC budget. */
int objio_run(struct objio *ctx);
void objio_fini(struct objio *ctx);

/* Reads or writes the spans of file f's objects (stripe indices into l),
 * every target at once, with memory in buf (registered once). With status
 * (l->stripe_count entries, zeroed by the caller) a stripe's failure is
 * recorded there and the others go on, without retries: the caller
 * reconstructs. Without status the first error is returned after retries
 * within the RPC budget. obj_size (optional, reads): each stripe's object
 * size as its server reported it. Holes and bytes past an object's end
 * read as zeros. */
int objio_spans(pfs_file_t *f, int write, const struct wire_layout *l, uint8_t *buf,
		uint64_t buflen, const struct objio_span *p, size_t n, int *status,
		uint64_t *obj_size);

/* Whether an RPC that failed with rc (transport: in the transport) may be
 * sent again: nothing was stored or returned. */
int objio_resendable(int rc, int transport);

#endif /* PFS_OBJIO_H */
