/* SCRIPT_NAME / PATH_INFO from REQUEST_URI and an app's mount prefix
 * (protocols.md F1, C2, W3). Pure.
 *
 * The path of the URI (query removed; the authority of an absolute-form
 * URI dropped) is percent-decoded; %2F and %00 are refused, and so is a
 * decoded path with a "." or ".." segment. The prefix ("" or "/x/y", no
 * trailing slash) must match whole segments of the decoded path: "/app"
 * matches "/app" and "/app/x" but not "/apple". SCRIPT_NAME = prefix,
 * PATH_INFO = the rest. */
#ifndef SG_PATH_SPLIT_H
#define SG_PATH_SPLIT_H

#include <stddef.h>

#include "error.h"

enum sg_split_status {
	SG_SPLIT_OK = 0,
	SG_SPLIT_BAD_REQUEST = -1, /* malformed escape, %2F, NUL, not absolute,
				    * a "." or ".." segment */
	SG_SPLIT_NOT_MOUNTED = -2, /* the path is not under the prefix */
};

/* out must hold at least uri_len + 1 bytes; on success *path_info points
 * into out (decoded, NUL-terminated) and *path_info_len is its length. */
enum sg_split_status sg_path_split(const char *uri, size_t uri_len, const char *prefix,
				   char *out, const char **path_info, size_t *path_info_len,
				   struct sg_error *err);

/* The same split for a path the front end has already decoded. Apache and
 * lighttpd send SCRIPT_NAME (+ PATH_INFO) for the resource being served
 * now, while their REQUEST_URI stays the client's original one, also after
 * an internal redirect (Apache's ap_add_cgi_vars). out must hold
 * script_name_len + path_info_in_len + 1 bytes. NUL and dot segments are
 * refused. */
enum sg_split_status sg_path_split_decoded(const char *script_name, size_t script_name_len,
					   const char *path_info_in, size_t path_info_in_len,
					   const char *prefix, char *out, const char **path_info,
					   size_t *path_info_len, struct sg_error *err);

/* Percent-decodes src into dst (capacity >= src_len); refuses %2F and %00
 * when strict. Returns the decoded length or -1. */
long sg_percent_decode(const char *src, size_t src_len, char *dst, int strict,
		       struct sg_error *err);

#endif
