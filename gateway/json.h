/* Writing JSON into a growing buffer, for the control socket's answers.
 * Pure: no I/O. Strings are escaped byte by byte: '"', '\\' and every
 * byte below 0x20 or from 0x7f up become escapes (bytes >= 0x80 as
 * \u00XX, i.e. read as Latin-1), so the output is plain ASCII and valid
 * JSON whatever the input, which may come from app code (the scoreboard).
 * An allocation failure is remembered and reported by sg_json_finish. */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sg_json {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory, or over max */
	size_t max;  /* 0 = no bound */
	bool need_comma;
};

void sg_json_init(struct sg_json *j, size_t max);
void sg_json_free(struct sg_json *j);
/* The text so far, NUL-terminated; NULL if anything failed. */
const char *sg_json_finish(struct sg_json *j);

/* Raw text, no separator handling. */
void sg_json_raw(struct sg_json *j, const char *s, size_t n);
/* A string value's escaped form, quotes included (no separator). */
void sg_json_escaped(struct sg_json *j, const char *s, size_t n);

/* Structure; the writer puts the commas. */
void sg_json_open(struct sg_json *j, char bracket);  /* '{' or '[' */
void sg_json_close(struct sg_json *j, char bracket); /* '}' or ']' */
/* "key": inside an object; the value follows. */
void sg_json_key(struct sg_json *j, const char *key);

/* Values: after a key, or as array elements. */
void sg_json_str(struct sg_json *j, const char *s);
void sg_json_strn(struct sg_json *j, const char *s, size_t n);
void sg_json_int(struct sg_json *j, long long v);
void sg_json_uint(struct sg_json *j, unsigned long long v);
void sg_json_bool(struct sg_json *j, bool v);
void sg_json_null(struct sg_json *j);

#endif
