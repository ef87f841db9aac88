/* log.h - one-line diagnostics to stderr for servers and (when PFS_DEBUG is
 * set) the library; the library never prints otherwise. */
#ifndef PFS_LOG_H
#define PFS_LOG_H

#define LOG_ERR 0
#define LOG_WARN 1
#define LOG_INFO 2
#define LOG_DEBUG 3

/* Messages above level are dropped; servers default to LOG_INFO, the library
 * to LOG_ERR only when $PFS_DEBUG is set and silent otherwise. */
void log_set_level(int level);
void log_set_name(const char *name);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PFS_LOG_H */
