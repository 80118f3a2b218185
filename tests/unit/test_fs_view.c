/* The gateway side of the filesystem layer (sandbox/fs_resolve.c): which
 * paths a view takes, and resolving them without following symlinks
 * (catalogue row 25: a path component swapped for a symlink during setup
 * is refused, never followed). Uses a scratch directory under /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/fs_internal.h"
#include "unit.h"

static char top[64];
static char path[PATH_MAX];

static const char *at(const char *rel)
{
	snprintf(path, sizeof path, "%s/%s", top, rel);
	return path;
}

static bool ok(const char *p)
{
	return sg_fs_check_path(p, NULL) == 0;
}

static void test_check_path(void)
{
	CHECK(ok("/srv/app"));
	CHECK(ok("/tmp/x"));
	CHECK(ok("/devices")); /* not under /dev */
	CHECK(!ok("srv/app"));
	CHECK(!ok(""));
	CHECK(!ok("/"));
	CHECK(!ok("/srv/app/"));
	CHECK(!ok("/srv//app"));
	CHECK(!ok("/srv/./app"));
	CHECK(!ok("/srv/../proc"));
	CHECK(!ok("/proc"));
	CHECK(!ok("/proc/self"));
	CHECK(!ok("/sys/fs/cgroup"));
	CHECK(!ok("/dev"));
	CHECK(!ok("/dev/shm"));
	CHECK(!ok("/tmp"));
	CHECK(!ok("/var/tmp"));
	CHECK(ok("/tmp/app"));
}

static void test_resolve_plain_directory(void)
{
	struct stat a, b;
	int fd = sg_fs_resolve(at("app/sub"));
	CHECK(fd >= 0);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && stat(at("app/sub"), &b) == 0 && a.st_ino == b.st_ino);
	close(fd);
	fd = sg_fs_walk(at("app/sub"), NULL);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && a.st_ino == b.st_ino);
	close(fd);
}

/* A symlink as the last component, and in the middle. */
static void test_symlinks_refused(void)
{
	size_t bad = 0;
	errno = 0;
	CHECK(sg_fs_resolve(at("link")) < 0 && errno == ELOOP);
	CHECK(sg_fs_resolve(at("link/sub")) < 0 && errno == ELOOP);
	CHECK(sg_fs_walk(at("link/sub"), &bad) < 0 && errno == ELOOP);
	CHECK(bad == strlen(top) + strlen("/link"));
	CHECK(sg_fs_walk(at("app/nothing"), &bad) < 0 && errno == ENOENT);
	CHECK(bad == strlen(top) + strlen("/app/nothing"));
}

static void test_view_add(void)
{
	struct sg_fs_view v = { 0 };
	struct sg_error err;
	CHECK(sg_fs_view_add(&v, at("app"), false, &err) == 0);
	CHECK(sg_fs_view_add(&v, at("app"), true, &err) == 0); /* merged, now writable */
	CHECK(v.n_binds == 1 && v.binds[0].writable && v.binds[0].fd >= 0);
	CHECK_STR(v.binds[0].path, at("app"));
	CHECK(sg_fs_view_add(&v, at("app/file.py"), true, &err) < 0);   /* writable: dirs only */
	CHECK(strstr(err.msg, "not a directory") != NULL);
	CHECK(sg_fs_view_add(&v, at("app/file.py"), false, &err) == 0); /* a file, read-only */
	CHECK(sg_fs_view_add(&v, at("link/sub"), false, &err) < 0);
	CHECK(strstr(err.msg, "is a symbolic link") != NULL);
	CHECK(strstr(err.msg, at("link")) != NULL); /* names the component */
	CHECK(sg_fs_view_add(&v, at("./app//sub/."), false, &err) == 0); /* tidied */
	CHECK_STR(v.binds[2].path, at("app/sub"));
	CHECK(sg_fs_view_add(&v, at("app/sub/"), false, &err) == 0);
	CHECK(sg_fs_view_add(&v, at("app/../app"), false, &err) < 0);
	CHECK(sg_fs_view_add(&v, "/proc/1/root", false, &err) < 0);
	CHECK(sg_fs_view_add(&v, "/", false, &err) < 0);
	CHECK(sg_fs_view_add(&v, "//", false, &err) < 0);
	CHECK(sg_fs_view_add(&v, "relative", false, &err) < 0);
	CHECK(v.n_binds == 3);
	sg_fs_view_close(&v);
	CHECK(v.n_binds == 0);
}

