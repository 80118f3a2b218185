/* A CGI script's output head turned into an SCGI head (protocols.md C7-C10,
 * gateway/cgi_response.h). */
#include <stdlib.h>
#include <string.h>

#include "gateway/cgi_response.h"
#include "unit.h"

static char out[SG_CGI_HEAD_OUT_MAX + 1];
static struct sg_cgi_head head;
static struct sg_error err;

static enum sg_cgi_head_result parse_opts(const char *in, bool eof, bool nph, bool is_head)
{
	memset(out, 0, sizeof out);
	memset(&head, 0, sizeof head);
	err.msg[0] = '\0';
	return sg_cgi_response_parse(in, strlen(in), eof, nph, is_head, out, &head, &err);
}

/* The rewritten head for a complete CGI head, or "<502: why>" / "<more>". */
static const char *rewrite(const char *in)
{
	static char shown[600];
	enum sg_cgi_head_result r = parse_opts(in, true, false, false);
	if (r == SG_CGI_HEAD_BAD)
		snprintf(shown, sizeof shown, "<502: %s>", err.msg);
	else if (r == SG_CGI_HEAD_MORE)
		return "<more>";
	else
		snprintf(shown, sizeof shown, "%.*s", (int)head.out_len, out);
	return shown;
}

static bool bad(const char *in)
{
	return parse_opts(in, true, false, false) == SG_CGI_HEAD_BAD;
}

