/* pfs_test.c - the test harness (pfs_test.h): forked cases with a time
 * limit, failures with file:line, the replayable seed, the closing count. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pfs_test.h"

static const char *t_current = "main";
static int t_passed, t_failed, t_skipped;
static int t_seeded;
static uint64_t t_seed_value, t_state;

static unsigned t_default_limit(void)
{
	const char *s = getenv("PFS_TEST_TIMEOUT");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (unsigned)v : 600;
}

/* PFS_TEST_CASE, when set, names the one case to run. */
static int t_selected(const char *name)
{
	const char *only = getenv("PFS_TEST_CASE");

	return !only || !*only || strcmp(only, name) == 0;
}

/* PFS_TEST_NOFORK=1: the case runs here; a failure or skip ends the
 * program through t_fail/t_skip, so returning means it passed. */
static int t_run_here(const char *name, void (*fn)(void))
{
	const char *nofork = getenv("PFS_TEST_NOFORK");

	if (!nofork || strcmp(nofork, "1") != 0)
		return 0;
	t_current = name;
	fn();
	t_current = "main";
	printf("PASS %s\n", name);
	fflush(stdout);
	t_passed++;
	return 1;
}

void t_run(const char *name, void (*fn)(void), unsigned limit_s)
{
	pid_t pid;
	int status;

	if (!t_selected(name) || t_run_here(name, fn))
		return;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork: %s\n", name, strerror(errno));
		t_failed++;
		return;
	}
	if (pid == 0) {
		t_current = name;
		alarm(limit_s ? limit_s : t_default_limit());
		fn();
		fflush(NULL);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS %s\n", name);
		t_passed++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == T_SKIP_STATUS) {
		printf("SKIP %s\n", name);
		t_skipped++;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		printf("FAIL %s: over its time limit\n", name);
		t_failed++;
	} else if (WIFSIGNALED(status)) {
		printf("FAIL %s: killed by signal %d\n", name, WTERMSIG(status));
		t_failed++;
	} else {
		printf("FAIL %s\n", name);
		t_failed++;
	}
	fflush(stdout);
}

void t_run_cases(const struct t_case *cases, unsigned n, unsigned limit_s)
{
	for (unsigned i = 0; i < n; i++)
		t_run(cases[i].name, cases[i].fn, limit_s);
}

void t_fail_cases(const struct t_case *cases, unsigned n, const char *why)
{
	for (unsigned i = 0; i < n; i++) {
		if (!t_selected(cases[i].name))
			continue;
		printf("FAIL %s: %s\n", cases[i].name, why);
		t_failed++;
	}
	fflush(stdout);
}

int t_done(void)
{
	printf("%d passed, %d failed", t_passed, t_failed);
	if (t_skipped)
		printf(", %d skipped", t_skipped);
	printf("\n");
	if (t_failed)
		return 1;
	return t_passed == 0 && t_skipped ? T_SKIP_STATUS : 0;
}

void t_skip(const char *fmt, ...)
{
	va_list ap;

	printf("%s: skipped: ", t_current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(NULL);
	_exit(T_SKIP_STATUS);
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s:%d: %s: ", file, line, t_current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (t_seeded)
		printf("%s: seed %" PRIu64 " (replay: PFS_TEST_SEED=%" PRIu64 ")\n", t_current,
		       t_seed_value, t_seed_value);
	fflush(NULL);
	_exit(1);
}

void t_name(const char *name)
{
	t_current = name;
}

void t_log(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", t_current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

uint64_t t_seed(void)
{
	const char *s;
	struct timespec ts;

	if (t_seeded)
		return t_seed_value;
	s = getenv("PFS_TEST_SEED");
	if (s && *s) {
		t_seed_value = strtoull(s, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		t_seed_value = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^
			       ((uint64_t)getpid() << 32);
	}
	t_seeded = 1;
	t_state = t_seed_value ? t_seed_value : 0x9e3779b97f4a7c15ull;
	printf("seed %" PRIu64 " (replay: PFS_TEST_SEED=%" PRIu64 ")\n", t_seed_value,
	       t_seed_value);
	fflush(stdout);
	return t_seed_value;
}

/* xorshift64*: small, fast and enough for test data. */
uint64_t t_rand(void)
{
	if (!t_seeded)
		t_seed();
	t_state ^= t_state >> 12;
	t_state ^= t_state << 25;
	t_state ^= t_state >> 27;
	return t_state * 0x2545f4914f6cdd1dull;
}

void t_fill(void *buf, uint64_t len)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t v = t_rand();

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = t_rand();

		memcpy(p, &v, len);
	}
}

const char *t_errname(long long rc)
{
	if (rc >= 0)
		return "ok";
	if (rc < -4095)
		return "?";
	return strerror((int)-rc);
}

long long t_memdiff(const void *a, const void *b, uint64_t n)
{
	const uint8_t *x = a, *y = b;

	for (uint64_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return (long long)i;
	return -1;
}
