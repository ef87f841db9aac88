/* fs_pfs.c - the OMPIO fs component "pfs" (mca_fs_pfs.so): claims "pfs:"
 * names and does open/close/delete/size/sync through libpfs, with the layout
 * from the hints at create and the hints in effect reported in the file's info,
 * and refuses atomic mode (MPI_File_set_atomicity) on pfs files. */
#include "ompio_pfs.h"
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include "ompi/communicator/communicator.h"
#include "ompi/file/file.h"
#include "ompi/mca/io/io.h"
#include "ompi/mca/fs/fs.h"
#include "ompi/mca/fs/base/base.h"
#include "opal/util/info.h"

/* The connection every pfs file of this process shares: made at the first
 * open or delete, dropped when the component closes (MPI_Finalize). The
 * only mutable static state of the component; fs_pfs_lock guards it. */
static pfs_fs_t *fs_pfs_conn;
static pthread_mutex_t fs_pfs_lock = PTHREAD_MUTEX_INITIALIZER;

static int fs_pfs_connect(pfs_fs_t **out)
{
	int rc = 0;

	pthread_mutex_lock(&fs_pfs_lock);
	if (!fs_pfs_conn)
		rc = pfs_connect(NULL, &fs_pfs_conn);
	*out = fs_pfs_conn;
	pthread_mutex_unlock(&fs_pfs_lock);
	return rc;
}

static int fs_pfs_close_component(void)
{
	pthread_mutex_lock(&fs_pfs_lock);
	if (fs_pfs_conn)
		pfs_disconnect(fs_pfs_conn);
	fs_pfs_conn = NULL;
	pthread_mutex_unlock(&fs_pfs_lock);
	return OMPI_SUCCESS;
}

/* ---- atomic mode ----
 * pfs writes are not atomic across stripes and pfs has no locks, so atomic
 * mode is refused, as ad_pfs does under MPICH. io/ompio 4.1.4 sets
 * f_atomicity in MPI_File_set_atomicity without asking the fs component; but
 * every ompi_file_t holds its own copy of its io module's function table, so
 * the open of a pfs file points that file's set_atomicity entry at
 * fs_pfs_set_atomicity: io/ompio's own function still runs (its collective
 * agreement check), then atomic mode is undone and MPI_ERR_UNSUPPORTED_OPERATION
 * returned. The fbtl refuses I/O on a handle in atomic mode for any way in
 * that bypasses this (MCA parameter fs_pfs_atomicity_hook = 0 turns the hook
 * off, which is how the tests reach the fbtl's refusal).
 * Static state: io/ompio's set_atomicity (one function for every file; set
 * at the first pfs open, under fs_pfs_lock), the MCA parameter's storage
 * (written by the MCA base at registration) and the once-only message flag. */
static mca_io_base_module_file_set_atomicity_fn_t fs_pfs_ompio_set_atomicity;
static bool fs_pfs_atomicity_hook = true;
static int fs_pfs_atomic_said;

static int fs_pfs_set_atomicity(struct ompi_file_t *file, int flag)
{
	mca_common_ompio_data_t *data = (mca_common_ompio_data_t *)file->f_io_selected_data;
	int rc;

	rc = fs_pfs_ompio_set_atomicity(file, flag);
	if (rc != OMPI_SUCCESS || !flag || !data || !ompio_pfs_of(&data->ompio_fh))
		return rc;
	data->ompio_fh.f_atomicity = 0;
	if (data->ompio_fh.f_rank == OMPIO_ROOT && !__atomic_exchange_n(&fs_pfs_atomic_said, 1,
									__ATOMIC_RELAXED))
		opal_output(0, "fs/pfs: %s: MPI_File_set_atomicity(1) refused "
			    "(MPI_ERR_UNSUPPORTED_OPERATION): pfs has no locks and its writes "
			    "are not atomic across stripes", file->f_filename);
	return MPI_ERR_UNSUPPORTED_OPERATION;
}

