/* suEXEC's checks on a CGI script, through descriptors (cgi_check.c). */
#ifndef SG_CGI_CHECK_H
#define SG_CGI_CHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* Whose script, and where it may be. */
struct sg_cgi_target {
	uid_t uid;
	gid_t gid;
	const char *home;        /* roots beneath it are opened from it */
	int n_roots;             /* absolute, tidy */
	const char (*roots)[PATH_MAX];
	int n_extensions;
	const char (*extensions)[SG_CGI_EXTENSION_MAX];
};

struct sg_cgi_found {
	char script[PATH_MAX];   /* the script's path (a prefix of the one given) */
	const char *rest;        /* what follows it in the given path ("" or "/..."):
				  * the script's PATH_INFO; points into that path */
	uint64_t dev, ino;
	const char *root;        /* the CGI root it is beneath (one of t->roots) */
	uint64_t root_dev, root_ino; /* that root as found now */
};

struct sg_cgi_refusal {
	int exit_code;           /* enum sg_cgi_exit */
	int http_status;         /* 400, 403 or 404 */
	char reason[160];        /* "directory writable by others" */
};

/* Checks path (absolute) for t: beneath one of t's roots, no symbolic
 * link from the root down (each component opened with openat2
 * RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH from its parent's descriptor; the
 * root from the home), every directory from the root down owned by
 * t->uid:t->gid and not writable by group or others, the script a regular file
 * of t->uid:t->gid, not writable by group or others, not setuid or
 * setgid, its extension among t's. exact: path names the script itself
 * (SCRIPT_FILENAME); else the script is the first regular file on the way
 * and the rest is its PATH_INFO (PATH_TRANSLATED). 0, or -1 with r. */
int sg_cgi_check(const struct sg_cgi_target *t, const char *path, bool exact,
		 struct sg_cgi_found *f, struct sg_cgi_refusal *r);

/* The extension check alone: "x.py" -> ".py"; "x" and ".x" -> "". */
bool sg_cgi_extension_allowed(const struct sg_cgi_target *t, const char *name);

#endif
