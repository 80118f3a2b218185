/* The pure half of the cgroup layer (sandbox/cgroup_parse.c): the
 * gateway's cgroup in each hierarchy from the text of /proc/self/cgroup
 * and /proc/self/mountinfo, v2 or v1 per controller, and the values
 * written for each limit. */
#include "sandbox/cgroup_parse.h"

#include <limits.h>

#include "unit.h"

static struct sg_error err;

/* A v1/v2 hybrid like systemd's (cpu and cpuacct mounted together), with
 * the gateway in a service's cgroup. */
static const char hybrid_cgroup[] =
	"12:pids:/system.slice/sandgate.service\n"
	"11:memory:/system.slice/sandgate.service\n"
	"4:cpu,cpuacct:/system.slice/sandgate.service\n"
	"1:name=systemd:/system.slice/sandgate.service\n"
	"0::/system.slice/sandgate.service\n";

static const char hybrid_mounts[] =
	"24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"31 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"32 31 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
	"cgroup2 rw,nsdelegate\n"
	"33 31 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,"
	"name=systemd\n"
	"37 31 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:15 - cgroup cgroup "
	"rw,cpu,cpuacct\n"
	"38 31 0:33 / /sys/fs/cgroup/memory rw,nosuid shared:16 - cgroup cgroup rw,memory\n"
	"41 31 0:36 / /sys/fs/cgroup/pids rw,nosuid shared:19 - cgroup cgroup rw,pids\n";