/* Points the ompi_file_t's set_atomicity at fs_pfs_set_atomicity, when fh is
 * the io/ompio handle of a user's MPI_File (not one of OMPIO's internal
 * opens, which have no ompi_file_t). */
static void fs_pfs_hook_atomicity(ompio_file_t *fh)
{
	struct ompi_file_t *file = fh->f_fh;
	mca_io_base_module_file_set_atomicity_fn_t *fn;

	if (!fs_pfs_atomicity_hook || !file || file->f_io_version != MCA_IO_BASE_V_2_0_0 ||
	    !file->f_io_selected_data ||
	    &((mca_common_ompio_data_t *)file->f_io_selected_data)->ompio_fh != fh)
		return;
	fn = &file->f_io_selected_module.v2_0_0.io_module_file_set_atomicity;
	if (*fn == fs_pfs_set_atomicity || !*fn)
		return;
	pthread_mutex_lock(&fs_pfs_lock);
	if (!fs_pfs_ompio_set_atomicity)
		fs_pfs_ompio_set_atomicity = *fn;
	if (*fn == fs_pfs_ompio_set_atomicity)
		*fn = fs_pfs_set_atomicity;
	pthread_mutex_unlock(&fs_pfs_lock);
}

/* ---- hints ---- */

/* Reads every key of info into h; a refused pfs hint fails the open (and
 * rank 0 says why). ROMIO's conventions are kept as ad_pfs keeps them, so a
 * program sees the same answers on both routes: striping_factor or
 * striping_unit "0" mean the default, start_iodevice is the first target
 * (ignored when negative), pfs_svr_buf (Intel PFS's) is not ours. */
static int fs_pfs_parse_hints(opal_info_t *info, struct mpiio_hints *h, int rank)
{
	char key[OPAL_MAX_INFO_KEY + 1], val[OPAL_MAX_INFO_VAL + 1], msg[MPIIO_MSG_MAX];
	int nkeys = 0, flag;

	mpiio_hints_init(h);
	if (!info)
		return OMPI_SUCCESS;
	opal_info_get_nkeys(info, &nkeys);
	for (int i = 0; i < nkeys; i++) {
		if (opal_info_get_nthkey(info, i, key) != OPAL_SUCCESS)
			continue;
		flag = 0;
		if (opal_info_get(info, key, OPAL_MAX_INFO_VAL, val, &flag) != OPAL_SUCCESS || !flag)
			continue;
		if (!strcmp(key, "pfs_svr_buf"))
			continue;
		if ((!strcmp(key, "striping_factor") || !strcmp(key, "striping_unit")) &&
		    !strcmp(val, "0"))
			continue;
		if (!strcmp(key, "start_iodevice")) {
			if (atoi(val) < 0)
				continue;
			strcpy(key, "pfs_first_target");
		}
		if (mpiio_hint_apply(h, key, val, msg, sizeof(msg)) < 0) {
			if (rank == OMPIO_ROOT)
				opal_output(0, "fs/pfs: %s", msg);
			return MPI_ERR_INFO_VALUE;
		}
	}
	return OMPI_SUCCESS;
}

static int fs_pfs_info_set(void *ctx, const char *key, const char *val)
{
	return opal_info_set(ctx, key, val) == OPAL_SUCCESS ? 0 : -ENOMEM;
}

/* Resolves the collective algorithm the fcoll component will use, so the
 * info reports it. */
static const char *fs_pfs_fcoll_name(const struct mpiio_hints *h)
{
	switch (h->fcoll) {
	case MPIIO_FCOLL_VULCAN: return "vulcan";
	case MPIIO_FCOLL_INDIVIDUAL: return "individual";
	default: return "striped";
	}
}

/* ---- module ---- */

static int fs_pfs_module_init(ompio_file_t *fh)
{
	fh->f_fstype = OMPIO_PFS_FSTYPE;
	return OMPI_SUCCESS;
}

