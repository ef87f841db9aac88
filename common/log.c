/* log.c - one-line diagnostics to stderr, prefixed with time and program.
 * The level and name are process-wide settings made once at start-up. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "log.h"

static int log_level = -1;            /* -1: silent (library default) */
static const char *log_name = "pfs";  /* set once by a server's main */

void log_set_level(int level) { log_level = level; }
void log_set_name(const char *name) { log_name = name; }

void log_msg(int level, const char *fmt, ...)
{
	static const char *tag[] = { "error", "warn", "info", "debug" };
	struct timespec ts;
	char line[1024];
	va_list ap;

	if (level > log_level || level < 0 || level > LOG_DEBUG)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%ld.%03ld %s %s: %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000,
		log_name, tag[level], line);
}
