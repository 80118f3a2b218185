/* Which host paths a cell sees, from its app's configuration.
 *
 * The gateway resolves them here with its own rights (root in system
 * mode), to refuse a bad path early with a clear message. That is not
 * what grants access: the cell's first process resolves each path again
 * with the app's user's file ids and must find the same directory
 * (sandbox/fs_root.c), so a user, self-service files included, can never
 * name a directory only root can reach. */
#include "cell_fs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The user's and group's names for the cell's passwd and group files;
 * an id without a name gets "app". */
static void names(const struct sg_app_conf *conf, struct sg_fs_view *v)
{
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	getpwuid_r(conf->uid, &pw, buf, sizeof buf, &pwp);
	snprintf(v->user_name, sizeof v->user_name, "%s", pwp != NULL ? pw.pw_name : "app");
	getgrgid_r(conf->gid, &gr, buf, sizeof buf, &grp);
	snprintf(v->group_name, sizeof v->group_name, "%s", grp != NULL ? gr.gr_name : "app");
}

/* A file module's directory, so that its path works inside the cell. */
static int add_module_dir(struct sg_fs_view *v, const char *module, struct sg_error *err)
{
	struct sg_module_spec spec;
	if (sg_module_spec_parse(module, &spec, err) < 0 || !spec.is_file)
		return 0; /* a dotted module is found through chdir or pythonpath */
	char *slash = strrchr(spec.target, '/');
	if (slash == NULL || spec.target[0] != '/')
		return sg_fail(err, "%.200s: the module's path is not absolute", spec.target);
	if (slash == spec.target)
		slash[1] = '\0';
	else
		*slash = '\0';
	return sg_fs_view_add(v, spec.target, false, err);
}

/* A CGI root: read-only, and Landlock lets scripts beneath it be run
 * (the mount is read-only with exec, as every read-only bind). A root the
 * user does not have (no public_html) is left out: its scripts are
 * refused before they reach the cell (cgi_check.c, 404). */
static int add_cgi_root(struct sg_fs_view *v, const char *root, struct sg_error *err)
{
	struct stat st;
	int before = v->n_binds;
	if (lstat(root, &st) < 0 && errno == ENOENT)
		return 0;
	if (sg_fs_view_add(v, root, false, err) < 0)
		return -1;
	for (int i = 0; i < v->n_binds; i++)
		if (i >= before || strcmp(v->binds[i].path, root) == 0)
			v->binds[i].exec = !v->binds[i].writable;
	return 0;
}

static int add_paths(struct sg_fs_view *v, const struct sg_app_conf *conf, struct sg_error *err)
{
	for (int i = 0; conf->kind == SG_APP_CGI && i < conf->n_cgi_roots; i++)
		if (add_cgi_root(v, conf->cgi_roots[i], err) < 0)
			return -1;
	if (add_module_dir(v, conf->module, err) < 0)
		return -1;
	if (conf->chdir[0] && sg_fs_view_add(v, conf->chdir, false, err) < 0)
		return -1;
	if (conf->venv[0] && sg_fs_view_add(v, conf->venv, false, err) < 0)
		return -1;
	for (int i = 0; i < conf->n_pythonpath; i++)
		if (sg_fs_view_add(v, conf->pythonpath[i], false, err) < 0)
			return -1;
	for (int i = 0; i < conf->n_writable; i++)
		if (sg_fs_view_add(v, conf->writable[i], true, err) < 0)
			return -1;
	return 0;
}

struct sg_fs_view *sg_cell_fs_build(const struct sg_app_conf *conf, struct sg_error *err)
{
	struct sg_fs_view *v = calloc(1, sizeof *v);
	if (v == NULL)
		return sg_fail(err, "filesystem: out of memory"), NULL;
	v->tmp_size = conf->tmp_size > 0 ? conf->tmp_size : SG_DEFAULT_TMP_SIZE;
	v->resolv_conf = conf->network != SG_NET_NONE;
	names(conf, v);
	if (add_paths(v, conf, err) < 0) {
		sg_error_prefix(err, "filesystem");
		sg_cell_fs_free(v);
		return NULL;
	}
	return v;
}

void sg_cell_fs_free(struct sg_fs_view *v)
{
	if (v == NULL)
		return;
	sg_fs_view_close(v);
	free(v);
}
