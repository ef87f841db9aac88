/* mpiio.c - shared MPI-IO driver helpers: pfs: names, hint parsing and
 * reporting, layout from hints, aggregator choice and list I/O arguments. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mpiio.h"

#define MPIIO_MIN_UNIT 4096ull
#define MPIIO_MAX_UNIT (1ull << 32)

int mpiio_is_pfs(const char *name)
{
	return name && strncmp(name, MPIIO_PREFIX, MPIIO_PREFIX_LEN) == 0;
}

const char *mpiio_path(const char *name)
{
	if (!name)
		return NULL;
	return mpiio_is_pfs(name) ? name + MPIIO_PREFIX_LEN : name;
}

void mpiio_hints_init(struct mpiio_hints *h)
{
	memset(h, 0, sizeof(*h));
	h->first_target = -1;
}

/* Parses a whole decimal number with an optional k/m/g (binary) suffix. */
static int mpiio_parse_u64(const char *val, uint64_t *out)
{
	unsigned long long v;
	char *end;
	uint64_t mul = 1;

	while (*val == ' ' || *val == '\t')
		val++;
	if (*val < '0' || *val > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: break;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || v > UINT64_MAX / mul)
		return -EINVAL;
	*out = (uint64_t)v * mul;
	return 0;
}

static int mpiio_refuse(char *msg, size_t msglen, const char *key, const char *val,
			const char *why)
{
	if (msg && msglen)
		snprintf(msg, msglen, "hint %s=%s refused: %s", key, val, why);
	return -EINVAL;
}

static int mpiio_parse_cb(const char *val, enum mpiio_cb *cb)
{
	if (!strcasecmp(val, "enable") || !strcasecmp(val, "true"))
		*cb = MPIIO_CB_ENABLE;
	else if (!strcasecmp(val, "disable") || !strcasecmp(val, "false"))
		*cb = MPIIO_CB_DISABLE;
	else if (!strcasecmp(val, "automatic"))
		*cb = MPIIO_CB_AUTOMATIC;
	else
		return -EINVAL;
	return 0;
}

static const char *mpiio_cb_name(enum mpiio_cb cb)
{
	switch (cb) {
	case MPIIO_CB_ENABLE: return "enable";
	case MPIIO_CB_DISABLE: return "disable";
	default: return "automatic";
	}
}

static const char *const mpiio_fcoll_names[] = {
	[MPIIO_FCOLL_AUTO] = "auto",
	[MPIIO_FCOLL_STRIPED] = "striped",
	[MPIIO_FCOLL_VULCAN] = "vulcan",
	[MPIIO_FCOLL_INDIVIDUAL] = "individual",
};

/* pfs_ec: "K+M" (Reed-Solomon, K data and M parity stripes) or "none". */
static int mpiio_parse_ec(struct mpiio_hints *h, const char *key, const char *val,
			  char *msg, size_t msglen)
{
	unsigned k, m;
	int used = 0;

	if (!strcasecmp(val, "none")) {
		h->pattern = PFS_PATTERN_RAID0;
		h->ec_k = h->ec_m = 0;
		return 1;
	}
	if (sscanf(val, "%u+%u%n", &k, &m, &used) != 2 || (size_t)used != strlen(val) ||
	    k < 1 || k > PFS_EC_K_MAX || m < 1 || m > PFS_EC_M_MAX)
		return mpiio_refuse(msg, msglen, key, val,
				    "want K+M (K 1..32 data, M 1..8 parity stripes) or none");
	h->pattern = PFS_PATTERN_EC;
	h->ec_k = k;
	h->ec_m = m;
	return 1;
}

int mpiio_hint_apply(struct mpiio_hints *h, const char *key, const char *val,
		     char *msg, size_t msglen)
{
	uint64_t v;

	if (!h || !key || !val)
		return -EINVAL;
	if (!strcmp(key, "striping_factor")) {
		if (!strcmp(val, "-1") || !strcasecmp(val, "all")) {
			h->striping_factor = PFS_STRIPE_ALL;
			return 1;
		}
		if (mpiio_parse_u64(val, &v) || v == 0 || v > PFS_MAX_STRIPES)
			return mpiio_refuse(msg, msglen, key, val,
					    "want 1..64 stripes, or -1 for all targets");
		h->striping_factor = (uint32_t)v;
		return 1;
	}
	if (!strcmp(key, "striping_unit")) {
		if (mpiio_parse_u64(val, &v) || v < MPIIO_MIN_UNIT || v > MPIIO_MAX_UNIT ||
		    v % MPIIO_MIN_UNIT)
			return mpiio_refuse(msg, msglen, key, val,
					    "want a multiple of 4096 from 4096 to 4 GiB");
		h->striping_unit = v;
		return 1;
	}
	if (!strcmp(key, "pfs_first_target")) {
		if (!strcmp(val, "-1")) {
			h->first_target = -1;
			return 1;
		}
		if (mpiio_parse_u64(val, &v) || v > INT32_MAX)
			return mpiio_refuse(msg, msglen, key, val, "want a target id or -1");
		h->first_target = (int32_t)v;
		return 1;
	}
	if (!strcmp(key, "cb_nodes")) {
		if (mpiio_parse_u64(val, &v) || v == 0 || v > INT32_MAX)
			return mpiio_refuse(msg, msglen, key, val, "want a positive count");
		h->cb_nodes = (int)v;
		return 1;
	}
	if (!strcmp(key, "cb_buffer_size")) {
		if (mpiio_parse_u64(val, &v) || v < MPIIO_MIN_UNIT || v > INT32_MAX)
			return mpiio_refuse(msg, msglen, key, val,
					    "want 4096 bytes to 2 GiB");
		h->cb_buffer_size = v;
		return 1;
	}
	if (!strcmp(key, "romio_cb_write") || !strcmp(key, "romio_cb_read")) {
		enum mpiio_cb *cb = !strcmp(key, "romio_cb_write") ? &h->cb_write : &h->cb_read;

		if (mpiio_parse_cb(val, cb))
			return mpiio_refuse(msg, msglen, key, val,
					    "want enable, disable or automatic");
		return 1;
	}
	if (!strcmp(key, "pfs_fcoll")) {
		for (size_t i = 0; i < sizeof(mpiio_fcoll_names) / sizeof(*mpiio_fcoll_names); i++) {
			if (!strcasecmp(val, mpiio_fcoll_names[i])) {
				h->fcoll = (enum mpiio_fcoll)i;
				return 1;
			}
		}
		return mpiio_refuse(msg, msglen, key, val,
				    "want auto, striped, vulcan or individual");
	}
	if (!strcmp(key, "pfs_ec"))
		return mpiio_parse_ec(h, key, val, msg, msglen);
	if (!strncmp(key, "pfs_", 4))
		return mpiio_refuse(msg, msglen, key, val, "unknown pfs hint");
	return 0;
}

