/* pfs_cp.c - data movement for the pfs command: cp (local <-> pfs, pfs -> pfs) in
 * large stripe-aligned chunks with an optional progress bar, and cat. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pfs_cmd.h"

#define CP_CHUNK_MIN (64ULL << 20)   /* at least this much per transfer */
#define CP_CHUNK_MAX (512ULL << 20)  /* never a bigger buffer than this */
#define CP_SIZE_UNKNOWN UINT64_MAX

/* One side of a copy: a pfs file or a local descriptor. */
struct cp_end {
	const char *arg;                /* as the user wrote it (for messages) */
	bool is_pfs;
	bool is_std;                    /* "-": stdin or stdout */
	char path[PFS_PATH_MAX + 1];    /* normalised pfs path or local path */
	int fd;
	pfs_file_t *file;
	struct pfs_layout layout;       /* of a pfs file, once open */
};

struct cp_progress {
	bool enabled;
	bool drawn;
	uint64_t total;                 /* CP_SIZE_UNKNOWN when not known */
	struct timespec start, last;
};

struct cp_job {
	const char *cmd;
	pfs_fs_t *fs;
	struct cp_end src, dst;
	uint64_t size;                  /* source size or CP_SIZE_UNKNOWN */
	uint32_t src_mode;
	bool has_layout;
	struct pfs_layout layout;       /* requested layout of a new pfs dst */
	struct cp_progress pg;
};

/* ------------------------------------------------------------------ */
/* reporting and progress                                              */

static int local_err(const char *cmd, const char *what, int err)
{
	fprintf(stderr, "pfs: %s: %s: %s\n", cmd, what, strerror(err));
	return TOOL_EXIT_FAIL;
}

