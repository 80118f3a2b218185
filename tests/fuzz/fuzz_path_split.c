/* libFuzzer harness for SCRIPT_NAME / PATH_INFO splitting (F1, C2, W3).
 *
 * The first byte picks a mount prefix, the rest is REQUEST_URI. Checks:
 * PATH_INFO is "" or starts with '/', holds no NUL, and a path that was
 * accepted contains no encoded '/' or NUL, and decodes to a path without
 * a "." or ".." segment (the gateway routes on that decoded path). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/path_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_encoded_slash_or_nul(const char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] == '?' || s[i] == '#')
			return 0;
		if (s[i] == '%' && (memcmp(s + i + 1, "2F", 2) == 0 ||
				    memcmp(s + i + 1, "2f", 2) == 0 ||
				    memcmp(s + i + 1, "00", 2) == 0))
			return 1;
	}
	return 0;
}

/* Whether the decoded path p[0..n) has a "." or ".." segment. */
static int has_dot_segment(const char *p, size_t n)
{
	size_t seg = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		size_t len = i - seg;
		if (seg > 0 && (len == 1 || len == 2) && memcmp(p + seg, "..", len) == 0)
			return 1;
		seg = i + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = {"", "/app", "/a/b", "/", "x"};
	if (size == 0)
		return 0;
	const char *prefix = prefixes[data[0] % (sizeof prefixes / sizeof prefixes[0])];
	const char *uri = (const char *)data + 1;
	size_t uri_len = size - 1;
	char *out = malloc(uri_len + 1);
	const char *path_info = NULL;
	size_t len = 0;
	struct sg_error err;

	enum sg_split_status st = sg_path_split(uri, uri_len, prefix, out, &path_info, &len, &err);
	if (st == SG_SPLIT_OK) {
		if (len > 0 && path_info[0] != '/')
			abort();
		if (strlen(path_info) != len || path_info < out || path_info + len > out + uri_len)
			abort();
		if (uri_len > 0 && uri[0] == '/' && has_encoded_slash_or_nul(uri, uri_len))
			abort();
		/* out holds the whole decoded path: the prefix, then PATH_INFO. */
		if (out[0] != '/' || has_dot_segment(out, (size_t)(path_info - out) + len))
			abort();
	}
	if (sg_percent_decode(uri, uri_len, out, (int)(data[0] & 1), &err) > (long)uri_len)
		abort();
	free(out);
	return 0;
}
