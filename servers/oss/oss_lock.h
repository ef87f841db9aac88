/* oss_lock.h - EC row locks on an OSS: ranges of stripe rows of a file held
 * by one writer for a lease, so a row's data and parity change together. */
#ifndef PFS_OSS_LOCK_H
#define PFS_OSS_LOCK_H

#include <stdint.h>
#include "wire.h"

#define OSS_LOCK_GRACE_DEFAULT_MS 30000u  /* > 3 x the clients' default timeout */
#define OSS_LOCKS_MAX 65536               /* held at once, all files together */

struct oss_locks;

/* marker: a file that exists while locks may be held (created at the first
 * grant, removed by a destroy with none held). When it exists at creation the
 * previous run stopped with locks out, and no lock is granted for grace_ms:
 * a writer that held one may still be retrying its writes. */
int oss_locks_create(const char *marker, uint32_t grace_ms, struct oss_locks **out);
void oss_locks_destroy(struct oss_locks *l);

/* Grants m's rows to m->owner for m->lease_ms: 0; the same owner asking
 * again renews. -EAGAIN while another owner holds an overlapping range (or
 * in the grace period), -ENOSPC when OSS_LOCKS_MAX are held. */
int oss_locks_acquire(struct oss_locks *l, const struct wire_obj_lock *m);
/* Drops the owner's lock on exactly m's rows; 0 also when it is not held
 * (expired, or an unlock sent twice). */
int oss_locks_release(struct oss_locks *l, const struct wire_obj_lock *m);

#endif /* PFS_OSS_LOCK_H */
