/* SCGI request heads (protocols.md §1, S1-S4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/envblock.h"
#include "gateway/scgi.h"
#include "unit.h"

/* The request from the SCGI spec, §3, with its 27-byte body. */
static const char spec_example[] = "70:"
				   "CONTENT_LENGTH\0" "27\0"
				   "SCGI\0" "1\0"
				   "REQUEST_METHOD\0" "POST\0"
				   "REQUEST_URI\0" "/deepthought\0"
				   ","
				   "What is the answer to life?";
#define SPEC_LEN (sizeof spec_example - 1)

static enum sg_scgi_status parse(const char *buf, size_t len, struct sg_scgi_head *h,
				 struct sg_error *err)
{
	return sg_scgi_parse(buf, len, SG_SCGI_DEFAULT_MAX_HEAD, h, err);
}

/* Wraps a header block (given with its length, it holds NULs) in a
 * netstring: "LEN:block,". */
static size_t netstring(char *out, size_t cap, const char *block, size_t block_len)
{
	int n = snprintf(out, cap, "%zu:", block_len);
	memcpy(out + n, block, block_len);
	out[(size_t)n + block_len] = ',';
	return (size_t)n + block_len + 1;
}

static enum sg_scgi_status parse_block(const char *block, size_t block_len,
				       struct sg_error *err)
{
	char buf[512];
	struct sg_scgi_head h;
	size_t n = netstring(buf, sizeof buf, block, block_len);
	return parse(buf, n, &h, err);
}
#define BLOCK(lit) (lit), (sizeof(lit) - 1)

static void test_spec_example(void)
{
	struct sg_scgi_head h;
	struct sg_error err;
	size_t vl;

	CHECK(parse(spec_example, SPEC_LEN, &h, &err) == SG_SCGI_OK);
	CHECK(h.consumed == 3 + 70 + 1);
	CHECK(h.headers == spec_example + 3 && h.headers_len == 70);
	CHECK(h.content_length == 27);
	CHECK(SPEC_LEN - h.consumed == 27);
	CHECK(memcmp(spec_example + h.consumed, "What is the answer to life?", 27) == 0);
	const char *v = sg_envblock_get(h.headers, h.headers_len, "REQUEST_URI", &vl);
	CHECK(v != NULL && vl == 12 && memcmp(v, "/deepthought", 12) == 0);
}

/* Every strict prefix of a valid head could still become it: PARTIAL. */
static void test_every_prefix_is_partial(void)
{
	struct sg_scgi_head h;
	struct sg_error err;

	for (size_t n = 0; n < 3 + 70 + 1; n++) {
		if (parse(spec_example, n, &h, &err) != SG_SCGI_PARTIAL) {
			printf("  prefix of %zu bytes: %s\n", n, err.msg);
			CHECK(!"prefix not PARTIAL");
			return;
		}
	}
}

/* What nginx's ngx_http_scgi_module sends for a GET with scgi_params. */
static void test_nginx_like_request(void)
{
	static const char blk[] = "CONTENT_LENGTH\0" "0\0"
				  "SCGI\0" "1\0"
				  "QUERY_STRING\0" "\0"
				  "REQUEST_METHOD\0" "GET\0"
				  "CONTENT_TYPE\0" "\0"
				  "REQUEST_URI\0" "/blog/post?id=3\0"
				  "DOCUMENT_URI\0" "/blog/post\0"
				  "SERVER_PROTOCOL\0" "HTTP/1.1\0"
				  "REQUEST_SCHEME\0" "http\0"
				  "REMOTE_ADDR\0" "127.0.0.1\0"
				  "REMOTE_PORT\0" "51234\0"
				  "SERVER_PORT\0" "80\0"
				  "SERVER_NAME\0" "localhost\0"
				  "HTTP_HOST\0" "localhost\0"
				  "HTTP_USER_AGENT\0" "curl/7.88.1\0"
				  "HTTP_ACCEPT\0" "*/*\0";
	char buf[512];
	struct sg_scgi_head h;
	struct sg_error err;
	size_t n = netstring(buf, sizeof buf, BLOCK(blk));

	CHECK(parse(buf, n, &h, &err) == SG_SCGI_OK);
	CHECK(h.content_length == 0 && h.consumed == n);
}

static void test_s1_leading_zero_length(void)
{
	struct sg_scgi_head h;
	struct sg_error err;

	CHECK(parse("070:", 4, &h, &err) == SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "S1") != NULL);
	CHECK(parse("0", 1, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse("0:,", 3, &h, &err) == SG_SCGI_INVALID);
}

