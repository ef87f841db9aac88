/* bench_util.c - the benchmark suite's plumbing: clocks and quantiles,
 * worker processes released together by a pipe barrier (libfabric is not
 * fork-safe, so every client runs in a fresh child), /proc sampling of the
 * servers, and a small JSON syntax checker for the smoke test. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

#define BENCH_READY_MS 120000
#define BENCH_WORKER_ALARM_S 900

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_quantile(double *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	k = (size_t)(q * (double)n);
	if (k >= n)
		k = n - 1;
	return v[k];
}

/* ---- worker processes ----
 * Per-process state of a worker child (set right after fork, never in the
 * parent): its ends of the barrier pipes and whether it passed the barrier. */
static int bench_ready_fd = -1, bench_go_fd = -1, bench_passed;

void bench_barrier(void)
{
	char c = 1;

	if (bench_passed || bench_ready_fd < 0)
		return;
	bench_passed = 1;
	if (write(bench_ready_fd, &c, 1) != 1)
		return;
	/* The parent closes its end when everyone is ready: read sees EOF. */
	while (read(bench_go_fd, &c, 1) < 0 && errno == EINTR)
		;
}

int bench_run_procs(int nproc, bench_fn fn, void *arg, struct bench_result *res)
{
	struct bench_result *shared;
	int ready[2], go[2], rc = 0, got = 0;
	pid_t pids[BENCH_MAX_PROCS];
	double deadline;

	if (nproc < 1 || nproc > BENCH_MAX_PROCS)
		return -EINVAL;
	shared = mmap(NULL, sizeof(*shared) * (size_t)nproc, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	memset(shared, 0, sizeof(*shared) * (size_t)nproc);
	if (pipe(ready) || pipe(go)) {
		munmap(shared, sizeof(*shared) * (size_t)nproc);
		return -errno;
	}
	fflush(NULL);
	for (int i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			bench_ready_fd = ready[1];
			bench_go_fd = go[0];
			alarm(BENCH_WORKER_ALARM_S);
			shared[i].rc = -EINPROGRESS;
			fn(i, nproc, arg, &shared[i]);
			bench_barrier();   /* a worker that failed early still counts */
			_exit(0);
		}
		if (pids[i] < 0) {
			rc = -errno;
			nproc = i;
			break;
		}
	}
	close(ready[1]);
	close(go[0]);
	deadline = bench_now() + BENCH_READY_MS / 1000.0;
	while (got < nproc) {
		struct pollfd p = { .fd = ready[0], .events = POLLIN };
		char buf[BENCH_MAX_PROCS];
		ssize_t n;
		int left = (int)((deadline - bench_now()) * 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(ready[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		got += (int)n;
	}
	close(go[1]);    /* go */
	close(ready[0]);
	if (got < nproc) {
		for (int i = 0; i < nproc; i++)
			kill(pids[i], SIGKILL);
		rc = rc ? rc : -ETIMEDOUT;
	}
	for (int i = 0; i < nproc; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		res[i] = shared[i];
		if (!WIFEXITED(st) && res[i].rc == 0)
			res[i].rc = -ECHILD;
		if (res[i].rc == -EINPROGRESS) {
			res[i].rc = -ECHILD;
			snprintf(res[i].err, sizeof(res[i].err), "worker %d died", i);
		}
		if (!rc && res[i].rc)
			rc = res[i].rc;
	}
	munmap(shared, sizeof(*shared) * (size_t)nproc);
	return rc;
}

double bench_agg_rate(const struct bench_result *res, int n, int use_ops)
{
	double t0 = res[0].t0, t1 = res[0].t1, sum = 0;

	for (int i = 0; i < n; i++) {
		if (res[i].t0 < t0)
			t0 = res[i].t0;
		if (res[i].t1 > t1)
			t1 = res[i].t1;
		sum += use_ops ? res[i].ops : res[i].bytes;
	}
	return t1 > t0 ? sum / (t1 - t0) : 0;
}

/* ---- /proc ---- */

double bench_proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	struct timespec ts;
	clockid_t cid;
	FILE *f;
	size_t n;

	/* The process's CPU clock counts nanoseconds; /proc/PID/stat counts
	 * 10 ms ticks, too coarse for an idle cluster (5 servers, 10 s: the
	 * ticks alone would be +-0.5% of a core). */
	if (clock_getcpuclockid(pid, &cid) == 0 && clock_gettime(cid, &ts) == 0)
		return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

long bench_proc_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* ---- JSON syntax check (RFC 8259, enough for our own output) ---- */

struct bench_json {
	const char *p, *end;
	int depth;
};

static void bench_json_ws(struct bench_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int bench_json_value(struct bench_json *j);

static int bench_json_string(struct bench_json *j)
{
	if (j->p >= j->end || *j->p != '"')
		return -1;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++j->p >= j->end || !strchr("\"\\/bfnrtu", *j->p))
				return -1;
			if (*j->p == 'u') {
				for (int k = 0; k < 4; k++)
					if (++j->p >= j->end || !isxdigit((unsigned char)*j->p))
						return -1;
			}
		}
	}
	return -1;
}

static int bench_json_number(struct bench_json *j)
{
	const char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || !isdigit((unsigned char)*j->p))
		return -1;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || !isdigit((unsigned char)*j->p))
			return -1;
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || !isdigit((unsigned char)*j->p))
			return -1;
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	}
	return j->p > s ? 0 : -1;
}

static int bench_json_seq(struct bench_json *j, char close, int object)
{
	j->p++;
	bench_json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			if (bench_json_string(j))
				return -1;
			bench_json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
		}
		if (bench_json_value(j))
			return -1;
		bench_json_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
		bench_json_ws(j);
	}
}

static int bench_json_value(struct bench_json *j)
{
	int rc;

	bench_json_ws(j);
	if (j->p >= j->end || ++j->depth > 64)
		return -1;
	switch (*j->p) {
	case '{':
		rc = bench_json_seq(j, '}', 1);
		break;
	case '[':
		rc = bench_json_seq(j, ']', 0);
		break;
	case '"':
		rc = bench_json_string(j);
		break;
	case 't':
	case 'f':
	case 'n': {
		const char *w = *j->p == 't' ? "true" : *j->p == 'f' ? "false" : "null";
		size_t n = strlen(w);

		rc = (size_t)(j->end - j->p) >= n && !memcmp(j->p, w, n) ? 0 : -1;
		j->p += rc ? 0 : n;
		break;
	}
	default:
		rc = bench_json_number(j);
	}
	j->depth--;
	return rc;
}

int bench_json_check(const char *path, char *err, size_t errlen)
{
	struct bench_json j;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap ? 2 * cap : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap ? 2 * cap : 65536;
		}
		size_t r = fread(buf + n, 1, cap - n, f);

		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	j = (struct bench_json){ buf, buf + n, 0 };
	rc = bench_json_value(&j);
	bench_json_ws(&j);
	if (!rc && j.p != j.end)
		rc = -1;
	if (rc)
		snprintf(err, errlen, "%s: invalid JSON at byte %ld", path, (long)(j.p - buf));
	free(buf);
	return rc ? -EINVAL : 0;
}
