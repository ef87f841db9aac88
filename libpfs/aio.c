/* aio.c - nonblocking list I/O: operations are queued to a small pool of
 * threads per connection (started on first use), each of which runs the
 * ordinary blocking list I/O, so the transfer overlaps the caller's work. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "aio.h"
#include "client.h"
#include "engine.h"

/* One list I/O already drives every target at once; more threads let
 * write-behind and read-ahead keep several units moving (stream.c;
 * docs/PERFORMANCE.md has the figures). */
#define AIO_THREADS 4

struct pfs_aio {
	pfs_file_t *file;
	int write;
	struct iovec *mem;
	size_t memcnt;
	struct pfs_extent *ext;
	size_t extcnt;
	int done;
	ssize_t result;
	pthread_cond_t cond;    /* signalled, under the pool lock, when done */
	struct pfs_aio *next;
	struct aio_pool *pool;
};

struct aio_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct pfs_aio *head, *tail;
	int stopping;
	int nthreads;
	pthread_t threads[AIO_THREADS];
};

static struct pfs_aio *aio_next(struct aio_pool *pool)
{
	struct pfs_aio *op;

	pthread_mutex_lock(&pool->lock);
	while (!pool->head && !pool->stopping)
		pthread_cond_wait(&pool->work, &pool->lock);
	op = pool->head;
	if (op) {
		pool->head = op->next;
		if (!pool->head)
			pool->tail = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	return op;
}

static void *aio_thread(void *arg)
{
	struct aio_pool *pool = arg;
	struct pfs_aio *op;

	/* Queued work is finished even while stopping: callers wait on it. */
	while ((op = aio_next(pool)) != NULL) {
		ssize_t rc = engine_list_io(op->file, op->write, op->mem, op->memcnt,
					    op->ext, op->extcnt);

		pthread_mutex_lock(&pool->lock);
		op->result = rc;
		op->done = 1;
		pthread_cond_broadcast(&op->cond);
		pthread_mutex_unlock(&pool->lock);
	}
	return NULL;
}

static int aio_pool_create(struct aio_pool **out)
{
	struct aio_pool *pool = calloc(1, sizeof(*pool));

	if (!pool)
		return -ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	for (int i = 0; i < AIO_THREADS; i++) {
		if (pthread_create(&pool->threads[i], NULL, aio_thread, pool))
			break;
		pool->nthreads++;
	}
	if (!pool->nthreads) {
		aio_pool_destroy(pool);
		return -EAGAIN;
	}
	*out = pool;
	return 0;
}

void aio_pool_destroy(struct aio_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* The connection's pool, started the first time it is needed. */
static int aio_pool_get(pfs_fs_t *fs, struct aio_pool **pool)
{
	int rc = 0;

	pthread_mutex_lock(&fs->lock);
	if (!fs->aio)
		rc = aio_pool_create(&fs->aio);
	*pool = fs->aio;
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

static void aio_free(struct pfs_aio *op)
{
	pthread_cond_destroy(&op->cond);
	free(op->mem);
	free(op->ext);
	free(op);
}

int aio_submit(pfs_file_t *file, int write, const struct iovec *mem, size_t memcnt,
	       const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **out)
{
	struct aio_pool *pool;
	struct pfs_aio *op;
	int rc;

	if (!file || !out || (memcnt && !mem) || (extcnt && !ext))
		return -EINVAL;
	rc = aio_pool_get(file->fs, &pool);
	if (rc)
		return rc;
	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	pthread_cond_init(&op->cond, NULL);
	op->mem = malloc((memcnt ? memcnt : 1) * sizeof(*mem));
	op->ext = malloc((extcnt ? extcnt : 1) * sizeof(*ext));
	if (!op->mem || !op->ext) {
		aio_free(op);
		return -ENOMEM;
	}
	memcpy(op->mem, mem, memcnt * sizeof(*mem));
	memcpy(op->ext, ext, extcnt * sizeof(*ext));
	op->memcnt = memcnt;
	op->extcnt = extcnt;
	op->file = file;
	op->write = write;
	op->pool = pool;
	pthread_mutex_lock(&pool->lock);
	if (pool->tail)
		pool->tail->next = op;
	else
		pool->head = op;
	pool->tail = op;
	pthread_cond_signal(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	*out = op;
	return 0;
}

int pfs_aio_test(pfs_aio_t *op, ssize_t *result)
{
	int done;

	if (!op)
		return -EINVAL;
	pthread_mutex_lock(&op->pool->lock);
	done = op->done;
	if (done && result)
		*result = op->result;
	pthread_mutex_unlock(&op->pool->lock);
	return done;
}

ssize_t pfs_aio_wait(pfs_aio_t *op)
{
	ssize_t rc;

	if (!op)
		return -EINVAL;
	pthread_mutex_lock(&op->pool->lock);
	while (!op->done)
		pthread_cond_wait(&op->cond, &op->pool->lock);
	rc = op->result;
	pthread_mutex_unlock(&op->pool->lock);
	aio_free(op);
	return rc;
}