static void test_s1_non_digit_length(void)
{
	struct sg_scgi_head h;
	struct sg_error err;

	CHECK(parse("7a:", 3, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse(" 70:", 4, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse("+70:", 4, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse("-1:", 3, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse(":", 1, &h, &err) == SG_SCGI_INVALID); /* empty length */
	CHECK(parse("GET / HTTP/1.1\r\n", 16, &h, &err) == SG_SCGI_INVALID);
}

static void test_s1_length_overflow(void)
{
	struct sg_scgi_head h;
	struct sg_error err;
	const char *huge = "99999999999999999999999999:";

	/* Even with no cap at all, a length past SIZE_MAX is refused. */
	CHECK(sg_scgi_parse(huge, strlen(huge), (size_t)-1, &h, &err) == SG_SCGI_INVALID);
	CHECK(sg_scgi_parse("18446744073709551616:", 21, (size_t)-1, &h, &err) ==
	      SG_SCGI_INVALID);
}

static void test_s1_missing_comma(void)
{
	char buf[sizeof spec_example];
	struct sg_scgi_head h;
	struct sg_error err;

	memcpy(buf, spec_example, SPEC_LEN);
	buf[3 + 70] = ';';
	CHECK(parse(buf, SPEC_LEN, &h, &err) == SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "','") != NULL);
	/* the block is complete but the ',' has not arrived yet */
	CHECK(parse(spec_example, 3 + 70, &h, &err) == SG_SCGI_PARTIAL);
}

static void test_s2_first_pair_must_be_content_length(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("SCGI\0" "1\0" "CONTENT_LENGTH\0" "0\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "CONTENT_LENGTH") != NULL);
	CHECK(parse_block(BLOCK("CONTENT_LENGTHX\0" "0\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGT\0" "0\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("content_length\0" "0\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	/* present even when there is no body */
	CHECK(parse_block(BLOCK("SCGI\0" "1\0"), &err) == SG_SCGI_INVALID);
}

static void test_s2_content_length_digits(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0"), &err) == SG_SCGI_OK);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "+5\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" " 5\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "5 \0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "-1\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0x10\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
}

static void test_s2_content_length_leading_zero(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "05\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "00\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_INVALID);
}

static void test_s2_content_length_overflow(void)
{
	char buf[256];
	struct sg_scgi_head h;
	struct sg_error err;
	size_t n;

	n = netstring(buf, sizeof buf,
		      BLOCK("CONTENT_LENGTH\0" "18446744073709551615\0" "SCGI\0" "1\0"));
	CHECK(parse(buf, n, &h, &err) == SG_SCGI_OK);
	CHECK(h.content_length == UINT64_MAX);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "18446744073709551616\0" "SCGI\0" "1\0"),
			  &err) == SG_SCGI_INVALID);
}

static void test_s2_scgi_must_be_1(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0"), &err) == SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "SCGI=1") != NULL);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "2\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "11\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "A\0" "\0" "SCGI\0" "1\0"), &err) ==
	      SG_SCGI_OK);
}

static void test_s2_duplicate_names(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "A\0" "x\0" "A\0"
				"y\0"),
			  &err) == SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "twice") != NULL);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "SCGI\0" "1\0"),
			  &err) == SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "CONTENT_LENGTH\0"
				"0\0"),
			  &err) == SG_SCGI_INVALID);
	/* names differ by case or by length: not duplicates */
	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "A\0" "x\0" "a\0"
				"y\0" "AA\0" "z\0"),
			  &err) == SG_SCGI_OK);
}

static void test_s2_odd_number_of_strings(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "LONELY\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "without a value") != NULL);
}

static void test_s2_missing_final_nul(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "NUL") != NULL);
}

static void test_s2_empty_name(void)
{
	struct sg_error err;

	CHECK(parse_block(BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "\0" "x\0"), &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse_block(BLOCK("\0" "0\0" "SCGI\0" "1\0"), &err) == SG_SCGI_INVALID);
}

static void test_s3_empty_values_accepted(void)
{
	char buf[256];
	struct sg_scgi_head h;
	struct sg_error err;
	size_t vl = 1;
	size_t n = netstring(buf, sizeof buf,
			     BLOCK("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "QUERY_STRING\0"
				   "\0" "HTTPS\0" "\0"));

	CHECK(parse(buf, n, &h, &err) == SG_SCGI_OK);
	CHECK(sg_envblock_get(h.headers, h.headers_len, "QUERY_STRING", &vl) != NULL);
	CHECK(vl == 0);
}

/* S4: the cap applies to the length digits, before any block byte. */
static void test_s4_cap_before_buffering(void)
{
	struct sg_scgi_head h;
	struct sg_error err;

	CHECK(sg_scgi_parse("100000", 6, 65536, &h, &err) == SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "S4") != NULL);
	CHECK(sg_scgi_parse("65537", 5, 65536, &h, &err) == SG_SCGI_INVALID);
	CHECK(sg_scgi_parse("65536", 5, 65536, &h, &err) == SG_SCGI_PARTIAL);
	CHECK(sg_scgi_parse("65536:", 6, 65536, &h, &err) == SG_SCGI_PARTIAL);
	CHECK(sg_scgi_parse(spec_example, SPEC_LEN, 69, &h, &err) == SG_SCGI_INVALID);
	CHECK(sg_scgi_parse(spec_example, SPEC_LEN, 70, &h, &err) == SG_SCGI_OK);
	CHECK(sg_scgi_parse("1", 1, 0, &h, &err) == SG_SCGI_INVALID);
}

