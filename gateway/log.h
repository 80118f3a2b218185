/* Levelled logging to stderr (or syslog), shared by the gateway and worker.
 * Each line: "2026-11-21T10:00:00Z LEVEL [tag] message". */
#ifndef SG_LOG_H
#define SG_LOG_H

enum sg_log_level { SG_LOG_DEBUG, SG_LOG_INFO, SG_LOG_WARN, SG_LOG_ERROR };

/* Parses "debug", "info", "warn"/"warning", "error"; returns -1 if unknown. */
int sg_log_level_parse(const char *name);

/* tag names the process ("gateway", "blog 12"); copied, may be NULL. */
void sg_log_init(const char *tag, enum sg_log_level min_level);
void sg_log_use_syslog(const char *ident);

void sg_log(enum sg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define sg_debug(...) sg_log(SG_LOG_DEBUG, __VA_ARGS__)
#define sg_info(...) sg_log(SG_LOG_INFO, __VA_ARGS__)
#define sg_warn(...) sg_log(SG_LOG_WARN, __VA_ARGS__)
#define sg_error(...) sg_log(SG_LOG_ERROR, __VA_ARGS__)

#endif