static int fs_pfs_module_finalize(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

static int fs_pfs_flags(int amode)
{
	return (amode & MPI_MODE_RDONLY) ? O_RDONLY : O_RDWR;
}

/* What rank 0 broadcasts at a collective open: its result first, then the
 * handle the others import, in one message. */
struct fs_pfs_open_msg {
	int32_t ret;            /* MPI error class of rank 0's open */
	int32_t len;            /* bytes of handle */
	unsigned char handle[PFS_HANDLE_MAX];
};

/* Rank 0 opens (creating with the layout from the hints when asked) and
 * exports the handle; the others import it with their access mode, so one
 * collective open costs the MDS one request, not one per rank. Rank 0's
 * status travels with the handle, so an error there reaches every rank;
 * a final allreduce makes any rank's failure (connecting, importing) every
 * rank's, and the file is then closed everywhere. */
static int fs_pfs_file_open(struct ompi_communicator_t *comm, const char *filename,
			    int amode, struct opal_info_t *info, ompio_file_t *fh)
{
	struct ompio_pfs_file *pf;
	struct fs_pfs_open_msg *msg;
	struct pfs_layout req;
	pfs_fs_t *fs = NULL;
	int rc, ret, flags, has_layout, naggr, nprocs = 1, rank = fh->f_rank;
	mode_t perm;

	pf = calloc(1, sizeof(*pf));
	msg = calloc(1, sizeof(*msg));
	if (!pf || !msg) {
		free(pf);
		free(msg);
		return OMPI_ERR_OUT_OF_RESOURCE;
	}
	pf->magic = OMPIO_PFS_MAGIC;
	ret = fs_pfs_parse_hints(info, &pf->hints, rank);
	if (ret == OMPI_SUCCESS) {
		rc = fs_pfs_connect(&fs);
		ret = ompio_pfs_mpi_err(rc);
	}
	flags = fs_pfs_flags(amode);
	perm = fh->f_perm == OMPIO_PERM_NULL ? 0644 : (mode_t)fh->f_perm;
	has_layout = mpiio_hints_layout(&pf->hints, &req);
	/* On OMPIO's own communicator when it has one, so these collectives
	 * can never pair with another collective on the caller's. */
	if (fh->f_comm && fh->f_comm != MPI_COMM_NULL)
		comm = fh->f_comm;
	if (comm != MPI_COMM_NULL)
		nprocs = ompi_comm_size(comm);

	if (rank == OMPIO_ROOT && ret == OMPI_SUCCESS) {
		int cflags = flags;

		if (amode & MPI_MODE_CREATE)
			cflags |= O_CREAT;
		if (amode & MPI_MODE_EXCL)
			cflags |= O_EXCL;
		rc = pfs_open(fs, mpiio_path(filename), cflags, perm,
			      has_layout && (amode & MPI_MODE_CREATE) ? &req : NULL, &pf->file);
		ret = ompio_pfs_mpi_err(rc);
		if ((rc == -EINVAL || rc == -ENOSPC) && has_layout && (amode & MPI_MODE_CREATE)) {
			opal_output(0, "fs/pfs: %s: layout from hints refused: %s",
				    filename, pfs_strerror(rc));
			ret = MPI_ERR_INFO_VALUE;
		}
		if (ret == OMPI_SUCCESS && nprocs > 1) {
			rc = pfs_file_export(pf->file, msg->handle, sizeof(msg->handle));
			if (rc < 0)
				ret = ompio_pfs_mpi_err(rc);
			else
				msg->len = rc;
		}
	}
	if (nprocs > 1) {
		int local = ret, err, any = 0;

		msg->ret = ret;
		err = comm->c_coll->coll_bcast(msg, (int)sizeof(*msg), MPI_BYTE, OMPIO_ROOT, comm,
					       comm->c_coll->coll_bcast_module);
		ret = err != OMPI_SUCCESS ? err : msg->ret;
		if (rank != OMPIO_ROOT && ret == OMPI_SUCCESS) {
			ret = local;    /* this rank's own hints and connection */
			if (ret == OMPI_SUCCESS) {
				rc = pfs_file_import(fs, msg->handle, (size_t)msg->len, flags,
						     &pf->file);
				ret = ompio_pfs_mpi_err(rc);
			}
		}
		/* Every rank learns whether any failed: the largest error class
		 * (internal codes are negative: counted as MPI_ERR_INTERN). A
		 * rank keeps its own error when it has one. */
		local = ret == OMPI_SUCCESS ? 0 : ret > 0 ? ret : MPI_ERR_INTERN;
		err = comm->c_coll->coll_allreduce(&local, &any, 1, MPI_INT, MPI_MAX, comm,
						   comm->c_coll->coll_allreduce_module);
		if (ret == OMPI_SUCCESS)
			ret = err != OMPI_SUCCESS ? err : any;
	}
	free(msg);
	if (ret == OMPI_SUCCESS)
		ret = ompio_pfs_mpi_err(pfs_get_layout(pf->file, &pf->layout));
	if (ret != OMPI_SUCCESS) {
		if (pf->file)
			pfs_close(pf->file);
		free(pf);
		return ret;
	}

	fh->f_fs_ptr = pf;
	fh->f_fstype = OMPIO_PFS_FSTYPE;
	/* dynamic_gen2 aligns file domains to f_stripe_size: a stripe, or a
	 * whole EC row so that aggregators never read-modify-write. */
	fh->f_stripe_size = mpiio_domain_unit(&pf->layout);
	fh->f_stripe_count = (int)mpiio_domain_stripes(&pf->layout);
	fh->f_fs_block_size = pf->layout.stripe_size > INT_MAX ? INT_MAX
							      : (int)pf->layout.stripe_size;
	/* No fcntl locks: libpfs writes are atomic per extent; the only
	 * read-modify-write (EC rows) holds its own row lock. */
	fh->f_flags |= OMPIO_LOCK_NEVER;
	fs_pfs_hook_atomicity(fh);
	if (pf->hints.cb_buffer_size)
		fh->f_bytes_per_agg = (int)pf->hints.cb_buffer_size;
	naggr = mpiio_aggregators(mpiio_domain_stripes(&pf->layout), fh->f_size,
				  pf->hints.cb_nodes);
	pf->hints.cb_nodes = naggr;
	/* The info is what MPI_File_get_info returns, and OMPIO reads cb_nodes
	 * and cb_buffer_size from it when it sets the view. */
	if (fh->f_info)
		mpiio_hints_report(&pf->hints, &pf->layout, naggr,
				   (uint64_t)fh->f_bytes_per_agg, fs_pfs_fcoll_name(&pf->hints),
				   fs_pfs_info_set, fh->f_info);
	return OMPI_SUCCESS;
}

static int fs_pfs_file_close(ompio_file_t *fh)
{
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);
	int rc;

	if (!pf)
		return OMPI_SUCCESS;
	rc = pfs_close(pf->file);
	/* OMPIO's own delete-on-close unlinks the name with POSIX: do it here.
	 * Every rank passed OMPIO's barrier before this close. */
	if (!rc && (fh->f_amode & MPI_MODE_DELETE_ON_CLOSE) && fh->f_rank == OMPIO_ROOT) {
		pfs_fs_t *fs;

		rc = fs_pfs_connect(&fs);
		if (!rc)
			rc = pfs_unlink(fs, mpiio_path(fh->f_filename));
	}
	pf->magic = 0;
	free(pf);
	fh->f_fs_ptr = NULL;
	return ompio_pfs_mpi_err(rc);
}