static void test_c7_lf_and_crlf_both_accepted(void)
{
	CHECK_STR(rewrite("Content-Type: text/plain\n\nhi"),
		  "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
	CHECK_STR(rewrite("Content-Type: text/plain\r\n\r\nhi"),
		  "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
	/* mixed line ends in one head */
	CHECK_STR(rewrite("Content-Type: a/b\r\nX-A: 1\n\r\n"),
		  "Status: 200 OK\r\nContent-Type: a/b\r\nX-A: 1\r\n\r\n");
	CHECK(head.in_len == strlen("Content-Type: a/b\r\nX-A: 1\n\r\n"));
}

static void test_c7_body_starts_after_empty_line(void)
{
	const char *in = "Content-Type: text/plain\n\nbody\n\nmore";
	CHECK(parse_opts(in, false, false, false) == SG_CGI_HEAD_OK);
	CHECK_STR(in + head.in_len, "body\n\nmore");
	CHECK(head.send_body);
}

static void test_c7_needs_a_cgi_field(void)
{
	CHECK(bad("X-Only: 1\n\nbody"));
	CHECK(strstr(err.msg, "no Content-Type, Location or Status") != NULL);
	CHECK(bad("\nbody")); /* empty head */
	/* any one of the three is enough */
	CHECK_STR(rewrite("Status: 204\n\n"), "Status: 204 No Content\r\n\r\n");
	CHECK_STR(rewrite("Location: http://x/\n\n"), "Status: 302 Found\r\nLocation: http://x/\r\n\r\n");
}

static void test_c7_cgi_fields_not_repeated(void)
{
	CHECK(bad("Content-Type: a/b\nContent-Type: c/d\n\n"));
	CHECK(strstr(err.msg, "repeated") != NULL);
	CHECK(bad("Status: 200\nstatus: 200\nContent-Type: a/b\n\n"));
	CHECK(bad("Location: /a\nLOCATION: /b\n\n"));
	/* other headers may repeat (Set-Cookie) */
	CHECK_STR(rewrite("Content-Type: a/b\nSet-Cookie: a=1\nSet-Cookie: b=2\n\n"),
		  "Status: 200 OK\r\nContent-Type: a/b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n");
}

static void test_c7_names_case_insensitive(void)
{
	CHECK_STR(rewrite("content-type: a/b\nSTATUS: 404 Nope\n\n"),
		  "Status: 404 Nope\r\ncontent-type: a/b\r\n\r\n");
}

static void test_c7_no_continuation_lines(void)
{
	CHECK(bad("Content-Type: a/b\nX-A: 1\n  folded\n\n"));
	CHECK(strstr(err.msg, "continuation") != NULL);
	CHECK(bad("Content-Type: a/b\nX-A: 1\n\tfolded\n\n"));
}

static void test_c7_malformed_lines(void)
{
	CHECK(bad("Content-Type: a/b\nno colon here\n\n"));
	CHECK(bad("Content-Type: a/b\n: empty name\n\n"));
	CHECK(bad("Content-Type: a/b\nBad Name: x\n\n"));
	CHECK(bad("Content-Type: a/b\nX-A: bell\a\n\n"));
	CHECK(bad("Content-Type: a/b\nX-A: bare\rcr\n\n"));
	CHECK(bad("Content-Type:\n\n"));  /* a CGI field without a value */
	CHECK(bad("Content-Type: a/b\nHTTP/1.1 200 OK\n\n"));
	/* whitespace around the value is trimmed; obs-text passes */
	CHECK_STR(rewrite("Content-Type: \t a/b \t\nX-A: caf\xc3\xa9\n\n"),
		  "Status: 200 OK\r\nContent-Type: a/b\r\nX-A: caf\xc3\xa9\r\n\r\n");
}

static void test_c7_incomplete_head(void)
{
	CHECK(parse_opts("Content-Type: a/b\n", false, false, false) == SG_CGI_HEAD_MORE);
	CHECK(parse_opts("Content-Type: a/b", false, false, false) == SG_CGI_HEAD_MORE);
	CHECK(parse_opts("", false, false, false) == SG_CGI_HEAD_MORE);
	/* at EOF it is the script's fault: 502 */
	CHECK(parse_opts("Content-Type: a/b\n", true, false, false) == SG_CGI_HEAD_BAD);
	CHECK(strstr(err.msg, "ended before the empty line") != NULL);
	CHECK(parse_opts("", true, false, false) == SG_CGI_HEAD_BAD);
	CHECK(strstr(err.msg, "no output") != NULL);
}

static void test_c7_head_size_limit(void)
{
	size_t n = SG_CGI_HEAD_MAX + 10;
	char *in = malloc(n + 1);
	memcpy(in, "Content-Type: a/b\nX-Big: ", 25);
	memset(in + 25, 'x', n - 25);
	in[n] = '\0';
	CHECK(parse_opts(in, false, false, false) == SG_CGI_HEAD_BAD);
	CHECK(strstr(err.msg, "no end of the head") != NULL);
	/* just below the limit is fine, and fits out */
	size_t m = SG_CGI_HEAD_MAX - 2;
	memset(in + 25, 'x', m - 25);
	memcpy(in + m - 2, "\n\n", 2);
	in[m] = '\0';
	CHECK(parse_opts(in, false, false, false) == SG_CGI_HEAD_OK);
	CHECK(head.out_len <= SG_CGI_HEAD_OUT_MAX);
	free(in);
}

static void test_c7_worst_case_growth_fits_out(void)
{
	/* "a:\n" lines grow the most: each becomes "a: \r\n" */
	size_t lines = (SG_CGI_HEAD_MAX - 32) / 3;
	char *in = malloc(lines * 3 + 32);
	size_t n = 0;
	memcpy(in, "Status: 200\n", 12);
	n = 12;
	for (size_t i = 0; i < lines - 5; i++, n += 3)
		memcpy(in + n, "a:\n", 3);
	memcpy(in + n, "\n", 2);
	CHECK(parse_opts(in, true, false, false) == SG_CGI_HEAD_OK);
	CHECK(head.out_len <= SG_CGI_HEAD_OUT_MAX);
	free(in);
}

static void test_c8_status_explicit_and_default(void)
{
	CHECK_STR(rewrite("Content-Type: a/b\n\n"), "Status: 200 OK\r\nContent-Type: a/b\r\n\r\n");
	CHECK(head.status == 200);
	CHECK_STR(rewrite("Status: 404 Not Here\nContent-Type: a/b\n\n"),
		  "Status: 404 Not Here\r\nContent-Type: a/b\r\n\r\n");
	CHECK(head.status == 404);
	/* no reason: a known one is supplied, an unknown one left out */
	CHECK_STR(rewrite("Status: 418\n\n"), "Status: 418\r\n\r\n");
	CHECK_STR(rewrite("Status: 500\n\n"), "Status: 500 Internal Server Error\r\n\r\n");
}

static void test_c8_bad_status(void)
{
	CHECK(bad("Status: 20\n\n"));
	CHECK(bad("Status: abc\n\n"));
	CHECK(bad("Status: 2000\n\n"));
	CHECK(bad("Status: 100 Continue\n\n")); /* not a final status */
	CHECK(bad("Status: 600 x\n\n"));
	CHECK(bad("Status: 200OK\n\n"));
}

static void test_c8_location_without_status_is_302(void)
{
	CHECK_STR(rewrite("Location: https://example.test/a\n\n"),
		  "Status: 302 Found\r\nLocation: https://example.test/a\r\n\r\n");
	CHECK(head.status == 302);
	/* a local Location too (nginx does the same, protocols.md §4.5) */
	CHECK_STR(rewrite("Location: /x\n\n"), "Status: 302 Found\r\nLocation: /x\r\n\r\n");
	/* an explicit Status wins */
	CHECK_STR(rewrite("Status: 301 Moved\nLocation: /x\n\n"),
		  "Status: 301 Moved\r\nLocation: /x\r\n\r\n");
	CHECK(head.status == 301);
}

static void test_c9_head_request_drops_body(void)
{
	CHECK(parse_opts("Content-Type: a/b\n\nbody", true, false, true) == SG_CGI_HEAD_OK);
	CHECK(!head.send_body);
	CHECK(parse_opts("Content-Type: a/b\n\nbody", true, false, false) == SG_CGI_HEAD_OK);
	CHECK(head.send_body);
}

static void test_c10_nph_status_line_rewritten(void)
{
	CHECK(parse_opts("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nX-N: 1\r\n\r\nbody", true, true,
			 false) == SG_CGI_HEAD_OK);
	CHECK_STR(out, "Status: 200 OK\r\nContent-Type: a/b\r\nX-N: 1\r\n\r\n");
	CHECK(parse_opts("HTTP/1.0 404 Gone Away\n\n", true, true, false) == SG_CGI_HEAD_OK);
	CHECK_STR(out, "Status: 404 Gone Away\r\n\r\n");
	CHECK(head.status == 404);
}

static void test_c10_nph_needs_status_line(void)
{
	CHECK(parse_opts("Content-Type: a/b\n\n", true, true, false) == SG_CGI_HEAD_BAD);
	CHECK(strstr(err.msg, "C10") != NULL);
	CHECK(parse_opts("HTTP/2 200 OK\n\n", true, true, false) == SG_CGI_HEAD_BAD);
	CHECK(parse_opts("HTTP/1.1 abc\n\n", true, true, false) == SG_CGI_HEAD_BAD);
	/* a Status field after the status line repeats it */
	CHECK(parse_opts("HTTP/1.1 200 OK\nStatus: 404\n\n", true, true, false) == SG_CGI_HEAD_BAD);
	/* the same first line from a script that is not nph- is a bad line */
	CHECK(parse_opts("HTTP/1.1 200 OK\n\n", true, false, false) == SG_CGI_HEAD_BAD);
}

int main(void)
{
	RUN(test_c7_lf_and_crlf_both_accepted);
	RUN(test_c7_body_starts_after_empty_line);
	RUN(test_c7_needs_a_cgi_field);
	RUN(test_c7_cgi_fields_not_repeated);
	RUN(test_c7_names_case_insensitive);
	RUN(test_c7_no_continuation_lines);
	RUN(test_c7_malformed_lines);
	RUN(test_c7_incomplete_head);
	RUN(test_c7_head_size_limit);
	RUN(test_c7_worst_case_growth_fits_out);
	RUN(test_c8_status_explicit_and_default);
	RUN(test_c8_bad_status);
	RUN(test_c8_location_without_status_is_302);
	RUN(test_c9_head_request_drops_body);
	RUN(test_c10_nph_status_line_rewritten);
	RUN(test_c10_nph_needs_status_line);
	UNIT_END();
}