/* The race of row 25, run as a sequence: the directory the view holds is
 * swapped for a symlink to elsewhere; resolving the path again (as the
 * cell does) is refused, and the held descriptor still names the old
 * directory, not the symlink's target. */
static void test_swap_after_resolve(void)
{
	struct sg_fs_view v = { 0 };
	struct sg_error err;
	struct stat held, target;
	CHECK(sg_fs_view_add(&v, at("swap/data"), true, &err) == 0);
	char moved[PATH_MAX];
	snprintf(moved, sizeof moved, "%s/moved", top);
	CHECK(rename(at("swap"), moved) == 0);
	CHECK(symlink("/etc", at("swap")) == 0);
	CHECK(sg_fs_resolve(at("swap/data")) < 0 && errno == ELOOP);
	CHECK(fstat(v.binds[0].fd, &held) == 0 && stat("/etc", &target) == 0);
	CHECK(held.st_ino != target.st_ino);
	sg_fs_view_close(&v);
}

/* The cell's second look (sg_fs_reopen): the same directory passes; a
 * path swapped for a symlink, or for another directory, is refused and
 * the step names the path. */
static void test_cell_reopen(void)
{
	struct sg_fs_view v = { 0 };
	struct sg_error err;
	char aside[PATH_MAX];
	int fd = -1;
	CHECK(sg_fs_view_add(&v, at("race/dir"), false, &err) == 0);
	CHECK(sg_fs_reopen(&v.binds[0], &fd) == NULL && fd >= 0);
	close(fd);
	snprintf(aside, sizeof aside, "%s/race/aside", top);
	CHECK(rename(at("race/dir"), aside) == 0);
	CHECK(symlink("aside", at("race/dir")) == 0);
	const char *step = sg_fs_reopen(&v.binds[0], &fd);
	CHECK(step != NULL && errno == ELOOP && fd < 0);
	CHECK(step != NULL && strstr(step, at("race/dir")) != NULL);
	CHECK(unlink(at("race/dir")) == 0 && mkdir(at("race/dir"), 0755) == 0);
	fd = -1;
	step = sg_fs_reopen(&v.binds[0], &fd);
	CHECK(step != NULL && errno == ESTALE);
	CHECK(step != NULL && strstr(step, "not what the gateway resolved") != NULL);
	if (fd >= 0)
		close(fd);
	sg_fs_view_close(&v);
}

static void setup(void)
{
	snprintf(top, sizeof top, "/tmp/sg-unit-fs-XXXXXX");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	mkdir(at("app"), 0755);
	mkdir(at("app/sub"), 0755);
	mkdir(at("swap"), 0755);
	mkdir(at("swap/data"), 0755);
	mkdir(at("race"), 0755);
	mkdir(at("race/dir"), 0755);
	close(open(at("app/file.py"), O_CREAT | O_WRONLY, 0644));
	if (symlink("app", at("link")) < 0) {
		perror("symlink");
		exit(1);
	}
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	if (system(cmd) != 0)
		printf("could not remove %s\n", top);
}

int main(void)
{
	setup();
	RUN(test_check_path);
	RUN(test_resolve_plain_directory);
	RUN(test_symlinks_refused);
	RUN(test_view_add);
	RUN(test_swap_after_resolve);
	RUN(test_cell_reopen);
	teardown();
	UNIT_END();
}
