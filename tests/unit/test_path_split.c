/* SCRIPT_NAME / PATH_INFO from REQUEST_URI (protocols.md F1, C2, W3). */
#include <string.h>

#include "gateway/path_split.h"
#include "unit.h"

struct split {
	enum sg_split_status st;
	char out[256];
	const char *path_info;
	size_t len;
	struct sg_error err;
};

static struct split *split(const char *uri, const char *prefix)
{
	static struct split s;
	memset(&s, 0, sizeof s);
	s.st = sg_path_split(uri, strlen(uri), prefix, s.out, &s.path_info, &s.len, &s.err);
	return &s;
}

/* PATH_INFO on success, else a marker naming the status. */
static const char *path_info(const char *uri, const char *prefix)
{
	struct split *s = split(uri, prefix);
	if (s->st == SG_SPLIT_BAD_REQUEST)
		return "<400>";
	if (s->st == SG_SPLIT_NOT_MOUNTED)
		return "<404>";
	if (strlen(s->path_info) != s->len)
		return "<length mismatch>";
	return s->path_info;
}

static void test_f1_prefix_stripped(void)
{
	CHECK_STR(path_info("/app/x/y", "/app"), "/x/y");
	CHECK_STR(path_info("/app", "/app"), "");
	CHECK_STR(path_info("/app/", "/app"), "/");
	CHECK_STR(path_info("/a/b/c", "/a/b"), "/c");
}

static void test_f1_query_removed(void)
{
	CHECK_STR(path_info("/app/x?a=1&b=%2F", "/app"), "/x");
	CHECK_STR(path_info("/app?x", "/app"), "");
	CHECK_STR(path_info("/?", ""), "/");
}

static void test_f1_percent_decoded(void)
{
	CHECK_STR(path_info("/app/a%20b/%41%e9", "/app"), "/a b/A\xe9");
	/* the prefix matches the decoded path */
	CHECK_STR(path_info("/%61pp/x", "/app"), "/x");
	/* case is preserved (C2) */
	CHECK_STR(path_info("/App/X", "/App"), "/X");
}

static void test_f1_percent_2f_refused(void)
{
	CHECK_STR(path_info("/app/a%2Fb", "/app"), "<400>");
	CHECK_STR(path_info("/app/a%2fb", "/app"), "<400>");
	CHECK(strstr(split("/a%2fb", "")->err.msg, "F1") != NULL);
}

static void test_f1_percent_00_refused(void)
{
	CHECK_STR(path_info("/app/a%00b", "/app"), "<400>");
	CHECK_STR(path_info("/%00", ""), "<400>");
}

static void test_f1_raw_nul_refused(void)
{
	struct split s;
	s.st = sg_path_split("/a\0b", 4, "", s.out, &s.path_info, &s.len, &s.err);
	CHECK(s.st == SG_SPLIT_BAD_REQUEST);
}

static void test_f1_malformed_escapes_refused(void)
{
	CHECK_STR(path_info("/a%", ""), "<400>");
	CHECK_STR(path_info("/a%4", ""), "<400>");
	CHECK_STR(path_info("/a%zz", ""), "<400>");
	CHECK_STR(path_info("/a%4g", ""), "<400>");
	CHECK_STR(path_info("/a%%41", ""), "<400>");
	/* a malformed escape in the query is not the path's business */
	CHECK_STR(path_info("/a?%zz", ""), "/a");
}

static void test_f1_path_must_start_with_slash(void)
{
	CHECK_STR(path_info("", ""), "<400>");
	CHECK_STR(path_info("app/x", ""), "<400>");
	CHECK_STR(path_info("*", ""), "<400>");
	CHECK_STR(path_info("?x", ""), "<400>");
	CHECK_STR(path_info("%2Fapp", ""), "<400>");
}

