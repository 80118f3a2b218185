/* An env block: CGI variables as "NAME\0VALUE\0" pairs, the format of an
 * SCGI header block without its netstring. The gateway builds one for a
 * routed request; the worker reads one (from SCGI or the dispatch socket).
 * Pure: no I/O, no globals. */
#ifndef SG_ENVBLOCK_H
#define SG_ENVBLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct sg_envblock {
	char *buf;
	size_t len;
	size_t cap; /* fixed capacity: adding past it fails */
};

void sg_envblock_init(struct sg_envblock *eb, char *buf, size_t cap);

/* Appends NAME=VALUE (value may be empty; names must be non-empty and
 * neither may contain NUL). Fails when the block would exceed cap. */
int sg_envblock_add(struct sg_envblock *eb, const char *name, size_t name_len,
		    const char *value, size_t value_len, struct sg_error *err);
int sg_envblock_adds(struct sg_envblock *eb, const char *name, const char *value,
		     struct sg_error *err);

/* Appends more bytes to the value of the pair added last (used to merge
 * repeated headers). Fails on a NUL, an empty block, or past cap. */
int sg_envblock_extend(struct sg_envblock *eb, const char *more, size_t more_len,
		       struct sg_error *err);

/* Iterates pairs: start with *pos = 0; returns false at the end or on a
 * malformed block (unterminated name or value). */
bool sg_envblock_next(const char *buf, size_t len, size_t *pos, const char **name,
		      size_t *name_len, const char **value, size_t *value_len);

/* First value for name, or NULL. */
const char *sg_envblock_get(const char *buf, size_t len, const char *name, size_t *value_len);

#endif
