/* Env blocks: "NAME\0VALUE\0" pairs in a fixed buffer. */
#include <stdbool.h>
#include <string.h>

#include "gateway/envblock.h"
#include "unit.h"

static void test_add_then_iterate(void)
{
	char buf[64];
	struct sg_envblock eb;
	struct sg_error err;
	const char *n, *v;
	size_t nl, vl, pos = 0;

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_adds(&eb, "A", "1", &err) == 0);
	CHECK(sg_envblock_adds(&eb, "BB", "two", &err) == 0);
	CHECK(eb.len == 4 + 7);
	CHECK(memcmp(buf, "A\0001\0BB\0two\0", eb.len) == 0);

	CHECK(sg_envblock_next(buf, eb.len, &pos, &n, &nl, &v, &vl));
	CHECK(nl == 1 && memcmp(n, "A", 1) == 0 && vl == 1 && memcmp(v, "1", 1) == 0);
	CHECK(sg_envblock_next(buf, eb.len, &pos, &n, &nl, &v, &vl));
	CHECK(nl == 2 && memcmp(n, "BB", 2) == 0 && vl == 3 && memcmp(v, "two", 3) == 0);
	CHECK(!sg_envblock_next(buf, eb.len, &pos, &n, &nl, &v, &vl));
}

/* S3: empty values are legal (QUERY_STRING ""). */
static void test_s3_empty_value(void)
{
	char buf[16];
	struct sg_envblock eb;
	struct sg_error err;
	size_t vl = 99;

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_add(&eb, "Q", 1, NULL, 0, &err) == 0);
	const char *v = sg_envblock_get(buf, eb.len, "Q", &vl);
	CHECK(v != NULL && vl == 0);
}

static void test_empty_name_refused(void)
{
	char buf[16];
	struct sg_envblock eb;
	struct sg_error err;

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_adds(&eb, "", "x", &err) == -1);
	CHECK(eb.len == 0);
}

static void test_nul_inside_refused(void)
{
	char buf[32];
	struct sg_envblock eb;
	struct sg_error err;

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_add(&eb, "A\0B", 3, "v", 1, &err) == -1);
	CHECK(sg_envblock_add(&eb, "A", 1, "v\0w", 3, &err) == -1);
	CHECK(eb.len == 0);
}

/* The capacity is a hard limit: an exact fit works, one byte more fails
 * and leaves the block as it was. */
static void test_cap_exact_and_over(void)
{
	char buf[8];
	struct sg_envblock eb;
	struct sg_error err;

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_adds(&eb, "AB", "1234", &err) == 0); /* 2+1+4+1 = 8 */
	CHECK(eb.len == 8);
	CHECK(sg_envblock_adds(&eb, "C", "", &err) == -1);
	CHECK(strstr(err.msg, "full") != NULL);

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_adds(&eb, "AB", "12345", &err) == -1);
	CHECK(eb.len == 0);
	CHECK(sg_envblock_add(&eb, "A", (size_t)-1 / 2, "x", (size_t)-1 / 2, &err) == -1);
}

static void test_next_refuses_malformed(void)
{
	const char *n, *v;
	size_t nl, vl, pos;

	pos = 0; /* name without NUL */
	CHECK(!sg_envblock_next("ABC", 3, &pos, &n, &nl, &v, &vl));
	pos = 0; /* value without NUL */
	CHECK(!sg_envblock_next("A\0xy", 4, &pos, &n, &nl, &v, &vl));
	pos = 0; /* name, then nothing */
	CHECK(!sg_envblock_next("A\0", 2, &pos, &n, &nl, &v, &vl));
	pos = 0; /* empty name */
	CHECK(!sg_envblock_next("\0x\0", 3, &pos, &n, &nl, &v, &vl));
	pos = 0;
	CHECK(!sg_envblock_next("", 0, &pos, &n, &nl, &v, &vl));
}

static void test_get_first_value(void)
{
	const char blk[] = "A\0001\0B\0002\0A\0003\0";
	size_t vl;
	const char *v = sg_envblock_get(blk, sizeof blk - 1, "A", &vl);

	CHECK(v != NULL && vl == 1 && v[0] == '1');
	v = sg_envblock_get(blk, sizeof blk - 1, "B", NULL);
	CHECK(v != NULL && v[0] == '2');
	CHECK(sg_envblock_get(blk, sizeof blk - 1, "C", &vl) == NULL);
	CHECK(sg_envblock_get(blk, sizeof blk - 1, "", &vl) == NULL);
	/* a prefix of a name is not the name */
	CHECK(sg_envblock_get("AB\0x\0", 5, "A", &vl) == NULL);
}

static void test_extend_last_value(void)
{
	char buf[16];
	struct sg_envblock eb;
	struct sg_error err;

	sg_envblock_init(&eb, buf, sizeof buf);
	CHECK(sg_envblock_extend(&eb, "x", 1, &err) == -1); /* nothing to extend */
	CHECK(sg_envblock_adds(&eb, "C", "a", &err) == 0);
	CHECK(sg_envblock_extend(&eb, "; b", 3, &err) == 0);
	CHECK(eb.len == 7 && memcmp(buf, "C\0a; b\0", 7) == 0);
	CHECK(sg_envblock_extend(&eb, "", 0, &err) == 0);
	CHECK(sg_envblock_extend(&eb, "n\0", 2, &err) == -1);
	CHECK(sg_envblock_extend(&eb, "123456789", 9, &err) == 0); /* exactly 16 */
	CHECK(eb.len == 16);
	CHECK(sg_envblock_extend(&eb, "z", 1, &err) == -1);
	CHECK(buf[15] == '\0');
}

int main(void)
{
	RUN(test_add_then_iterate);
	RUN(test_s3_empty_value);
	RUN(test_empty_name_refused);
	RUN(test_nul_inside_refused);
	RUN(test_cap_exact_and_over);
	RUN(test_next_refuses_malformed);
	RUN(test_get_first_value);
	RUN(test_extend_last_value);
	UNIT_END();
}