/* Pure v2, as most hosts are now. */
static const char v2_cgroup[] = "0::/system.slice/sandgate.service\n";
static const char v2_mounts[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";

static void test_v2_dir(void)
{
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v2_dir(v2_cgroup, v2_mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/system.slice/sandgate.service");
	CHECK(sg_cgroup_v2_dir(hybrid_cgroup, hybrid_mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/unified/system.slice/sandgate.service");
	/* The root cgroup: the mount point itself. */
	CHECK(sg_cgroup_v2_dir("0::/\n", v2_mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup");
	/* No newline at the end of either text. */
	CHECK(sg_cgroup_v2_dir("0::/a", "30 22 0:26 / /cg rw - cgroup2 cgroup2 rw", dir,
			       sizeof dir, &err) == 0);
	CHECK_STR(dir, "/cg/a");
}

static void test_v1_dir(void)
{
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v1_dir(hybrid_cgroup, hybrid_mounts, "pids", dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/pids/system.slice/sandgate.service");
	CHECK(sg_cgroup_v1_dir(hybrid_cgroup, hybrid_mounts, "cpu", dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/cpu,cpuacct/system.slice/sandgate.service");
	CHECK(sg_cgroup_v1_dir(hybrid_cgroup, hybrid_mounts, "memory", dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/memory/system.slice/sandgate.service");
	/* "cpu" is not "cpuacct" nor "cpuset", and the other way round. */
	CHECK(sg_cgroup_v1_dir("3:cpuset:/\n4:cpuacct:/x\n", hybrid_mounts, "cpu", dir, sizeof dir,
			       &err) == -1);
	CHECK_STR(err.msg, "cgroup: /proc/self/cgroup has no v1 hierarchy with the cpu controller");
	/* A controller in /proc/self/cgroup whose hierarchy is not mounted. */
	CHECK(sg_cgroup_v1_dir("5:blkio:/\n", hybrid_mounts, "blkio", dir, sizeof dir, &err) == -1);
	CHECK_STR(err.msg, "cgroup: no cgroup mount shows the gateway's cgroup / for blkio");
}

/* This machine's kind: every cgroup at the root but memory's, and cpu
 * without cpuacct. */
static void test_v1_separate_mounts(void)
{
	static const char cgroup[] = "8:pids:/\n4:memory:/process_api/5d5c\n1:cpu:/\n0::/\n";
	static const char mounts[] =
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v1_dir(cgroup, mounts, "memory", dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/memory/process_api/5d5c");
	CHECK(sg_cgroup_v1_dir(cgroup, mounts, "pids", dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/pids");
	CHECK(sg_cgroup_v1_dir(cgroup, mounts, "cpu", dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/cpu");
	/* v2 offers none of them here: v1 for all three. */
	struct sg_cgroup_where w;
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		CHECK(sg_cgroup_choose(cgroup, mounts, "/sys/fs/cgroup/unified", "hugetlb\n",
				       (enum sg_cgroup_ctrl)c, &w, &err) == 0);
		CHECK(!w.v2);
	}
}

/* A mount that shows part of the hierarchy (a container, a bind mount):
 * its root is taken off our path; a mount not holding our cgroup is
 * skipped. */
static void test_mount_root(void)
{
	static const char mounts[] =
		"50 40 0:30 /other /elsewhere rw - cgroup2 cgroup2 rw\n"
		"51 40 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v2_dir("0::/docker/abc/app\n", mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/app");
	CHECK(sg_cgroup_v2_dir("0::/docker/abc\n", mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup");
	/* "/docker/abcd" is not under "/docker/abc". */
	CHECK(sg_cgroup_v2_dir("0::/docker/abcd\n", mounts, dir, sizeof dir, &err) == -1);
	CHECK_STR(err.msg, "cgroup: no cgroup2 mount shows the gateway's cgroup /docker/abcd");
}

static void test_escaped_mount_point(void)
{
	static const char mounts[] =
		"30 22 0:26 / /mnt/my\\040cgroups\\134x rw - cgroup2 cgroup2 rw\n";
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v2_dir("0::/a b\n", mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/mnt/my cgroups\\x/a b");
}

/* Optional fields before "-" vary in number; the fstype is after it. */
static void test_optional_fields(void)
{
	static const char mounts[] =
		"30 22 0:26 / /a rw shared:4 master:1 propagate_from:2 - cgroup2 cgroup2 rw\n"
		"31 22 0:27 / /b rw - tmpfs cgroup2 rw\n";
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v2_dir("0::/x\n", mounts, dir, sizeof dir, &err) == 0);
	CHECK_STR(dir, "/a/x");
	/* A source named cgroup2 does not make a tmpfs a cgroup2 mount. */
	CHECK(sg_cgroup_v2_dir("0::/x\n", mounts + strcspn(mounts, "\n") + 1, dir, sizeof dir,
			       &err) == -1);
}

static void test_bad_inputs(void)
{
	char dir[PATH_MAX];
	CHECK(sg_cgroup_v2_dir("", v2_mounts, dir, sizeof dir, &err) == -1);
	CHECK_STR(err.msg, "cgroup: /proc/self/cgroup has no v2 line (0::PATH)");
	/* v1 only: no "0::" line. */
	CHECK(sg_cgroup_v2_dir("4:memory:/\n", v2_mounts, dir, sizeof dir, &err) == -1);
	/* Outside our cgroup namespace's root. */
	CHECK(sg_cgroup_v2_dir("0::/../../x\n", v2_mounts, dir, sizeof dir, &err) == -1);
	CHECK_STR(err.msg, "cgroup: the gateway's cgroup /../../x is outside its cgroup namespace");
	/* Relative path, truncated lines, no mounts. */
	CHECK(sg_cgroup_v2_dir("0::x\n", v2_mounts, dir, sizeof dir, &err) == -1);
	CHECK(sg_cgroup_v2_dir("0:\n", v2_mounts, dir, sizeof dir, &err) == -1);
	CHECK(sg_cgroup_v2_dir(v2_cgroup, "30 22 0:26 / /sys/fs/cgroup rw\n", dir, sizeof dir,
			       &err) == -1);
	CHECK(sg_cgroup_v2_dir(v2_cgroup, "", dir, sizeof dir, &err) == -1);
	/* A directory that does not fit. */
	char small[16];
	CHECK(sg_cgroup_v2_dir(v2_cgroup, v2_mounts, small, sizeof small, &err) == -1);
	CHECK_STR(err.msg, "cgroup: the path of /system.slice/sandgate.service is too long");
}

static void test_word_listed(void)
{
	CHECK(sg_cgroup_word_listed("cpuset cpu io memory hugetlb pids rdma misc\n", "cpu"));
	CHECK(sg_cgroup_word_listed("cpuset cpu io memory hugetlb pids rdma misc\n", "pids"));
	CHECK(sg_cgroup_word_listed("memory\n", "memory"));
	CHECK(!sg_cgroup_word_listed("cpuset io memory\n", "cpu"));
	CHECK(!sg_cgroup_word_listed("", "cpu"));
	CHECK(!sg_cgroup_word_listed("\n", "memory"));
	CHECK(!sg_cgroup_word_listed("memoryx", "memory"));
}

static void test_choose(void)
{
	struct sg_cgroup_where w;
	const char *v2 = "/sys/fs/cgroup/system.slice/sandgate.service";
	/* Pure v2 with every controller. */
	CHECK(sg_cgroup_choose(v2_cgroup, v2_mounts, v2, "cpuset cpu io memory pids\n", SG_CG_CPU,
			       &w, &err) == 0);
	CHECK(w.v2);
	CHECK_STR(w.dir, v2);
	/* Hybrid: v2 offers pids only, v1 has the others. */
	const char *u = "/sys/fs/cgroup/unified/system.slice/sandgate.service";
	CHECK(sg_cgroup_choose(hybrid_cgroup, hybrid_mounts, u, "pids\n", SG_CG_PIDS, &w,
			       &err) == 0);
	CHECK(w.v2);
	CHECK_STR(w.dir, u);
	CHECK(sg_cgroup_choose(hybrid_cgroup, hybrid_mounts, u, "pids\n", SG_CG_MEMORY, &w,
			       &err) == 0);
	CHECK(!w.v2);
	CHECK_STR(w.dir, "/sys/fs/cgroup/memory/system.slice/sandgate.service");
	/* No v2 hierarchy at all. */
	CHECK(sg_cgroup_choose(hybrid_cgroup, hybrid_mounts, NULL, NULL, SG_CG_CPU, &w, &err) == 0);
	CHECK(!w.v2);
	CHECK_STR(w.dir, "/sys/fs/cgroup/cpu,cpuacct/system.slice/sandgate.service");
	/* v2 without the controller (not enabled by the parent), no v1. */
	CHECK(sg_cgroup_choose(v2_cgroup, v2_mounts, v2, "cpu io\n", SG_CG_MEMORY, &w, &err) == -1);
	CHECK_STR(err.msg, "cgroup: no hierarchy offers the memory controller: "
			   "/sys/fs/cgroup/system.slice/sandgate.service/cgroup.controllers does "
			   "not list it and no v1 hierarchy has it");
	CHECK(sg_cgroup_choose("", "", NULL, NULL, SG_CG_PIDS, &w, &err) == -1);
	CHECK_STR(err.msg, "cgroup: no hierarchy offers the pids controller: there is no cgroup2 "
			   "mount and no v1 hierarchy has it");
}

static void test_settings_v2(void)
{
	struct sg_cgroup_limits lim = { .memory = 64LL << 20, .pids = 32, .cpu_us = 50000 };
	struct sg_cgroup_setting s[2];
	CHECK(sg_cgroup_settings(&lim, SG_CG_MEMORY, true, s) == 1);
	CHECK_STR(s[0].file, "memory.max");
	CHECK_STR(s[0].value, "67108864");
	CHECK(sg_cgroup_settings(&lim, SG_CG_PIDS, true, s) == 1);
	CHECK_STR(s[0].file, "pids.max");
	CHECK_STR(s[0].value, "32");
	CHECK(sg_cgroup_settings(&lim, SG_CG_CPU, true, s) == 1);
	CHECK_STR(s[0].file, "cpu.max");
	CHECK_STR(s[0].value, "50000 100000");
	/* Two CPUs: the quota is twice the period. */
	lim.cpu_us = 200000;
	CHECK(sg_cgroup_settings(&lim, SG_CG_CPU, true, s) == 1);
	CHECK_STR(s[0].value, "200000 100000");
}

static void test_settings_v1(void)
{
	struct sg_cgroup_limits lim = { .memory = 1LL << 40, .pids = 512, .cpu_us = 1000 };
	struct sg_cgroup_setting s[2];
	CHECK(sg_cgroup_settings(&lim, SG_CG_MEMORY, false, s) == 1);
	CHECK_STR(s[0].file, "memory.limit_in_bytes");
	CHECK_STR(s[0].value, "1099511627776");
	CHECK(sg_cgroup_settings(&lim, SG_CG_PIDS, false, s) == 1);
	CHECK_STR(s[0].file, "pids.max");
	CHECK_STR(s[0].value, "512");
	/* The period first, so that the quota is read against it. */
	CHECK(sg_cgroup_settings(&lim, SG_CG_CPU, false, s) == 2);
	CHECK_STR(s[0].file, "cpu.cfs_period_us");
	CHECK_STR(s[0].value, "100000");
	CHECK_STR(s[1].file, "cpu.cfs_quota_us");
	CHECK_STR(s[1].value, "1000");
}

static void test_settings_unset(void)
{
	struct sg_cgroup_limits none = { 0 };
	struct sg_cgroup_setting s[2];
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		CHECK(!sg_cgroup_ctrl_limited(&none, (enum sg_cgroup_ctrl)c));
		CHECK(sg_cgroup_settings(&none, (enum sg_cgroup_ctrl)c, true, s) == 0);
		CHECK(sg_cgroup_settings(&none, (enum sg_cgroup_ctrl)c, false, s) == 0);
	}
	struct sg_cgroup_limits pids = { .pids = 1 };
	CHECK(sg_cgroup_ctrl_limited(&pids, SG_CG_PIDS));
	CHECK(!sg_cgroup_ctrl_limited(&pids, SG_CG_MEMORY));
	CHECK_STR(sg_cgroup_ctrl_name(SG_CG_MEMORY), "memory");
	CHECK_STR(sg_cgroup_ctrl_name(SG_CG_PIDS), "pids");
	CHECK_STR(sg_cgroup_ctrl_name(SG_CG_CPU), "cpu");
}

int main(void)
{
	RUN(test_v2_dir);
	RUN(test_v1_dir);
	RUN(test_v1_separate_mounts);
	RUN(test_mount_root);
	RUN(test_escaped_mount_point);
	RUN(test_optional_fields);
	RUN(test_bad_inputs);
	RUN(test_word_listed);
	RUN(test_choose);
	RUN(test_settings_v2);
	RUN(test_settings_v1);
	RUN(test_settings_unset);
	UNIT_END();
}
