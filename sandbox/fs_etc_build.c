/* The cell's /etc, a directory of its read-only root: the generated files
 * (sandbox/fs_etc.c) and read-only binds of the few host files a Python
 * program needs: the loader's cache (libpython lives in a directory only
 * the cache names), the time zone, the CA certificates, Python's own
 * configuration, and resolv.conf only when the cell has a network. */
#include "sandbox/fs_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *write_file(int etc, const char *name, const char *text, int len)
{
	int fd = openat(etc, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return sg_fs_step("create /etc/%s", name);
	ssize_t n = write(fd, text, (size_t)len);
	int saved = errno;
	close(fd);
	errno = saved;
	if (n != len)
		return sg_fs_step("write /etc/%s", name);
	return NULL;
}

static const char *unfit(const char *what, const char *name)
{
	errno = EINVAL;
	return sg_fs_step("%s: name \"%.64s\" cannot be written there", what, name);
}

static const char *generate(int etc, const struct sg_fs_view *v, uid_t uid, gid_t gid)
{
	char text[512];
	int n = sg_fs_etc_passwd(text, sizeof text, v->user_name, uid, gid);
	const char *step = n < 0 ? unfit("/etc/passwd", v->user_name)
				 : write_file(etc, "passwd", text, n);
	if (step != NULL)
		return step;
	n = sg_fs_etc_group(text, sizeof text, v->group_name, gid);
	step = n < 0 ? unfit("/etc/group", v->group_name) : write_file(etc, "group", text, n);
	if (step == NULL && (n = sg_fs_etc_hosts(text, sizeof text)) >= 0)
		step = write_file(etc, "hosts", text, n);
	if (step == NULL && (n = sg_fs_etc_nsswitch(text, sizeof text)) >= 0)
		step = write_file(etc, "nsswitch.conf", text, n);
	return step;
}

/* A host file or directory under /etc, read-only, when it exists. A
 * symlink is followed: these are the host's own, root's to change. */
static const char *bind_host(int etc, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "/etc/%s", name);
	int src = open(path, O_PATH | O_CLOEXEC);
	if (src < 0)
		return errno == ENOENT ? NULL : sg_fs_step("open %s", path);
	int rc = sg_fs_attach(src, etc, name, SG_FS_RO);
	int saved = errno;
	close(src);
	errno = saved;
	return rc < 0 ? sg_fs_step("bind %s", path) : NULL;
}

/* /etc/localtime is normally a link into /usr/share/zoneinfo, which the
 * cell has: the same link then, else the file bound. */
static const char *localtime_link(int etc)
{
	char target[PATH_MAX];
	ssize_t n = readlink("/etc/localtime", target, sizeof target - 1);
	if (n < 0)
		return errno == EINVAL ? bind_host(etc, "localtime")
				       : errno == ENOENT ? NULL : sg_fs_step("readlink /etc/localtime");
	target[n] = '\0';
	return symlinkat(target, etc, "localtime") < 0 ? sg_fs_step("symlink /etc/localtime") : NULL;
}

/* /etc/python3, /etc/python3.11: Debian's sitecustomize and sysconfig. */
static const char *python_dirs(int etc)
{
	DIR *d = opendir("/etc");
	if (d == NULL)
		return sg_fs_step("opendir /etc");
	const char *step = NULL;
	struct dirent *e;
	while (step == NULL && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "python3", 7) == 0 && e->d_type == DT_DIR)
			step = bind_host(etc, e->d_name);
	closedir(d);
	return step;
}

const char *sg_fs_etc_build(const struct sg_fs_view *v, int root, uid_t uid, gid_t gid)
{
	static const char *const host[] = { "ld.so.cache", "ssl", "mime.types", "services",
					     "protocols" };
	int etc = sg_fs_mkpath(root, "etc", true);
	if (etc < 0)
		return sg_fs_step("mkdir /etc");
	const char *step = generate(etc, v, uid, gid);
	for (size_t i = 0; step == NULL && i < sizeof host / sizeof host[0]; i++)
		step = bind_host(etc, host[i]);
	if (step == NULL)
		step = localtime_link(etc);
	if (step == NULL)
		step = python_dirs(etc);
	if (step == NULL && v->resolv_conf)
		step = bind_host(etc, "resolv.conf");
	int saved = errno;
	close(etc);
	errno = saved;
	return step;
}