/* "/app" covers "/app" and "/app/..." but not "/apple" or "/ap". */
static void test_f1_prefix_on_whole_segments(void)
{
	CHECK_STR(path_info("/apple", "/app"), "<404>");
	CHECK_STR(path_info("/ap", "/app"), "<404>");
	CHECK_STR(path_info("/other/app", "/app"), "<404>");
	CHECK_STR(path_info("/APP/x", "/app"), "<404>");
	CHECK(split("/apple", "/app")->st == SG_SPLIT_NOT_MOUNTED);
}

/* W3: with no prefix, SCRIPT_NAME is "" and PATH_INFO the whole path. */
static void test_w3_empty_prefix(void)
{
	CHECK_STR(path_info("/", ""), "/");
	CHECK_STR(path_info("/x/y", ""), "/x/y");
	CHECK_STR(path_info("/x", NULL), "/x");
}

/* A bad mount prefix mounts nothing rather than producing SCRIPT_NAME "/". */
static void test_w3_bad_prefix_mounts_nothing(void)
{
	CHECK_STR(path_info("/x", "/"), "<404>");
	CHECK_STR(path_info("/app/x", "/app/"), "<404>");
	CHECK_STR(path_info("/app/x", "app"), "<404>");
}

static void test_absolute_form_uri(void)
{
	CHECK_STR(path_info("http://example.com/app/x?q=1", "/app"), "/x");
	CHECK_STR(path_info("HTTPS://example.com:8443/a%20b", ""), "/a b");
	CHECK_STR(path_info("http://example.com", ""), "/");
	CHECK_STR(path_info("http://example.com?q", ""), "/");
	CHECK_STR(path_info("http://example.com", "/app"), "<404>");
	CHECK_STR(path_info("http://example.com/a%2fb", ""), "<400>");
	/* not a scheme: a path with a colon in it */
	CHECK_STR(path_info("/a:b//c", ""), "/a:b//c");
	CHECK_STR(path_info("1http://x/y", ""), "<400>");
}

/* A "." or ".." segment of the decoded path is refused: front ends
 * normalise paths before their own access rules, so one that reaches us
 * means the path they checked and the one routed and served can differ
 * (route.c routes on this same split). */
static void test_dot_segments_refused(void)
{
	CHECK_STR(path_info("/app/../x", "/app"), "<400>");
	CHECK_STR(path_info("/app/./x", "/app"), "<400>");
	CHECK_STR(path_info("/app/..", "/app"), "<400>");
	CHECK_STR(path_info("/app/.", "/app"), "<400>");
	CHECK_STR(path_info("/..", ""), "<400>");
	CHECK_STR(path_info("/.", ""), "<400>");
	CHECK_STR(path_info("/../app/x", "/app"), "<400>");
	/* also when the dots are escaped, or in an absolute-form URI */
	CHECK_STR(path_info("/app/%2e%2E/x", "/app"), "<400>");
	CHECK_STR(path_info("/app/.%2e", "/app"), "<400>");
	CHECK_STR(path_info("http://h/app/../x", "/app"), "<400>");
	/* refused before the prefix is looked at: 400, not 404 */
	CHECK_STR(path_info("/other/../app", "/app"), "<400>");
	CHECK(strstr(split("/a/../b", "")->err.msg, "..") != NULL);
	/* a dot segment in the query is not the path's business */
	CHECK_STR(path_info("/app/x?/../y", "/app"), "/x");
}

/* Dots inside a segment are ordinary characters. */
static void test_dots_inside_segments_kept(void)
{
	CHECK_STR(path_info("/app/.x/x./...", "/app"), "/.x/x./...");
	CHECK_STR(path_info("/app/..x/x../.well-known", "/app"), "/..x/x../.well-known");
	CHECK_STR(path_info("/a.b/c", ""), "/a.b/c");
	CHECK_STR(path_info("/app/", "/app"), "/");
	/* an empty segment is not a dot segment */
	CHECK_STR(path_info("/app//x", "/app"), "//x");
}

