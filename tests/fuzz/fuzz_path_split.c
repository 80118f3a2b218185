/* libFuzzer harness for SCRIPT_NAME / PATH_INFO splitting (F1, C2, W3).
 *
 * The first byte picks a mount prefix, the rest is REQUEST_URI. Checks:
 * PATH_INFO is "" or starts with '/', holds no NUL, and a path that was
 * accepted contains no encoded '/' or NUL. */
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
	}
	if (sg_percent_decode(uri, uri_len, out, (int)(data[0] & 1), &err) > (long)uri_len)
		abort();
	free(out);
	return 0;
}
