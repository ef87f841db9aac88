/* mpiio.h - code the MPI-IO drivers (ROMIO ad_pfs, OMPIO fs/fbtl/fcoll pfs)
 * share: pfs: names, hint parsing and reporting, layout from hints, extent lists. */
#ifndef PFS_MPIIO_H
#define PFS_MPIIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "pfs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPIIO_PREFIX "pfs:"
#define MPIIO_PREFIX_LEN 4
#define MPIIO_MSG_MAX 160       /* room for a refusal message */
#define MPIIO_VAL_MAX 64        /* longest value mpiio_hints_report writes */

/* romio_cb_write / romio_cb_read */
enum mpiio_cb {
	MPIIO_CB_AUTOMATIC = 0,
	MPIIO_CB_ENABLE,
	MPIIO_CB_DISABLE,
};

/* Collective algorithm for OMPIO (hint pfs_fcoll; ROMIO ignores it). */
enum mpiio_fcoll {
	MPIIO_FCOLL_AUTO = 0,           /* the driver's default */
	MPIIO_FCOLL_STRIPED,            /* stripe-aligned file domains */
	MPIIO_FCOLL_VULCAN,             /* OMPIO's default, not stripe aware */
	MPIIO_FCOLL_INDIVIDUAL,         /* no aggregation */
};

/* Hints a pfs file honours. Zero (or -1 for first_target) means "not given". */
struct mpiio_hints {
	uint32_t striping_factor;       /* stripe count; PFS_STRIPE_ALL for -1 */
	uint64_t striping_unit;         /* stripe size in bytes */
	int32_t first_target;           /* pfs_first_target */
	uint32_t ec_k, ec_m;            /* pfs_ec "K+M" (ec_k 0: not given;
					 * "none" sets pattern RAID0) */
	uint32_t pattern;               /* PFS_PATTERN_* asked for, 0: not given */
	int cb_nodes;                   /* aggregators */
	uint64_t cb_buffer_size;        /* bytes per aggregator and cycle */
	enum mpiio_cb cb_write;
	enum mpiio_cb cb_read;
	enum mpiio_fcoll fcoll;
};

/* A name is a pfs file when it starts with "pfs:". */
int mpiio_is_pfs(const char *name);
/* The path inside pfs ("pfs:/a/b" -> "/a/b"; a name without the prefix is
 * returned as is). */
const char *mpiio_path(const char *name);

void mpiio_hints_init(struct mpiio_hints *h);
/* Applies one info key. Returns 1 when the key is a pfs hint and the value
 * was taken, 0 when the key is not one of ours (leave it to MPI), and
 * -EINVAL when the key is ours but the value is refused (msg says why).
 * Unknown keys starting with "pfs_" are refused, so a typo is never
 * silently ignored. */
int mpiio_hint_apply(struct mpiio_hints *h, const char *key, const char *val,
		     char *msg, size_t msglen);
/* Layout request the hints ask for at create: fills l and returns 1 when
 * any layout hint was given, 0 when the directory default applies. */
int mpiio_hints_layout(const struct mpiio_hints *h, struct pfs_layout *l);

/* Callback that stores one key/value into the MPI's info object. */
typedef int (*mpiio_info_set_fn)(void *ctx, const char *key, const char *val);
/* Reports the hints in effect: striping_factor, striping_unit and
 * pfs_first_target from the file's real layout; cb_nodes (the aggregator
 * count naggr the driver uses), cb_buffer_size (cb_buffer the driver uses),
 * romio_cb_write, romio_cb_read and pfs_fcoll (fcoll_name: what the driver
 * resolved AUTO to, or NULL). Returns 0 or the first error of set. */
int mpiio_hints_report(const struct mpiio_hints *h, const struct pfs_layout *l,
		       int naggr, uint64_t cb_buffer, const char *fcoll_name,
		       mpiio_info_set_fn set, void *ctx);

/* The unit collective file domains align to: a stripe, or for EC a whole
 * row of ec_k data cells (an aggregator writing whole rows computes parity
 * without reading anything back). */
uint64_t mpiio_domain_unit(const struct pfs_layout *l);
/* The stripes file domains spread over: the stripe count, or for EC ec_k. */
uint32_t mpiio_domain_stripes(const struct pfs_layout *l);

/* Aggregator count for a collective on a file with stripe_count stripes
 * and nprocs ranks: cb_nodes when given (clamped to 1..nprocs), else the
 * largest count <= nprocs that is a multiple or a divisor of the stripe
 * count, so every aggregator serves whole stripes of the same targets. */
int mpiio_aggregators(uint32_t stripe_count, int nprocs, int cb_nodes);
/* Stripe-aligned file domains, aggregator i taking stripes i, i+n, ...:
 * the aggregator owning byte off, and in *end the first byte past the
 * stripe holding off. */
int mpiio_stripe_owner(uint64_t off, uint64_t stripe_size, int naggr, uint64_t *end);

/* One memory/file piece of a request (what OMPIO's io array and ROMIO's
 * flattened lists hold). */
struct mpiio_piece {
	void *mem;
	uint64_t off;
	uint64_t len;
};

/* Turns pieces into libpfs list I/O arguments: iov gets the memory side
 * (adjacent buffers merged), ext the file side (adjacent ranges merged),
 * empty pieces dropped. Both arrays must hold n entries. Returns the total
 * byte count; *niov and *next receive the entry counts. */
uint64_t mpiio_pieces_to_list(const struct mpiio_piece *p, size_t n,
			      struct iovec *iov, size_t *niov,
			      struct pfs_extent *ext, size_t *next);

#ifdef __cplusplus
}
#endif
#endif /* PFS_MPIIO_H */
