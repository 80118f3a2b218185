/* The one way sandgate reports errors.
 *
 * A fallible function returns 0 on success and -1 on failure, and on failure
 * fills a caller-supplied struct sg_error with a human-readable sentence.
 * Callers either add context (sg_error_prefix) and pass the -1 up, or log it.
 * Pure parsers use the same struct, so they do no I/O and keep no globals. */
#ifndef SG_ERROR_H
#define SG_ERROR_H

#include <stdarg.h>
#include <stddef.h>

struct sg_error {
	char msg[512];
};

/* Formats the message into err (if non-NULL) and returns -1. */
int sg_fail(struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* sg_fail with a va_list, for functions that wrap it. */
int sg_failv(struct sg_error *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Like sg_fail, appending ": " and strerror(errno); errno is preserved. */
int sg_fail_errno(struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Puts "context: " in front of an existing message. */
void sg_error_prefix(struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
