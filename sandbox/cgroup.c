/* A cell's cgroup directories: made in every hierarchy its limits need
 * (cgroup_where.c says which), filled with the limits, the zygote
 * attached, removed at the end. Cells go in BASE/sandgate/<name>-<n>,
 * BASE being the gateway's cgroup in that hierarchy; n counts up,
 * skipping names that exist (another gateway's cell, or one left by a
 * gateway that was killed). */
#include "sandbox/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/cgroup_internal.h"

#define NAME_TRIES 100000 /* names skipped at most: left by killed gateways */
#define DELEGATION_HINT                                                                  \
	"cgroup delegation is needed: without root, the gateway can only set limits in a " \
	"cgroup delegated to its user (systemd: Delegate=yes)"

static unsigned long long name_counter;

struct cell_dir {
	bool v2;
	unsigned ctrls;   /* bit (1 << enum sg_cgroup_ctrl) per controller */
	const char *base; /* the gateway's cgroup (cgroup_where.c's) */
	char *dir;        /* BASE/sandgate/<name>-<n>, once made */
};

struct sg_cgroup {
	int n;
	struct cell_dir d[SG_CG_NCTRL];
};

/* ---- -1 with errno set ---- */

int sg_cgroup_write_at(int dirfd, const char *file, const char *text)
{
	int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int saved = errno;
	close(fd);
	errno = n < 0 ? saved : (size_t)n == len ? 0 : EIO;
	return (size_t)n == len ? 0 : -1;
}

int sg_cgroup_open_dir(int dirfd, const char *path)
{
	return openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/* One cell_dir per hierarchy the limits need. */
static int group_by_hierarchy(struct sg_cgroup *cg, const struct sg_cgroup_limits *lim,
			      struct sg_error *err)
{
	for (int c = 0; c < SG_CG_NCTRL; c++) {
		if (!sg_cgroup_ctrl_limited(lim, (enum sg_cgroup_ctrl)c))
			continue;
		const struct sg_cgroup_where *w = sg_cgroup_where((enum sg_cgroup_ctrl)c, err);
		if (w == NULL)
			return -1;
		int i = 0;
		while (i < cg->n && (cg->d[i].v2 != w->v2 || strcmp(cg->d[i].base, w->dir) != 0))
			i++;
		if (i == cg->n)
			cg->d[cg->n++] = (struct cell_dir){ .v2 = w->v2, .base = w->dir };
		cg->d[i].ctrls |= 1u << c;
	}
	return 0;
}

/* ---- the cell's directories ---- */

/* <name>-<n> in every parent at once; a name taken in any of them is
 * given up everywhere and the next n tried. */
static int make_dirs(struct sg_cgroup *cg, const int *parent_fd, const char *name,
		     char *leaf, size_t size, struct sg_error *err)
{
	for (int attempt = 0; attempt < NAME_TRIES; attempt++) {
		snprintf(leaf, size, "%s-%llu", name, ++name_counter);
		int i = 0;
		while (i < cg->n && mkdirat(parent_fd[i], leaf, 0755) == 0)
			i++;
		if (i == cg->n)
			return 0;
		int saved = errno;
		for (int j = 0; j < i; j++)
			unlinkat(parent_fd[j], leaf, AT_REMOVEDIR);
		errno = saved;
		if (errno != EEXIST)
			return sg_fail_errno(err, "cgroup: mkdir %s/" SG_CGROUP_PARENT "/%s",
					     cg->d[i].base, leaf);
	}
	return sg_fail(err, "cgroup: no free name %s-N under %s/" SG_CGROUP_PARENT " after %d tries",
		       name, cg->d[0].base, NAME_TRIES);
}

static int write_limits(const struct cell_dir *d, const struct sg_cgroup_limits *lim,
			struct sg_error *err)
{
	int fd = sg_cgroup_open_dir(AT_FDCWD, d->dir);
	if (fd < 0)
		return sg_fail_errno(err, "cgroup: open %s", d->dir);
	int rc = 0;
	for (int c = 0; c < SG_CG_NCTRL && rc == 0; c++) {
		struct sg_cgroup_setting s[2];
		int n = (d->ctrls & (1u << c)) ? sg_cgroup_settings(lim, (enum sg_cgroup_ctrl)c,
								    d->v2, s) : 0;
		for (int i = 0; i < n && rc == 0; i++)
			if (sg_cgroup_write_at(fd, s[i].file, s[i].value) < 0)
				rc = sg_fail_errno(err, "cgroup: write \"%s\" to %s/%s", s[i].value,
						   d->dir, s[i].file);
	}
	close(fd);
	return rc;
}

static int set_paths(struct sg_cgroup *cg, const char *leaf, struct sg_error *err)
{
	for (int i = 0; i < cg->n; i++) {
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/" SG_CGROUP_PARENT "/%s", cg->d[i].base,
				 leaf);
		if (n < 0 || (size_t)n >= sizeof path)
			return sg_fail(err, "cgroup: the path of %s is too long", cg->d[i].base);
		if ((cg->d[i].dir = strdup(path)) == NULL)
			return sg_fail(err, "cgroup: out of memory");
	}
	return 0;
}

