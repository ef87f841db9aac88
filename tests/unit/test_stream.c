/* test_stream.c - the write-behind/read-ahead cache (stream.c) in-process,
 * entered through fileio.c as every public call enters it, over an engine
 * that keeps the file in memory: a handle sees its own writes in any order
 * of calls, small writes leave as whole units, a failed buffered write is
 * reported exactly once, and a write drops what was read ahead. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "aio.h"
#include "engine.h"
#include "fileio.h"
#include "pfs_test.h"

#define MEM_FILE_MAX (16u << 20)
#define UNIT (1u << 20)

/* The file, as the engine below the cache keeps it. */
static struct {
	pthread_mutex_t lock;
	uint8_t *data;
	uint64_t size;
	int writes, reads;       /* list I/O calls that reached the engine */
	int fail_writes;         /* the next this many writes fail with -EIO */
} mem = { .lock = PTHREAD_MUTEX_INITIALIZER };

static ssize_t mem_list_io(pfs_file_t *f, int write, const struct iovec *iov, size_t iovcnt,
			   const struct pfs_extent *ext, size_t extcnt, uint64_t total)
{
	size_t vi = 0, voff = 0;
	uint64_t done = 0;

	(void)f;
	pthread_mutex_lock(&mem.lock);
	if (write && mem.fail_writes > 0) {
		mem.fail_writes--;
		mem.writes++;
		pthread_mutex_unlock(&mem.lock);
		return -EIO;
	}
	write ? mem.writes++ : mem.reads++;
	for (size_t e = 0; e < extcnt; e++) {
		for (uint64_t i = 0; i < ext[e].len; i++) {
			uint8_t *u, *fp = &mem.data[ext[e].off + i];

			while (iov[vi].iov_len == voff) {
				vi++;
				voff = 0;
			}
			u = (uint8_t *)iov[vi].iov_base + voff++;
			if (write)
				*fp = *u;
			else
				*u = ext[e].off + i < mem.size ? *fp : 0;
		}
		if (write && ext[e].off + ext[e].len > mem.size)
			mem.size = ext[e].off + ext[e].len;
		if (!write && ext[e].off + ext[e].len > mem.size) {
			done += ext[e].off < mem.size ? mem.size - ext[e].off : 0;
			break;
		}
		done += ext[e].len;
	}
	pthread_mutex_unlock(&mem.lock);
	return (ssize_t)(write ? total : done);
}

static int mem_truncate(pfs_file_t *f, uint64_t size)
{
	(void)f;
	pthread_mutex_lock(&mem.lock);
	if (size < mem.size)
		memset(mem.data + size, 0, mem.size - size);
	mem.size = size;
	pthread_mutex_unlock(&mem.lock);
	return 0;
}

static int mem_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint,
		       uint64_t *size)
{
	(void)fs;
	(void)l;
	(void)hint;
	pthread_mutex_lock(&mem.lock);
	*size = mem.size;
	pthread_mutex_unlock(&mem.lock);
	return 0;
}

static uint64_t mem_unit(const struct wire_layout *l)
{
	return l->stripe_size;
}

static uint32_t mem_redundancy(const struct wire_layout *l)
{
	(void)l;
	return 0;
}

static const struct engine_ops mem_engine = {
	.name = "memory",
	.list_io = mem_list_io,
	.truncate = mem_truncate,
	.glimpse = mem_glimpse,
	.unit = mem_unit,
	.redundancy = mem_redundancy,
};

static pfs_fs_t test_fs;
static pfs_file_t test_file;

/* An open handle over the memory engine with both caches of mib MiB. */
static pfs_file_t *open_cached(int mib)
{
	free(mem.data);         /* cases may run in one process (PFS_TEST_NOFORK) */
	memset(&test_file, 0, sizeof(test_file));
	mem.size = 0;
	mem.writes = mem.reads = mem.fail_writes = 0;
	mem.data = calloc(1, MEM_FILE_MAX);
	T_ASSERT(mem.data != NULL);
	pthread_mutex_init(&test_fs.lock, NULL);
	pthread_mutex_init(&test_file.lock, NULL);
	test_file.fs = &test_fs;
	test_file.flags = O_RDWR;
	test_file.attr.layout.stripe_size = UNIT;
	test_file.attr.layout.stripe_count = 1;
	test_file.engine = &mem_engine;
	T_OK(fileio_set_cache(&test_file, mib, mib));
	T_ASSERT(test_file.stream != NULL);
	return &test_file;
}

static void close_cached(pfs_file_t *f)
{
	T_OK(fileio_close(f));
	aio_pool_destroy(test_fs.aio);
	test_fs.aio = NULL;
}