static int end_err(const struct cp_job *job, const struct cp_end *e, int err)
{
	if (e->is_pfs)
		return tool_err(job->cmd, e->arg, err);
	return local_err(job->cmd, e->arg, -err);
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static void progress_init(struct cp_progress *pg, bool want, uint64_t total)
{
	memset(pg, 0, sizeof(*pg));
	pg->enabled = want && isatty(STDERR_FILENO);
	pg->total = total;
	clock_gettime(CLOCK_MONOTONIC, &pg->start);
	pg->last = pg->start;
}

static void progress_draw(struct cp_progress *pg, uint64_t done, double secs)
{
	char d[32], t[32], r[32];
	double rate = secs > 0 ? (double)done / secs : 0;
	int i, fill;

	tool_human(done, d, sizeof(d));
	tool_human((uint64_t)rate, r, sizeof(r));
	if (pg->total == CP_SIZE_UNKNOWN || pg->total == 0) {
		fprintf(stderr, "\r%10s copied  %10s/s ", d, r);
		return;
	}
	tool_human(pg->total, t, sizeof(t));
	fill = (int)((double)done * 30.0 / (double)pg->total);
	fputs("\r[", stderr);
	for (i = 0; i < 30; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%%  %s / %s  %s/s ",
		(int)((double)done * 100.0 / (double)pg->total), d, t, r);
}

/* Draws at most 5 times a second, and only once the copy has run for 1 s. */
static void progress_update(struct cp_progress *pg, uint64_t done)
{
	struct timespec now;

	if (!pg->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_diff(&now, &pg->start) < 1.0 || ts_diff(&now, &pg->last) < 0.2)
		return;
	pg->last = now;
	pg->drawn = true;
	progress_draw(pg, done, ts_diff(&now, &pg->start));
}

static void progress_end(struct cp_progress *pg, uint64_t done)
{
	struct timespec now;

	if (!pg->drawn)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	progress_draw(pg, done, ts_diff(&now, &pg->start));
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* reading and writing one side                                        */

/* Reads up to len bytes at off; fewer only at end of file. */
static ssize_t end_read(struct cp_end *e, char *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (e->is_pfs) {
			n = pfs_pread(e->file, buf + got, len - got, off + got);
		} else {
			n = read(e->fd, buf + got, len - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				n = -errno;
		}
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int end_write(struct cp_end *e, const char *buf, size_t len, uint64_t off)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		if (e->is_pfs) {
			n = pfs_pwrite(e->file, buf + put, len - put, off + put);
		} else {
			n = write(e->fd, buf + put, len - put);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				n = -errno;
		}
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		put += (size_t)n;
	}
	return 0;
}

static int end_close(struct cp_end *e)
{
	int rc = 0;

	if (e->is_pfs && e->file)
		rc = pfs_close(e->file);
	else if (!e->is_pfs && !e->is_std && e->fd >= 0 && close(e->fd) < 0)
		rc = -errno;
	e->file = NULL;
	e->fd = -1;
	return rc;
}

/* ------------------------------------------------------------------ */
/* opening                                                             */

static int open_src_pfs(struct cp_job *job)
{
	struct cp_end *e = &job->src;
	struct pfs_stat st;
	int rc;

	rc = pfs_open(job->fs, e->path, O_RDONLY, 0, NULL, &e->file);
	if (rc == 0)
		rc = pfs_fstat(e->file, &st);
	if (rc == 0 && S_ISDIR(st.mode))
		rc = -EISDIR;
	if (rc == 0)
		rc = pfs_get_layout(e->file, &e->layout);
	if (rc)
		return end_err(job, e, rc);
	job->size = st.size;
	job->src_mode = st.mode & 0777;
	return 0;
}

static int open_src_local(struct cp_job *job)
{
	struct cp_end *e = &job->src;
	struct stat st;

	if (e->is_std) {
		e->fd = STDIN_FILENO;
	} else {
		e->fd = open(e->path, O_RDONLY | O_CLOEXEC);
		if (e->fd < 0)
			return local_err(job->cmd, e->arg, errno);
	}
	if (fstat(e->fd, &st) < 0)
		return local_err(job->cmd, e->arg, errno);
	if (S_ISDIR(st.st_mode))
		return local_err(job->cmd, e->arg, EISDIR);
	job->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : CP_SIZE_UNKNOWN;
	job->src_mode = S_ISREG(st.st_mode) ? (st.st_mode & 0777) : 0644;
	posix_fadvise(e->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

/* Appends the source's name when the destination names a directory. */
static int dst_into_dir(struct cp_job *job, bool is_dir)
{
	char tmp[PFS_PATH_MAX + 1];
	const char *name = tool_basename(job->src.path);

	if (!is_dir)
		return 0;
	if (job->src.is_std || *name == '\0')
		return end_err(job, &job->dst, -EISDIR);
	if (tool_join(job->dst.path, name, tmp, sizeof(tmp)))
		return end_err(job, &job->dst, -ENAMETOOLONG);
	memcpy(job->dst.path, tmp, sizeof(tmp));
	return 0;
}

/* A requested layout needs a new file: an existing destination is removed. */
static int dst_pfs_replace(struct cp_job *job, const struct pfs_stat *st, int have)
{
	int rc;

	if (have != 0 || !job->has_layout || S_ISDIR(st->mode))
		return 0;
	rc = pfs_unlink(job->fs, job->dst.path);
	return rc == -ENOENT ? 0 : rc;
}

static int open_dst_pfs(struct cp_job *job)
{
	struct cp_end *e = &job->dst;
	struct pfs_stat st;
	int have, rc;

	have = pfs_stat(job->fs, e->path, &st);
	if (have != 0 && have != -ENOENT)
		return end_err(job, e, have);
	rc = dst_into_dir(job, have == 0 && S_ISDIR(st.mode));
	if (rc)
		return rc;
	if (job->src.is_pfs && strcmp(job->src.path, e->path) == 0) {
		fprintf(stderr, "pfs: %s: %s and %s are the same file\n", job->cmd,
			job->src.arg, e->arg);
		return TOOL_EXIT_FAIL;
	}
	if (have == 0 && S_ISDIR(st.mode))
		have = pfs_stat(job->fs, e->path, &st);
	rc = dst_pfs_replace(job, &st, have);
	if (rc == 0)
		rc = pfs_open(job->fs, e->path, O_WRONLY | O_CREAT | O_TRUNC,
			      job->src_mode ? job->src_mode : 0644,
			      job->has_layout ? &job->layout : NULL, &e->file);
	if (rc == 0)
		rc = pfs_get_layout(e->file, &e->layout);
	if (rc)
		return end_err(job, e, rc);
	return 0;
}

static int open_dst_local(struct cp_job *job)
{
	struct cp_end *e = &job->dst;
	struct stat st;
	int rc;

	if (e->is_std) {
		e->fd = STDOUT_FILENO;
		return 0;
	}
	rc = dst_into_dir(job, stat(e->path, &st) == 0 && S_ISDIR(st.st_mode));
	if (rc)
		return rc;
	e->fd = open(e->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		     job->src_mode ? job->src_mode : 0644);
	if (e->fd < 0)
		return local_err(job->cmd, e->arg, errno);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the copy loop                                                       */

static uint64_t round_up(uint64_t v, uint64_t unit)
{
	return unit ? (v + unit - 1) / unit * unit : v;
}

static uint64_t layout_width(const struct cp_end *e)
{
	if (!e->is_pfs)
		return 0;
	return (uint64_t)e->layout.stripe_count * e->layout.stripe_size;
}

/* A whole number of stripe rows (of the wider pfs side), at least 64 MiB, so
 * every target is busy in every transfer. Falls back to whole stripes, then to
 * 64 MiB when rows would need a buffer bigger than CP_CHUNK_MAX. */
static size_t chunk_size(const struct cp_job *job)
{
	uint64_t w = layout_width(&job->src), ss, c;

	if (layout_width(&job->dst) > w)
		w = layout_width(&job->dst);
	c = round_up(CP_CHUNK_MIN, w);
	if (c <= CP_CHUNK_MAX)
		return (size_t)c;
	ss = job->dst.is_pfs ? job->dst.layout.stripe_size : job->src.layout.stripe_size;
	c = round_up(CP_CHUNK_MIN, ss);
	return (size_t)(c <= CP_CHUNK_MAX ? c : CP_CHUNK_MIN);
}

/* Two buffers: a reader thread fills one while the caller writes the other, so
 * the source and the destination are busy at the same time. */
#define CP_NBUF 2

struct cp_buf {
	char *data;
	size_t len;                     /* bytes read into data */
	uint64_t off;
	int err;                        /* read error (negative errno) */
	bool full;                      /* filled, not yet written */
	bool last;                      /* nothing follows this buffer */
};

struct cp_pipe {
	struct cp_job *job;
	size_t chunk;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;                      /* the writer gave up */
	struct cp_buf buf[CP_NBUF];
};

/* Reader side: waits until b is free. false when the writer stopped. */
static bool pipe_wait_empty(struct cp_pipe *pp, struct cp_buf *b)
{
	bool go;

	pthread_mutex_lock(&pp->lock);
	while (b->full && !pp->stop)
		pthread_cond_wait(&pp->cond, &pp->lock);
	go = !pp->stop;
	pthread_mutex_unlock(&pp->lock);
	return go;
}

static void pipe_fill(struct cp_pipe *pp, struct cp_buf *b, ssize_t n, uint64_t off)
{
	pthread_mutex_lock(&pp->lock);
	b->off = off;
	b->len = n > 0 ? (size_t)n : 0;
	b->err = n < 0 ? (int)n : 0;
	b->last = n < (ssize_t)pp->chunk;
	b->full = true;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

static void *pipe_reader(void *p)
{
	struct cp_pipe *pp = p;
	struct cp_buf *b;
	uint64_t off = 0;
	unsigned k;
	ssize_t n;

	for (k = 0;; k++) {
		b = &pp->buf[k % CP_NBUF];
		if (!pipe_wait_empty(pp, b))
			break;
		n = end_read(&pp->job->src, b->data, pp->chunk, off);
		pipe_fill(pp, b, n, off);
		if (n < (ssize_t)pp->chunk)
			break;          /* end of file or error: short only then */
		off += (uint64_t)n;
	}
	return NULL;
}

/* Writer side: waits until the reader filled b. */
static void pipe_wait_full(struct cp_pipe *pp, struct cp_buf *b)
{
	pthread_mutex_lock(&pp->lock);
	while (!b->full)
		pthread_cond_wait(&pp->cond, &pp->lock);
	pthread_mutex_unlock(&pp->lock);
}

static void pipe_release(struct cp_pipe *pp, struct cp_buf *b, bool stop)
{
	pthread_mutex_lock(&pp->lock);
	b->full = false;
	pp->stop = pp->stop || stop;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

/* Writes what the reader produces, in order. 0 or TOOL_EXIT_FAIL (reported). */
static int pipe_write_all(struct cp_pipe *pp)
{
	struct cp_job *job = pp->job;
	struct cp_buf *b;
	bool last = false;
	uint64_t done = 0;
	unsigned k;
	int rc = 0;

	for (k = 0; !last; k++) {
		b = &pp->buf[k % CP_NBUF];
		pipe_wait_full(pp, b);
		if (b->err) {
			rc = end_err(job, &job->src, b->err);
		} else if (b->len) {
			rc = end_write(&job->dst, b->data, b->len, b->off);
			if (rc)
				rc = end_err(job, &job->dst, rc);
		}
		if (rc) {
			pipe_release(pp, b, true);
			break;
		}
		done += b->len;
		progress_update(&job->pg, done);
		last = b->last;
		pipe_release(pp, b, last);
	}
	if (rc == 0)
		progress_end(&job->pg, done);
	return rc;
}

static void pipe_free(struct cp_pipe *pp)
{
	int i;

	for (i = 0; i < CP_NBUF; i++)
		free(pp->buf[i].data);
	pthread_cond_destroy(&pp->cond);
	pthread_mutex_destroy(&pp->lock);
}

static int copy_data(struct cp_job *job)
{
	struct cp_pipe pp;
	pthread_t reader;
	int i, rc;

	memset(&pp, 0, sizeof(pp));
	pp.job = job;
	pp.chunk = chunk_size(job);
	if (job->size != CP_SIZE_UNKNOWN && job->size < pp.chunk)
		pp.chunk = job->size ? (size_t)job->size : 4096;
	pthread_mutex_init(&pp.lock, NULL);
	pthread_cond_init(&pp.cond, NULL);
	for (i = 0; i < CP_NBUF; i++) {
		pp.buf[i].data = malloc(pp.chunk);
		if (!pp.buf[i].data) {
			rc = local_err(job->cmd, job->src.arg, ENOMEM);
			goto out;
		}
	}
	rc = pthread_create(&reader, NULL, pipe_reader, &pp);
	if (rc) {
		rc = local_err(job->cmd, job->src.arg, rc);
		goto out;
	}
	rc = pipe_write_all(&pp);
	pthread_join(reader, NULL);
out:
	pipe_free(&pp);
	return rc;
}

static int end_setup(const char *cmd, struct cp_end *e, const char *arg)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->arg = arg;
	e->fd = -1;
	e->is_pfs = tool_is_pfs(arg);
	if (e->is_pfs) {
		rc = tool_pfs_path(arg, e->path, sizeof(e->path));
		if (rc == -ENAMETOOLONG)
			return tool_usage_err(cmd, "'%s': path too long", arg);
		if (rc)
			return tool_usage_err(cmd, "'%s' is not a pfs path (write pfs:/PATH)", arg);
		return 0;
	}
	if (*arg == '\0')
		return tool_usage_err(cmd, "empty path");
	if (strlen(arg) > PFS_PATH_MAX)
		return tool_usage_err(cmd, "'%s': path too long", arg);
	e->is_std = strcmp(arg, "-") == 0;
	snprintf(e->path, sizeof(e->path), "%s", arg);
	return 0;
}

static int copy_run(struct cp_job *job)
{
	int rc, rc2;

	rc = job->src.is_pfs ? open_src_pfs(job) : open_src_local(job);
	job->pg.total = job->size;
	if (rc == 0)
		rc = job->dst.is_pfs ? open_dst_pfs(job) : open_dst_local(job);
	if (rc == 0)
		rc = copy_data(job);
	rc2 = end_close(&job->dst);
	if (rc2 && rc == 0)
		rc = end_err(job, &job->dst, rc2);
	end_close(&job->src);
	return rc;
}

/* ------------------------------------------------------------------ */
/* cp                                                                  */

static const struct option cp_opts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int cp_parse(struct cp_job *job, int argc, char **argv, bool *quiet)
{
	const char *arg;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":c:S:i:qh", cp_opts, NULL)) != -1) {
		arg = optind > 0 ? argv[optind - 1] : "?";
		if (opt == 'c' || opt == 'S' || opt == 'i') {
			rc = tool_layout_opt("cp", opt, optarg, &job->layout);
			if (rc)
				return rc;
			job->has_layout = true;
		} else if (opt == 'q') {
			*quiet = true;
		} else if (opt == 'h') {
			return tool_help("cp");
		} else if (opt == ':') {
			return tool_usage_err("cp", "option '%s' needs a value", arg);
		} else {
			return tool_usage_err("cp", "invalid option '%s'", arg);
		}
	}
	if (argc - optind != 2)
		return tool_usage_err("cp", "%s", argc - optind < 2 ? "missing operand" :
				      "too many operands");
	return -1;
}

int pfs_cmd_cp(int argc, char **argv)
{
	struct cp_job job;
	bool quiet = false;
	int rc;

	memset(&job, 0, sizeof(job));
	job.cmd = "cp";
	tool_layout_init(&job.layout);
	rc = cp_parse(&job, argc, argv, &quiet);
	if (rc >= 0)
		return rc;
	rc = end_setup("cp", &job.src, argv[optind]);
	if (rc == 0)
		rc = end_setup("cp", &job.dst, argv[optind + 1]);
	if (rc)
		return rc;
	if (!job.src.is_pfs && !job.dst.is_pfs)
		return tool_usage_err("cp", "SRC or DST must be a pfs:/ path");
	if (job.has_layout && !job.dst.is_pfs)
		return tool_usage_err("cp", "-c/-S/-i need a pfs:/ destination");
	if (tool_connect("cp", &job.fs))
		return TOOL_EXIT_FAIL;
	progress_init(&job.pg, !quiet && !job.dst.is_std, CP_SIZE_UNKNOWN);
	job.size = CP_SIZE_UNKNOWN;
	rc = copy_run(&job);
	pfs_disconnect(job.fs);
	return rc ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* cat                                                                 */

static int cat_one(pfs_fs_t *fs, const char *arg)
{
	struct cp_job job;
	int rc;

	memset(&job, 0, sizeof(job));
	job.cmd = "cat";
	job.fs = fs;
	tool_layout_init(&job.layout);
	rc = end_setup("cat", &job.src, arg);
	if (rc == 0)
		rc = end_setup("cat", &job.dst, "-");
	if (rc)
		return rc;
	progress_init(&job.pg, false, 0);
	return copy_run(&job);
}

int pfs_cmd_cat(int argc, char **argv)
{
	pfs_fs_t *fs = NULL;
	int opt, i, ret = TOOL_EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":h", cp_opts + 1, NULL)) != -1) {
		if (opt == 'h')
			return tool_help("cat");
		return tool_usage_err("cat", "invalid option '%s'", argv[optind - 1]);
	}
	if (argc - optind < 1)
		return tool_usage_err("cat", "missing operand");
	for (i = optind; i < argc; i++)
		if (!tool_is_pfs(argv[i]) || argv[i][strlen(TOOL_PREFIX)] != '/')
			return tool_usage_err("cat", "'%s' is not a pfs path (write pfs:/PATH)",
					      argv[i]);
	if (tool_connect("cat", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++)
		if (cat_one(fs, argv[i]))
			ret = TOOL_EXIT_FAIL;
	pfs_disconnect(fs);
	return ret;
}