static size_t block_with_vars(char *blk, size_t cap, int vars)
{
	size_t n = 0;
	n += (size_t)snprintf(blk + n, cap - n, "CONTENT_LENGTH%c0%cSCGI%c1%c", 0, 0, 0, 0);
	for (int i = 2; i < vars; i++)
		n += (size_t)snprintf(blk + n, cap - n, "V%d%c%c", i, 0, 0);
	return n;
}

/* The variable count is bounded too (it bounds the duplicate check). */
static void test_s2_too_many_variables(void)
{
	size_t cap = 16 * SG_SCGI_MAX_VARS + 64;
	char *blk = malloc(cap), *buf = malloc(cap + 16);
	struct sg_scgi_head h;
	struct sg_error err;

	size_t n = block_with_vars(blk, cap, SG_SCGI_MAX_VARS);
	size_t len = netstring(buf, cap + 16, blk, n);
	CHECK(parse(buf, len, &h, &err) == SG_SCGI_OK);

	n = block_with_vars(blk, cap, SG_SCGI_MAX_VARS + 1);
	len = netstring(buf, cap + 16, blk, n);
	CHECK(parse(buf, len, &h, &err) == SG_SCGI_INVALID);
	CHECK(strstr(err.msg, "more than") != NULL);
	free(blk);
	free(buf);
}

/* The duplicate check's table is sized by the names in the block: a
 * repeat is found at every size, and as the block arrives piece by piece. */
static void test_s2_duplicate_in_blocks_of_every_size(void)
{
	static const int counts[] = { 3, 20, 31, 32, 33, 64, 100, 511, 512, 600, SG_SCGI_MAX_VARS - 1 };
	size_t cap = 16 * SG_SCGI_MAX_VARS + 64;
	char *blk = malloc(cap), *buf = malloc(cap + 16);
	struct sg_scgi_head h;
	struct sg_error err;

	for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
		int step = counts[c] > 4 ? counts[c] - 3 : 1;
		for (int which = 2; which <= counts[c] - 1; which += step) {
			size_t n = block_with_vars(blk, cap, counts[c]);
			n += (size_t)snprintf(blk + n, cap - n, "V%d%cx%c", which, 0, 0);
			size_t len = netstring(buf, cap + 16, blk, n);
			CHECK(parse(buf, len, &h, &err) == SG_SCGI_INVALID);
			CHECK(strstr(err.msg, "twice") != NULL);
			/* 6 bytes short, the repeat cut off or cut short: still PARTIAL */
			CHECK(parse(buf, len - 6, &h, &err) == SG_SCGI_PARTIAL);
		}
		size_t n = block_with_vars(blk, cap, counts[c]);
		size_t len = netstring(buf, cap + 16, blk, n);
		CHECK(parse(buf, len, &h, &err) == SG_SCGI_OK);
	}
	free(blk);
	free(buf);
}

/* A head that can no longer become valid is refused before it is whole. */
static void test_invalid_as_soon_as_it_cannot_be_valid(void)
{
	struct sg_scgi_head h;
	struct sg_error err;

	CHECK(parse("70:CONTENT_X", 12, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse("70:CONTENT_LENGTH\0" "0", 19, &h, &err) == SG_SCGI_PARTIAL);
	CHECK(parse("70:CONTENT_LENGTH\0" "01", 20, &h, &err) == SG_SCGI_INVALID);
	CHECK(parse("70:CONTENT_LENGTH\0" "1\0" "SCGI\0" "2", 26, &h, &err) ==
	      SG_SCGI_INVALID);
	CHECK(parse("70:CONTENT_LENGTH\0" "1\0" "A\0" "x\0" "A\0", 26, &h, &err) ==
	      SG_SCGI_INVALID);
}

/* Bytes after the ',' are the body and are not looked at. */
static void test_s5_body_prefix_untouched(void)
{
	struct sg_scgi_head h;
	struct sg_error err;

	CHECK(parse(spec_example, 3 + 70 + 1, &h, &err) == SG_SCGI_OK);
	CHECK(h.consumed == 74 && h.content_length == 27);
}

int main(void)
{
	RUN(test_spec_example);
	RUN(test_every_prefix_is_partial);
	RUN(test_nginx_like_request);
	RUN(test_s1_leading_zero_length);
	RUN(test_s1_non_digit_length);
	RUN(test_s1_length_overflow);
	RUN(test_s1_missing_comma);
	RUN(test_s2_first_pair_must_be_content_length);
	RUN(test_s2_content_length_digits);
	RUN(test_s2_content_length_leading_zero);
	RUN(test_s2_content_length_overflow);
	RUN(test_s2_scgi_must_be_1);
	RUN(test_s2_duplicate_names);
	RUN(test_s2_odd_number_of_strings);
	RUN(test_s2_missing_final_nul);
	RUN(test_s2_empty_name);
	RUN(test_s2_too_many_variables);
	RUN(test_s2_duplicate_in_blocks_of_every_size);
	RUN(test_s3_empty_values_accepted);
	RUN(test_s4_cap_before_buffering);
	RUN(test_invalid_as_soon_as_it_cannot_be_valid);
	RUN(test_s5_body_prefix_untouched);
	UNIT_END();
}