static ssize_t at(pfs_file_t *f, int write, void *buf, size_t len, uint64_t off)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };

	return fileio_at(f, write, &v, 1, off);
}

/* Random reads, writes, list I/O and truncates against a shadow copy. */
static void own_writes_seen(void)
{
	pfs_file_t *f = open_cached(8);
	uint8_t *shadow = calloc(1, MEM_FILE_MAX), *buf = malloc(2 * UNIT);
	uint64_t size = 0;

	T_ASSERT(shadow && buf);
	t_seed();
	for (int op = 0; op < 2000; op++) {
		uint64_t kind = t_rand() % 10, len = 1 + t_rand() % (kind < 2 ? 2 * UNIT : 65536);
		uint64_t off = (op % 3 ? size : t_rand() % (MEM_FILE_MAX / 2));
		ssize_t n;

		if (off + len > MEM_FILE_MAX)
			off = MEM_FILE_MAX - len;
		if (kind < 5) {
			t_fill(buf, len);
			T_EQ(at(f, 1, buf, len, off), len);
			memcpy(shadow + off, buf, len);
			size = off + len > size ? off + len : size;
		} else if (kind < 8) {
			n = at(f, 0, buf, len, off);
			T_EQ(n, off >= size ? 0 : (off + len <= size ? len : size - off));
			T_MEMEQ(buf, shadow + off, (uint64_t)n);
		} else if (kind < 9) {
			struct iovec v = { .iov_base = buf, .iov_len = len };
			struct pfs_extent e = { .off = off, .len = len };

			n = fileio_list(f, 0, &v, 1, &e, 1);
			T_EQ(n, off >= size ? 0 : (off + len <= size ? len : size - off));
			T_MEMEQ(buf, shadow + off, (uint64_t)n);
		} else {
			uint64_t to = t_rand() % (size + 1);

			T_OK(fileio_truncate(f, to));
			if (to < size)
				memset(shadow + to, 0, size - to);
			size = to;
		}
	}
	close_cached(f);
	T_EQ(mem.size, size);
	T_MEMEQ(mem.data, shadow, size);
	free(shadow);
	free(buf);
}

/* 4 KiB sequential writes reach the engine a unit at a time. */
static void small_writes_coalesce(void)
{
	pfs_file_t *f = open_cached(8);
	uint8_t buf[4096];

	for (int i = 0; i < 1024; i++) {
		memset(buf, i, sizeof(buf));
		T_EQ(at(f, 1, buf, sizeof(buf), (uint64_t)i * sizeof(buf)), sizeof(buf));
	}
	close_cached(f);
	T_EQ(mem.size, 4u << 20);
	T_ASSERT(mem.writes <= 4);
	T_EQ(mem.data[(4u << 20) - 1], (uint8_t)1023);
}

/* A buffered write that fails is reported once, by the next call that
 * changes the file, and not again. */
static void failure_reported_once(void)
{
	pfs_file_t *f = open_cached(8);
	uint8_t buf[4096] = { 7 };

	mem.fail_writes = 1;
	T_EQ(at(f, 1, buf, sizeof(buf), 0), sizeof(buf));   /* buffered: accepted */
	T_ERR(fileio_truncate(f, 8192), -EIO);
	T_OK(fileio_truncate(f, 8192));
	T_EQ(at(f, 1, buf, sizeof(buf), 0), sizeof(buf));
	close_cached(f);
	T_EQ(mem.data[0], 7);
}

/* Sequential reads are served from units fetched ahead; a write of bytes
 * read ahead is seen by the next read. */
static void read_ahead_dropped_by_write(void)
{
	pfs_file_t *f = open_cached(8);
	uint8_t buf[65536], one = 0xAB;
	int reads;

	memset(mem.data, 0x11, 8u << 20);
	mem.size = 8u << 20;
	for (int i = 0; i < 64; i++)
		T_EQ(at(f, 0, buf, sizeof(buf), (uint64_t)i * sizeof(buf)), sizeof(buf));
	reads = mem.reads;
	T_ASSERT(reads < 64);
	T_EQ(at(f, 1, &one, 1, 5u << 20), 1);
	T_EQ(at(f, 0, buf, 1, 5u << 20), 1);
	T_EQ(buf[0], 0xAB);
	close_cached(f);
}

int main(void)
{
	int rc;


	t_run("own_writes_seen", own_writes_seen, 120);
	t_run("small_writes_coalesce", small_writes_coalesce, 60);
	t_run("failure_reported_once", failure_reported_once, 60);
	t_run("read_ahead_dropped_by_write", read_ahead_dropped_by_write, 60);
	rc = t_done();
	free(mem.data);
	return rc;
}
