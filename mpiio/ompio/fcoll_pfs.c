/* fcoll_pfs.c - the OMPIO fcoll component "pfs" (mca_fcoll_pfs.so): picks
 * the collective algorithm for pfs files only. Open MPI 4.1 gives every
 * non-Lustre file vulcan, whose file domains ignore stripes; pfs files get
 * the stripe-aligned dynamic_gen2 instead (measured faster, see the README),
 * or what the pfs_fcoll / romio_cb_write / romio_cb_read hints ask for. */
#include "ompio_pfs.h"
#include "ompi/communicator/communicator.h"
#include "ompi/mca/fcoll/fcoll.h"
#include "ompi/mca/fcoll/base/base.h"

/* Open MPI's component for an algorithm, in order of preference. */
static const char *const fcoll_pfs_striped[] = { "dynamic_gen2", "vulcan", "individual", NULL };
static const char *const fcoll_pfs_vulcan[] = { "vulcan", "dynamic_gen2", "individual", NULL };
static const char *const fcoll_pfs_individual[] = { "individual", "vulcan", NULL };

/* The module that does this collective on this file. Resolved per call: it
 * is a list walk, negligible next to a collective, and it follows a view
 * change. The delegated modules' init/finalize are no-ops in 4.1. */
static mca_fcoll_base_module_t *fcoll_pfs_pick(ompio_file_t *fh, int write)
{
	const struct ompio_pfs_file *pf = ompio_pfs_of(fh);
	const char *const *names = fcoll_pfs_striped;
	enum mpiio_fcoll alg = MPIIO_FCOLL_AUTO;
	enum mpiio_cb cb = MPIIO_CB_AUTOMATIC;

	if (pf) {
		alg = pf->hints.fcoll;
		cb = write ? pf->hints.cb_write : pf->hints.cb_read;
	}
	if (cb == MPIIO_CB_DISABLE || alg == MPIIO_FCOLL_INDIVIDUAL)
		names = fcoll_pfs_individual;
	else if (alg == MPIIO_FCOLL_VULCAN)
		names = fcoll_pfs_vulcan;
	for (; *names; names++) {
		mca_fcoll_base_component_t *c = mca_fcoll_base_component_lookup(*names);
		mca_fcoll_base_module_t *m;
		int prio = 0;

		if (!c || !c->fcollm_file_query)
			continue;
		m = c->fcollm_file_query(fh, &prio);
		if (m && (write ? m->fcoll_file_write_all != NULL : m->fcoll_file_read_all != NULL))
			return m;
	}
	return NULL;
}

static int fcoll_pfs_read_all(ompio_file_t *fh, void *buf, int count,
			      struct ompi_datatype_t *datatype, ompi_status_public_t *status)
{
	mca_fcoll_base_module_t *m = fcoll_pfs_pick(fh, 0);

	if (!m)
		return MPI_ERR_INTERN;
	return m->fcoll_file_read_all(fh, buf, count, datatype, status);
}

/* Two-phase writes are done by aggregators, and OMPIO's write_all returns
 * on a rank as soon as its own part is handed over: a read_all right after
 * it may then be served by an aggregator that reads before another has
 * written (seen on pfs as zeros at stripe starts). A barrier once the
 * delegated write_all is done makes the collective complete on every rank
 * when it returns, so a rank reads back what it wrote. Not needed for
 * individual, where each rank writes its own data. */
static int fcoll_pfs_write_all(ompio_file_t *fh, const void *buf, int count,
			       struct ompi_datatype_t *datatype, ompi_status_public_t *status)
{
	mca_fcoll_base_module_t *m = fcoll_pfs_pick(fh, 1);
	mca_fcoll_base_module_t *ind = NULL;
	mca_fcoll_base_component_t *c = mca_fcoll_base_component_lookup("individual");
	int prio = 0, ret, err;

	if (!m)
		return MPI_ERR_INTERN;
	ret = m->fcoll_file_write_all(fh, buf, count, datatype, status);
	if (c && c->fcollm_file_query)
		ind = c->fcollm_file_query(fh, &prio);
	if (m == ind || fh->f_comm == MPI_COMM_NULL)
		return ret;
	err = fh->f_comm->c_coll->coll_barrier(fh->f_comm, fh->f_comm->c_coll->coll_barrier_module);
	return ret != OMPI_SUCCESS ? ret : err;
}

static int fcoll_pfs_module_init(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

static int fcoll_pfs_module_finalize(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

/* iread_all/iwrite_all NULL: OMPIO reports them unsupported, as it does
 * for vulcan and dynamic_gen2. */
static mca_fcoll_base_module_1_0_0_t fcoll_pfs_module = {
	.fcoll_module_init = fcoll_pfs_module_init,
	.fcoll_module_finalize = fcoll_pfs_module_finalize,
	.fcoll_file_read_all = fcoll_pfs_read_all,
	.fcoll_file_iread_all = NULL,
	.fcoll_file_write_all = fcoll_pfs_write_all,
	.fcoll_file_iwrite_all = NULL,
	.fcoll_progress = NULL,
	.fcoll_request_free = NULL,
};

static int fcoll_pfs_init_query(bool enable_progress_threads, bool enable_mpi_threads)
{
	return ompio_pfs_version_check("fcoll/pfs");
}

static struct mca_fcoll_base_module_1_0_0_t *fcoll_pfs_file_query(ompio_file_t *fh,
								  int *priority)
{
	*priority = OMPIO_PFS_FCOLL_PRIORITY;
	if (!fh || fh->f_fstype != OMPIO_PFS_FSTYPE)
		return NULL;
	return &fcoll_pfs_module;
}

static int fcoll_pfs_file_unquery(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

OMPIO_PFS_EXPORT mca_fcoll_base_component_2_0_0_t mca_fcoll_pfs_component = {
	.fcollm_version = {
		MCA_FCOLL_BASE_VERSION_2_0_0,
		.mca_component_name = "pfs",
		MCA_BASE_MAKE_VERSION(component, OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION,
				      OMPI_RELEASE_VERSION),
	},
	.fcollm_data = {
		MCA_BASE_METADATA_PARAM_CHECKPOINT
	},
	.fcollm_init_query = fcoll_pfs_init_query,
	.fcollm_file_query = fcoll_pfs_file_query,
	.fcollm_file_unquery = fcoll_pfs_file_unquery,
};