static int fs_pfs_file_delete(char *filename, struct opal_info_t *info)
{
	pfs_fs_t *fs;
	int rc;

	rc = fs_pfs_connect(&fs);
	if (!rc)
		rc = pfs_unlink(fs, mpiio_path(filename));
	return ompio_pfs_mpi_err(rc);
}

static int fs_pfs_file_set_size(ompio_file_t *fh, OMPI_MPI_OFFSET_TYPE size)
{
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);

	if (!pf)
		return MPI_ERR_FILE;
	if (size < 0)
		return MPI_ERR_ARG;
	return ompio_pfs_mpi_err(pfs_ftruncate(pf->file, (uint64_t)size));
}

static int fs_pfs_file_get_size(ompio_file_t *fh, OMPI_MPI_OFFSET_TYPE *size)
{
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);
	struct pfs_stat st;
	int rc;

	if (!pf)
		return MPI_ERR_FILE;
	rc = pfs_fstat(pf->file, &st);
	if (rc)
		return ompio_pfs_mpi_err(rc);
	*size = (OMPI_MPI_OFFSET_TYPE)st.size;
	return OMPI_SUCCESS;
}

static int fs_pfs_file_sync(ompio_file_t *fh)
{
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);

	if (!pf)
		return MPI_ERR_FILE;
	return ompio_pfs_mpi_err(pfs_fsync(pf->file));
}