/* PATH_INFO is NUL-terminated inside out, which needs only uri_len + 1. */
static void test_out_buffer_bound(void)
{
	char out[7];
	const char *pi;
	size_t n;
	struct sg_error err;

	CHECK(sg_path_split("/a/bcd", 6, "/a", out, &pi, &n, &err) == SG_SPLIT_OK);
	CHECK(n == 4 && memcmp(pi, "/bcd", 5) == 0);
	CHECK(sg_path_split("http:/", 6, "", out, &pi, &n, &err) == SG_SPLIT_BAD_REQUEST);
}

static void test_percent_decode_lenient(void)
{
	char dst[16];
	struct sg_error err;

	CHECK(sg_percent_decode("a%2Fb%00", 8, dst, 0, &err) == 4);
	CHECK(memcmp(dst, "a/b\0", 4) == 0);
	CHECK(sg_percent_decode("a%2Fb", 5, dst, 1, &err) == -1);
	CHECK(sg_percent_decode("%g0", 3, dst, 0, &err) == -1);
	CHECK(sg_percent_decode("", 0, dst, 1, &err) == 0);
}

/* A3: Apache sends the current path as SCRIPT_NAME (+ PATH_INFO), already
 * decoded; after an internal redirect REQUEST_URI is still the original. */
static void test_a3_decoded_script_name_split(void)
{
	char out[64];
	const char *pi;
	size_t pi_len;
	struct sg_error err;
	CHECK(sg_path_split_decoded("/app/target", 11, "", 0, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_OK);
	CHECK(pi_len == 7 && memcmp(pi, "/target", 7) == 0);
	CHECK(sg_path_split_decoded("/app", 4, "/a b", 4, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_OK);
	CHECK(pi_len == 4 && memcmp(pi, "/a b", 4) == 0);
	CHECK(sg_path_split_decoded("/apple", 6, "", 0, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_NOT_MOUNTED);
}

static void test_a3_decoded_refuses_nul_and_relative(void)
{
	char out[64];
	const char *pi;
	size_t pi_len;
	struct sg_error err;
	CHECK(sg_path_split_decoded("/app/\0x", 7, "", 0, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_BAD_REQUEST);
	CHECK(sg_path_split_decoded("app", 3, "", 0, "", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_BAD_REQUEST);
	CHECK(sg_path_split_decoded("", 0, "", 0, "", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_BAD_REQUEST);
}

/* The dot-segment rule holds for a path the front end decoded, too. */
static void test_a3_decoded_refuses_dot_segments(void)
{
	char out[64];
	const char *pi;
	size_t pi_len;
	struct sg_error err;
	CHECK(sg_path_split_decoded("/app/../x", 9, "", 0, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_BAD_REQUEST);
	CHECK(sg_path_split_decoded("/app", 4, "/.", 2, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_BAD_REQUEST);
	/* SCRIPT_NAME "/app/." + PATH_INFO "./x" make the segment ".." */
	CHECK(sg_path_split_decoded("/app/.", 6, "./x", 3, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_BAD_REQUEST);
	CHECK(sg_path_split_decoded("/app", 4, "/..x", 4, "/app", out, &pi, &pi_len, &err) ==
	      SG_SPLIT_OK);
}

int main(void)
{
	RUN(test_f1_prefix_stripped);
	RUN(test_f1_query_removed);
	RUN(test_f1_percent_decoded);
	RUN(test_f1_percent_2f_refused);
	RUN(test_f1_percent_00_refused);
	RUN(test_f1_raw_nul_refused);
	RUN(test_f1_malformed_escapes_refused);
	RUN(test_f1_path_must_start_with_slash);
	RUN(test_f1_prefix_on_whole_segments);
	RUN(test_w3_empty_prefix);
	RUN(test_w3_bad_prefix_mounts_nothing);
	RUN(test_absolute_form_uri);
	RUN(test_dot_segments_refused);
	RUN(test_dots_inside_segments_kept);
	RUN(test_out_buffer_bound);
	RUN(test_percent_decode_lenient);
	RUN(test_a3_decoded_script_name_split);
	RUN(test_a3_decoded_refuses_nul_and_relative);
	RUN(test_a3_decoded_refuses_dot_segments);
	UNIT_END();
}
