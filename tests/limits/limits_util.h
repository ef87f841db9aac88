/* limits_util.h - small helpers shared by the resource-limit tests: process
 * memory and descriptor counts from /proc, clocks, counts from the
 * environment. Failures go through the harness (pfs_test.h). */
#ifndef PFS_LIMITS_UTIL_H
#define PFS_LIMITS_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include "pfs_test.h"

static inline double limits_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS of pid (0: this process) in KiB, -1 when unknown. */
static inline long limits_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* VmRSS of pid in KiB; a memory check that cannot read it fails rather
 * than passing unmeasured. */
static inline long limits_rss_kb_or_fail(pid_t pid, const char *who)
{
	long kb = limits_rss_kb(pid);

	T_CHECK(kb >= 0, "cannot read the RSS of %s (pid %d)", who, (int)pid);
	return kb;
}

/* Open descriptors of pid (0: this process), -1 when unknown. */
static inline int limits_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/fd");
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n - (pid == 0);   /* our own opendir */
}

/* A count from the environment (tests scale down for slow runs). */
static inline long limits_env(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? atol(v) : def;
}

/* The cluster's storage on /dev/shm when it is there (PFS_LIMITS_TMPDIR
 * overrides): these tests measure limits, not the disk, and an fsync per
 * create on a slow disk would make 100,000 creates take minutes. */
static inline void limits_tmpdir(void)
{
	const char *dir = getenv("PFS_LIMITS_TMPDIR");

	if (dir && *dir)
		setenv("TMPDIR", dir, 1);
	else if (access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
}

#endif /* PFS_LIMITS_UTIL_H */
