/* SCRIPT_NAME / PATH_INFO from REQUEST_URI (protocols.md F1, C2, W3).
 *
 * Front ends send REQUEST_URI as the client wrote it and no PATH_INFO
 * (N2, A3), so the split happens here, on the decoded path. flup builds
 * PATH_INFO without decoding (B2); that is what this must not do. The
 * gateway routes on the same split (route.c), so that the app chosen and
 * the path it serves come from one reading of the URI. */
#include "path_split.h"

#include <stdbool.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long sg_percent_decode(const char *src, size_t src_len, char *dst, int strict,
		       struct sg_error *err)
{
	size_t out = 0;

	for (size_t i = 0; i < src_len; i++) {
		char c = src[i];
		if (c == '%') {
			if (src_len - i < 3)
				return sg_fail(err, "truncated %%-escape in path");
			int h = hex_value(src[i + 1]), l = hex_value(src[i + 2]);
			if (h < 0 || l < 0)
				return sg_fail(err, "malformed %%-escape at byte %zu of the path", i);
			c = (char)(h * 16 + l);
			/* A decoded '/' would move a segment boundary (C2); a NUL
			 * would cut the string short for anything that reads it. */
			if (strict && (c == '/' || c == '\0'))
				return sg_fail(err, "path contains %%%c%c: an encoded %s is refused (F1)",
					       src[i + 1], src[i + 2], c != '\0' ? "'/'" : "NUL");
			i += 2;
		} else if (strict && c == '\0') {
			return sg_fail(err, "path contains a NUL byte (F1)");
		}
		dst[out++] = c;
	}
	return (long)out;
}

/* The path of an absolute-form URI "scheme://authority/path": its start,
 * or NULL when the URI is not in that form. An empty path is "/". */
static const char *absolute_form_path(const char *uri, size_t len)
{
	size_t i = 0;

	if (len == 0 || !((uri[0] | 0x20) >= 'a' && (uri[0] | 0x20) <= 'z'))
		return NULL;
	while (i < len && uri[i] != ':') {
		char c = uri[i];
		bool alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
		if (!alpha && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
			return NULL;
		i++;
	}
	if (len - i < 3 || memcmp(uri + i, "://", 3) != 0)
		return NULL;
	for (i += 3; i < len && uri[i] != '/' && uri[i] != '?' && uri[i] != '#'; i++)
		;
	return uri + i;
}

/* The prefix must match whole segments: "/app" covers "/app" and
 * "/app/x" but not "/apple". */
static bool under_prefix(const char *path, size_t path_len, const char *prefix,
			 size_t prefix_len)
{
	if (path_len < prefix_len || memcmp(path, prefix, prefix_len) != 0)
		return false;
	return path_len == prefix_len || path[prefix_len] == '/';
}

static enum sg_split_status check_prefix(const char *prefix, struct sg_error *err)
{
	size_t len = strlen(prefix);
	if (len > 0 && (prefix[0] != '/' || prefix[len - 1] == '/')) {
		sg_fail(err, "mount prefix \"%s\" must be \"\" or \"/x\" without a trailing '/'",
			prefix);
		return SG_SPLIT_NOT_MOUNTED;
	}
	return SG_SPLIT_OK;
}

/* A "." or ".." segment in a decoded path ("/./", "/../", a trailing "/."
 * or "/.."). Front ends normalise the path before their own access rules
 * (location, <Location>), so one that reaches us means the path the front
 * end checked and the one we route and serve can differ. */
static bool has_dot_segment(const char *path, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (path[i] != '/')
			continue;
		size_t seg = i + 1, end = seg;
		while (end < n && path[end] != '/')
			end++;
		size_t len = end - seg;
		if ((len == 1 || len == 2) && memcmp(path + seg, "..", len) == 0)
			return true;
	}
	return false;
}

/* out[0..n) holds the decoded path; PATH_INFO is what follows the prefix. */
static enum sg_split_status split_at_prefix(char *out, size_t n, const char *prefix,
					    const char **path_info, size_t *path_info_len,
					    struct sg_error *err)
{
	size_t prefix_len = strlen(prefix);
	out[n] = '\0';
	if (has_dot_segment(out, n)) {
		sg_fail(err, "path has a \".\" or \"..\" segment");
		return SG_SPLIT_BAD_REQUEST;
	}
	if (!under_prefix(out, n, prefix, prefix_len)) {
		sg_fail(err, "path is not under the mount prefix \"%s\"", prefix);
		return SG_SPLIT_NOT_MOUNTED;
	}
	*path_info = out + prefix_len;
	*path_info_len = n - prefix_len;
	return SG_SPLIT_OK;
}

enum sg_split_status sg_path_split(const char *uri, size_t uri_len, const char *prefix,
				   char *out, const char **path_info, size_t *path_info_len,
				   struct sg_error *err)
{
	if (prefix == NULL)
		prefix = "";
	if (check_prefix(prefix, err) != SG_SPLIT_OK)
		return SG_SPLIT_NOT_MOUNTED;

	const char *path = absolute_form_path(uri, uri_len);
	if (path == NULL)
		path = uri;
	size_t path_len = (size_t)(uri + uri_len - path);
	for (size_t i = 0; i < path_len; i++) {
		if (path[i] == '?' || path[i] == '#') {
			path_len = i;
			break;
		}
	}

	long n;
	if (path != uri && path_len == 0) { /* "http://host" or "http://host?q" */
		out[0] = '/';
		n = 1;
	} else if (path_len == 0 || path[0] != '/') {
		sg_fail(err, "request path does not start with '/'");
		return SG_SPLIT_BAD_REQUEST;
	} else if ((n = sg_percent_decode(path, path_len, out, 1, err)) < 0) {
		return SG_SPLIT_BAD_REQUEST;
	}
	return split_at_prefix(out, (size_t)n, prefix, path_info, path_info_len, err);
}

enum sg_split_status sg_path_split_decoded(const char *script_name, size_t script_name_len,
					   const char *path_info_in, size_t path_info_in_len,
					   const char *prefix, char *out, const char **path_info,
					   size_t *path_info_len, struct sg_error *err)
{
	if (prefix == NULL)
		prefix = "";
	if (check_prefix(prefix, err) != SG_SPLIT_OK)
		return SG_SPLIT_NOT_MOUNTED;
	size_t n = script_name_len + path_info_in_len;
	if (memchr(script_name, '\0', script_name_len) != NULL ||
	    memchr(path_info_in, '\0', path_info_in_len) != NULL) {
		sg_fail(err, "NUL in SCRIPT_NAME or PATH_INFO");
		return SG_SPLIT_BAD_REQUEST;
	}
	memcpy(out, script_name, script_name_len);
	memcpy(out + script_name_len, path_info_in, path_info_in_len);
	if (n == 0 || out[0] != '/') {
		sg_fail(err, "SCRIPT_NAME and PATH_INFO do not make a path starting with '/'");
		return SG_SPLIT_BAD_REQUEST;
	}
	return split_at_prefix(out, n, prefix, path_info, path_info_len, err);
}