int mpiio_hints_layout(const struct mpiio_hints *h, struct pfs_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->pattern = h->pattern;
	l->ec_k = h->ec_k;
	l->ec_m = h->ec_m;
	l->stripe_count = h->striping_factor;
	l->stripe_size = h->striping_unit;
	l->first_target = h->first_target;
	return h->striping_factor || h->striping_unit || h->first_target >= 0 || h->pattern;
}

uint64_t mpiio_domain_unit(const struct pfs_layout *l)
{
	return l->pattern == PFS_PATTERN_EC ? l->stripe_size * l->ec_k : l->stripe_size;
}

uint32_t mpiio_domain_stripes(const struct pfs_layout *l)
{
	return l->pattern == PFS_PATTERN_EC ? l->ec_k : l->stripe_count;
}

int mpiio_hints_report(const struct mpiio_hints *h, const struct pfs_layout *l,
		       int naggr, uint64_t cb_buffer, const char *fcoll_name,
		       mpiio_info_set_fn set, void *ctx)
{
	char v[MPIIO_VAL_MAX];
	int rc;

	snprintf(v, sizeof(v), "%" PRIu32, l->stripe_count);
	rc = set(ctx, "striping_factor", v);
	if (rc)
		return rc;
	snprintf(v, sizeof(v), "%" PRIu64, l->stripe_size);
	rc = set(ctx, "striping_unit", v);
	if (rc)
		return rc;
	snprintf(v, sizeof(v), "%" PRIu32, l->stripe_count ? l->targets[0] : 0);
	rc = set(ctx, "pfs_first_target", v);
	if (rc)
		return rc;
	if (l->pattern == PFS_PATTERN_EC)
		snprintf(v, sizeof(v), "%" PRIu32 "+%" PRIu32, l->ec_k, l->ec_m);
	else
		snprintf(v, sizeof(v), "none");
	rc = set(ctx, "pfs_ec", v);
	if (rc)
		return rc;
	if (naggr > 0) {
		snprintf(v, sizeof(v), "%d", naggr);
		rc = set(ctx, "cb_nodes", v);
		if (rc)
			return rc;
	}
	if (cb_buffer) {
		snprintf(v, sizeof(v), "%" PRIu64, cb_buffer);
		rc = set(ctx, "cb_buffer_size", v);
		if (rc)
			return rc;
	}
	rc = set(ctx, "romio_cb_write", mpiio_cb_name(h->cb_write));
	if (!rc)
		rc = set(ctx, "romio_cb_read", mpiio_cb_name(h->cb_read));
	if (!rc && fcoll_name)
		rc = set(ctx, "pfs_fcoll", fcoll_name);
	return rc;
}

int mpiio_aggregators(uint32_t stripe_count, int nprocs, int cb_nodes)
{
	if (nprocs < 1)
		return 1;
	if (cb_nodes > 0)
		return cb_nodes < nprocs ? cb_nodes : nprocs;
	if (stripe_count == 0 || stripe_count == PFS_STRIPE_ALL)
		return nprocs;
	if ((uint32_t)nprocs >= stripe_count)
		return (int)(nprocs / (int)stripe_count * (int)stripe_count);
	for (int n = nprocs; n > 1; n--) {
		if (stripe_count % (uint32_t)n == 0)
			return n;
	}
	return 1;
}

int mpiio_stripe_owner(uint64_t off, uint64_t stripe_size, int naggr, uint64_t *end)
{
	uint64_t stripe;

	if (stripe_size == 0 || naggr < 1) {
		if (end)
			*end = UINT64_MAX;
		return 0;
	}
	stripe = off / stripe_size;
	if (end)
		*end = (stripe + 1) * stripe_size;
	return (int)(stripe % (uint64_t)naggr);
}

uint64_t mpiio_pieces_to_list(const struct mpiio_piece *p, size_t n,
			      struct iovec *iov, size_t *niov,
			      struct pfs_extent *ext, size_t *next)
{
	size_t ni = 0, ne = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i].len == 0)
			continue;
		total += p[i].len;
		if (ni && (uint8_t *)iov[ni - 1].iov_base + iov[ni - 1].iov_len == p[i].mem) {
			iov[ni - 1].iov_len += p[i].len;
		} else {
			iov[ni].iov_base = p[i].mem;
			iov[ni++].iov_len = p[i].len;
		}
		if (ne && ext[ne - 1].off + ext[ne - 1].len == p[i].off) {
			ext[ne - 1].len += p[i].len;
		} else {
			ext[ne].off = p[i].off;
			ext[ne++].len = p[i].len;
		}
	}
	*niov = ni;
	*next = ne;
	return total;
}