static mca_fs_base_module_1_0_0_t fs_pfs_module = {
	.fs_module_init = fs_pfs_module_init,
	.fs_module_finalize = fs_pfs_module_finalize,
	.fs_file_open = fs_pfs_file_open,
	.fs_file_close = fs_pfs_file_close,
	.fs_file_delete = fs_pfs_file_delete,
	.fs_file_set_size = fs_pfs_file_set_size,
	.fs_file_get_size = fs_pfs_file_get_size,
	.fs_file_sync = fs_pfs_file_sync,
};

/* ---- component ---- */

OMPIO_PFS_EXPORT extern mca_fs_base_component_2_0_0_t mca_fs_pfs_component;

static int fs_pfs_register(void)
{
	fs_pfs_atomicity_hook = true;
	(void)mca_base_component_var_register(&mca_fs_pfs_component.fsm_version,
		"atomicity_hook",
		"Refuse MPI_File_set_atomicity(1) on pfs files with "
		"MPI_ERR_UNSUPPORTED_OPERATION (when false, the pfs fbtl refuses I/O in "
		"atomic mode instead)",
		MCA_BASE_VAR_TYPE_BOOL, NULL, 0, 0, OPAL_INFO_LVL_9,
		MCA_BASE_VAR_SCOPE_READONLY, &fs_pfs_atomicity_hook);
	return OMPI_SUCCESS;
}

static int fs_pfs_init_query(bool enable_progress_threads, bool enable_mpi_threads)
{
	return ompio_pfs_version_check("fs/pfs");
}

/* Only "pfs:" names; everything else stays with ufs. Open and delete see
 * the full name (f_comm is MPI_COMM_NULL for a delete). */
static struct mca_fs_base_module_1_0_0_t *fs_pfs_file_query(ompio_file_t *fh, int *priority)
{
	*priority = OMPIO_PFS_PRIORITY;
	if (!fh || !mpiio_is_pfs(fh->f_filename))
		return NULL;
	fh->f_fstype = OMPIO_PFS_FSTYPE;
	return &fs_pfs_module;
}

static int fs_pfs_file_unquery(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

OMPIO_PFS_EXPORT mca_fs_base_component_2_0_0_t mca_fs_pfs_component = {
	.fsm_version = {
		MCA_FS_BASE_VERSION_2_0_0,
		.mca_component_name = "pfs",
		MCA_BASE_MAKE_VERSION(component, OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION,
				      OMPI_RELEASE_VERSION),
		.mca_close_component = fs_pfs_close_component,
		.mca_register_component_params = fs_pfs_register,
	},
	.fsm_data = {
		MCA_BASE_METADATA_PARAM_CHECKPOINT
	},
	.fsm_init_query = fs_pfs_init_query,
	.fsm_file_query = fs_pfs_file_query,
	.fsm_file_unquery = fs_pfs_file_unquery,
};
