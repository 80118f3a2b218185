/* The generated /etc files of a cell (sandbox/fs_etc.c, pure). */
#include "sandbox/fs_internal.h"
#include "unit.h"

static char buf[512];

static void test_passwd_names_only_the_user(void)
{
	CHECK(sg_fs_etc_passwd(buf, sizeof buf, "sg-alice", 999, 995) > 0);
	CHECK_STR(buf, "sg-alice:x:999:995::/:/usr/sbin/nologin\n");
}

static void test_group_names_only_the_group(void)
{
	CHECK(sg_fs_etc_group(buf, sizeof buf, "nogroup", 65534) > 0);
	CHECK_STR(buf, "nogroup:x:65534:\n");
}

static void test_unfit_names_refused(void)
{
	/* A ':' or a newline would add fields or lines (another user). */
	CHECK(sg_fs_etc_passwd(buf, sizeof buf, "a:0:0", 1, 1) < 0);
	CHECK(sg_fs_etc_passwd(buf, sizeof buf, "a\nroot", 1, 1) < 0);
	CHECK(sg_fs_etc_group(buf, sizeof buf, "g,h", 1) < 0);
	CHECK(sg_fs_etc_group(buf, sizeof buf, "", 1) < 0);
	CHECK(!sg_fs_etc_name_ok("+nis"));
	CHECK(!sg_fs_etc_name_ok("-x"));
	CHECK(!sg_fs_etc_name_ok("0123456789012345678901234567890123456789012345678901234567890123"));
	CHECK(sg_fs_etc_name_ok("www-data"));
	CHECK(sg_fs_etc_name_ok("sg.alice_2"));
}

static void test_buffer_too_small(void)
{
	char small[8];
	CHECK(sg_fs_etc_passwd(small, sizeof small, "nobody", 65534, 65534) < 0);
	CHECK(sg_fs_etc_hosts(small, sizeof small) < 0);
}

static void test_hosts_and_nsswitch(void)
{
	CHECK(sg_fs_etc_hosts(buf, sizeof buf) > 0);
	CHECK(strstr(buf, "127.0.0.1\tlocalhost\n") == buf);
	CHECK(strstr(buf, "::1\tlocalhost") != NULL);
	CHECK(sg_fs_etc_nsswitch(buf, sizeof buf) > 0);
	CHECK(strstr(buf, "passwd: files\n") != NULL);
	CHECK(strstr(buf, "group: files\n") != NULL);
	CHECK(strstr(buf, "hosts: files dns\n") != NULL);
}

int main(void)
{
	RUN(test_passwd_names_only_the_user);
	RUN(test_group_names_only_the_group);
	RUN(test_unfit_names_refused);
	RUN(test_buffer_too_small);
	RUN(test_hosts_and_nsswitch);
	UNIT_END();
}
