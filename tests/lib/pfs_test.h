/* pfs_test.h - the one test harness of pfs: test cases run in forked
 * children with a time limit, assertions that name file:line and what was
 * found, a seed every randomized test prints (PFS_TEST_SEED replays it), and
 * a closing "N passed, N failed" line. */
#ifndef PFS_TEST_H
#define PFS_TEST_H

#include <stdint.h>
#include <string.h>

/* Exit status of a skipped test program (automake's SKIP). */
#define T_SKIP_STATUS 77

/* Runs fn in a forked child (libfabric is not fork-safe, so the parent of
 * the cases never opens an endpoint) and counts it passed when the child
 * exits 0 within limit_s seconds (0: PFS_TEST_TIMEOUT or 600). A case that
 * calls t_skip counts as neither. PFS_TEST_CASE=name runs only the case of
 * that name (the others are not run and not counted): to replay one case.
 * PFS_TEST_NOFORK=1 runs the cases in this process, without a time limit
 * (for valgrind or a debugger; the first failure ends the program). */
void t_run(const char *name, void (*fn)(void), unsigned limit_s);
/* A named case, for tables of cases that share a fixture (a cluster
 * started in the parent): T_CASE(fn) names it after its function. */
struct t_case {
	const char *name;
	void (*fn)(void);
};
#define T_CASE(fn) { #fn, fn }
#define T_NCASES(table) (sizeof(table) / sizeof((table)[0]))
/* t_run of every case of the table, in order. */
void t_run_cases(const struct t_case *cases, unsigned n, unsigned limit_s);
/* Counts every case of the table failed, with the reason (the fixture they
 * need could not be set up): a missing cluster is a failure, not a skip. */
void t_fail_cases(const struct t_case *cases, unsigned n, const char *why);
/* Prints "N passed, N failed" (and skipped) and returns the exit status
 * for main: 0 all passed, 1 some failed, 77 when every case skipped. */
int t_done(void);

/* Ends the current case as skipped, with a reason. */
__attribute__((noreturn, format(printf, 1, 2))) void t_skip(const char *fmt, ...);
/* Ends the current case as failed after printing file:line and the
 * message (every assertion below ends here). */
__attribute__((noreturn, format(printf, 3, 4)))
void t_fail(const char *file, int line, const char *fmt, ...);
/* Names what the process is doing when it runs no forked case (an MPI rank
 * under mpirun: "rank 3"); failures and t_log lines carry the name. */
void t_name(const char *name);
/* Prints a line prefixed with the current case's name. */
__attribute__((format(printf, 1, 2))) void t_log(const char *fmt, ...);

/* The seed of this run: PFS_TEST_SEED when set, else drawn from the clock
 * and pid; printed once, with how to replay it. */
uint64_t t_seed(void);
/* A deterministic generator seeded from t_seed() (per process: a forked
 * case continues the sequence where the parent left it). */
uint64_t t_rand(void);
/* Fills buf with t_rand() bytes. */
void t_fill(void *buf, uint64_t len);

/* The assertions: each stops the case at the first failure. T_FAIL fails
 * unconditionally, with a printf message. */
#define T_FAIL(...) t_fail(__FILE__, __LINE__, __VA_ARGS__)
#define T_ASSERT(cond)                                                              \
	do {                                                                        \
		if (!(cond))                                                        \
			t_fail(__FILE__, __LINE__, "%s", #cond);                    \
	} while (0)
#define T_EQ(a, b)                                                                  \
	do {                                                                        \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);             \
		if (t_a_ != t_b_)                                                   \
			t_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, \
			       t_a_, t_b_);                                         \
	} while (0)
#define T_UEQ(a, b)                                                                 \
	do {                                                                        \
		unsigned long long t_a_ = (unsigned long long)(a),                  \
				   t_b_ = (unsigned long long)(b);                  \
		if (t_a_ != t_b_)                                                   \
			t_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, \
			       t_a_, t_b_);                                         \
	} while (0)
/* rc is 0 (errno-style codes are printed by name). */
#define T_OK(rc)                                                                    \
	do {                                                                        \
		long long t_r_ = (long long)(rc);                                   \
		if (t_r_ != 0)                                                      \
			t_fail(__FILE__, __LINE__, "%s: %lld (%s)", #rc, t_r_,       \
			       t_errname(t_r_));                                    \
	} while (0)
/* rc is exactly the negative errno want. */
#define T_ERR(rc, want)                                                             \
	do {                                                                        \
		long long t_r_ = (long long)(rc), t_w_ = (long long)(want);         \
		if (t_r_ != t_w_)                                                   \
			t_fail(__FILE__, __LINE__, "%s: %lld (%s), want %lld (%s)", #rc, \
			       t_r_, t_errname(t_r_), t_w_, t_errname(t_w_));        \
	} while (0)
#define T_MEMEQ(a, b, n)                                                            \
	do {                                                                        \
		long long t_at_ = t_memdiff((a), (b), (n));                         \
		if (t_at_ >= 0)                                                     \
			t_fail(__FILE__, __LINE__, "%s and %s differ at byte %lld", #a, \
			       #b, t_at_);                                          \
	} while (0)

/* cond holds, else the message (printf format) says what was found. */
#define T_CHECK(cond, ...)                                                          \
	do {                                                                        \
		if (!(cond))                                                        \
			t_fail(__FILE__, __LINE__, __VA_ARGS__);                    \
	} while (0)
/* a op b as signed (T_CMP) or unsigned (T_UCMP) integers, both values
 * printed on failure; the short forms below name the usual operators. */
#define T_CMP(a, op, b)                                                             \
	do {                                                                        \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);             \
		if (!(t_a_ op t_b_))                                                \
			t_fail(__FILE__, __LINE__, "%s %s %s: %lld, %lld", #a, #op,  \
			       #b, t_a_, t_b_);                                     \
	} while (0)
#define T_UCMP(a, op, b)                                                            \
	do {                                                                        \
		unsigned long long t_a_ = (unsigned long long)(a),                  \
				   t_b_ = (unsigned long long)(b);                  \
		if (!(t_a_ op t_b_))                                                \
			t_fail(__FILE__, __LINE__, "%s %s %s: %llu, %llu", #a, #op,  \
			       #b, t_a_, t_b_);                                     \
	} while (0)
#define T_NE(a, b) T_CMP(a, !=, b)
#define T_LT(a, b) T_CMP(a, <, b)
#define T_LE(a, b) T_CMP(a, <=, b)
#define T_GT(a, b) T_CMP(a, >, b)
#define T_GE(a, b) T_CMP(a, >=, b)
#define T_ULT(a, b) T_UCMP(a, <, b)
#define T_ULE(a, b) T_UCMP(a, <=, b)
#define T_UGT(a, b) T_UCMP(a, >, b)
/* Two C strings are equal (neither may be NULL). */
#define T_STREQ(a, b)                                                               \
	do {                                                                        \
		const char *t_a_ = (a), *t_b_ = (b);                                \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0)                      \
			t_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, \
			       #b, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
	} while (0)

/* Helpers of the assertions. */
const char *t_errname(long long rc);
long long t_memdiff(const void *a, const void *b, uint64_t n);

#endif /* PFS_TEST_H */