/* The parents, the directories, the limits. */
static int build(struct sg_cgroup *cg, const char *name, const struct sg_cgroup_limits *lim,
		 struct sg_error *err)
{
	int parent_fd[SG_CG_NCTRL];
	char leaf[160];
	int opened = 0, rc = -1;
	for (; opened < cg->n; opened++)
		if ((parent_fd[opened] = sg_cgroup_open_parent(cg->d[opened].base, cg->d[opened].v2,
							  cg->d[opened].ctrls, err)) < 0)
			goto out;
	if (make_dirs(cg, parent_fd, name, leaf, sizeof leaf, err) < 0)
		goto out;
	if (set_paths(cg, leaf, err) < 0) {
		for (int i = 0; i < cg->n; i++)
			unlinkat(parent_fd[i], leaf, AT_REMOVEDIR);
		goto out;
	}
	rc = 0;
	for (int i = 0; i < cg->n && rc == 0; i++)
		rc = write_limits(&cg->d[i], lim, err);
out:
	for (int i = 0; i < opened; i++)
		close(parent_fd[i]);
	return rc;
}

static void free_cgroup(struct sg_cgroup *cg)
{
	for (int i = 0; i < cg->n; i++)
		free(cg->d[i].dir);
	free(cg);
}

int sg_cgroup_create(const char *name, const struct sg_cgroup_limits *lim,
		     struct sg_cgroup **out, struct sg_error *err)
{
	*out = NULL;
	sg_cgroup_prepare();
	bool any = false;
	for (int c = 0; c < SG_CG_NCTRL; c++)
		any = any || sg_cgroup_ctrl_limited(lim, (enum sg_cgroup_ctrl)c);
	if (!any)
		return 0;
	struct sg_cgroup *cg = calloc(1, sizeof *cg);
	if (cg == NULL)
		return sg_fail(err, "cgroup: out of memory");
	if (group_by_hierarchy(cg, lim, err) < 0 || build(cg, name, lim, err) < 0) {
		sg_cgroup_remove(cg, NULL);
		if (geteuid() != 0) {
			struct sg_error why = *err;
			sg_fail(err, "%s; %s", why.msg, DELEGATION_HINT);
		}
		return -1;
	}
	*out = cg;
	return 0;
}

int sg_cgroup_attach(const struct sg_cgroup *cg, pid_t pid, struct sg_error *err)
{
	char text[24];
	snprintf(text, sizeof text, "%d", (int)pid);
	for (int i = 0; cg != NULL && i < cg->n; i++) {
		int fd = sg_cgroup_open_dir(AT_FDCWD, cg->d[i].dir);
		int rc = fd < 0 ? -1 : sg_cgroup_write_at(fd, "cgroup.procs", text);
		int saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		if (rc < 0)
			return sg_fail_errno(err, "cgroup: write %s to %s/cgroup.procs", text,
					     cg->d[i].dir);
	}
	return 0;
}

const char *sg_cgroup_path(const struct sg_cgroup *cg)
{
	return cg != NULL && cg->n > 0 && cg->d[0].dir != NULL ? cg->d[0].dir : "";
}

int sg_cgroup_remove(struct sg_cgroup *cg, struct sg_error *err)
{
	int rc = 0;
	for (int i = 0; cg != NULL && i < cg->n; i++)
		if (cg->d[i].dir != NULL && rmdir(cg->d[i].dir) < 0 && rc == 0)
			rc = sg_fail_errno(err, "cgroup: rmdir %s", cg->d[i].dir);
	if (cg != NULL)
		free_cgroup(cg);
	return rc;
}
