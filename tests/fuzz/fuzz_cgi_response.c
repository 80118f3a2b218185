/* libFuzzer harness for a CGI script's output head (C7-C10,
 * gateway/cgi_response.c).
 *
 * The first byte picks eof/nph/HEAD, the rest is the script's output.
 * Checks: an accepted head took at most SG_CGI_HEAD_MAX input bytes, ends
 * in an empty line, and its rewrite starts with "Status: NNN", ends in
 * "\r\n\r\n", fits SG_CGI_HEAD_OUT_MAX and holds no bare CR, LF or NUL
 * (nothing a script writes can add a line the front end would read as a
 * header of its own); at eof the answer is never "more". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/cgi_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lines(const char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\0')
			abort();
		if (out[i] == '\r' && (i + 1 >= len || out[i + 1] != '\n'))
			abort();
		if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[SG_CGI_HEAD_OUT_MAX];
	if (size == 0)
		return 0;
	bool eof = data[0] & 1, nph = data[0] & 2, is_head = data[0] & 4;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	struct sg_cgi_head head;
	struct sg_error err;
	enum sg_cgi_head_result r =
		sg_cgi_response_parse(in, len, eof, nph, is_head, out, &head, &err);
	if (r == SG_CGI_HEAD_MORE && (eof || len >= SG_CGI_HEAD_MAX))
		abort();
	if (r != SG_CGI_HEAD_OK)
		return 0;
	if (head.in_len == 0 || head.in_len > len || head.in_len > SG_CGI_HEAD_MAX ||
	    in[head.in_len - 1] != '\n')
		abort();
	if (head.out_len < 14 || head.out_len > SG_CGI_HEAD_OUT_MAX ||
	    memcmp(out, "Status: ", 8) != 0 || memcmp(out + head.out_len - 4, "\r\n\r\n", 4) != 0)
		abort();
	if (head.status < 200 || head.status > 599 || head.send_body == is_head)
		abort();
	check_lines(out, head.out_len);
	return 0;
}
