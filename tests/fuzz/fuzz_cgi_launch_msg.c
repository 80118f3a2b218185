/* libFuzzer harness for the launcher's message (gateway/cgi_launch_msg.c).
 *
 * The input is the message as received. Checks: an accepted message's env
 * block lies inside the input, right after the header, is at most
 * SG_CGI_ENV_MAX bytes, and walks to its end pair by pair with non-empty
 * names free of '='. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/cgi_launch_msg.h"
#include "gateway/cgi_launch_proto.h"
#include "gateway/envblock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	const char *env = NULL;
	size_t env_len = 0;
	struct sg_error err;
	if (sg_cgi_launch_parse(buf, size, &env, &env_len, &err) == 0) {
		if (env != buf + sizeof(struct sg_cgi_launch) || env_len > SG_CGI_ENV_MAX ||
		    env_len != size - sizeof(struct sg_cgi_launch))
			abort();
		size_t pos = 0, nl, vl;
		const char *n, *v;
		while (pos < env_len) {
			if (!sg_envblock_next(env, env_len, &pos, &n, &nl, &v, &vl))
				abort();
			if (nl == 0 || memchr(n, '=', nl) != NULL)
				abort();
		}
	} else if (strlen(err.msg) == 0) {
		abort();
	}
	free(buf);
	return 0;
}
