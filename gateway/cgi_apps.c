/* Each allowed user's CGI app, "OWNER~cgi" (README "Replacing suEXEC"):
 * one cell per user, started on demand like any idle app, whose worker
 * runs scripts (sandgate-worker --cgi). Made where users' apps are merged
 * (users.c), so status, logs (~/.local/state/sandgate/cgi.log), cgroups
 * and limits work as for the user's other apps. */
#include "cgi_apps.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_cgi.h"
#include "config_users.h"

bool sg_cgi_allowed(const struct sg_cgi_conf *cgi, const char *name)
{
	if (cgi == NULL)
		return false;
	if (sg_cgi_conf_names(cgi, name))
		return true;
	struct group *gr = cgi->allow_group[0] != '\0' ? getgrnam(cgi->allow_group) : NULL;
	for (char **m = gr != NULL ? gr->gr_mem : NULL; m != NULL && *m != NULL; m++)
		if (strcmp(*m, name) == 0)
			return true;
	return false;
}

int sg_cgi_names(const struct sg_cgi_conf *cgi, char (**out)[SG_NAME_MAX])
{
	struct group *gr = cgi->allow_group[0] != '\0' ? getgrnam(cgi->allow_group) : NULL;
	int n_group = 0, n = 0;
	for (char **m = gr != NULL ? gr->gr_mem : NULL; m != NULL && m[n_group] != NULL; n_group++)
		;
	char (*names)[SG_NAME_MAX] = calloc((size_t)(cgi->n_allow + n_group) + 1, SG_NAME_MAX);
	*out = names;
	if (names == NULL)
		return 0;
	for (int i = 0; i < cgi->n_allow; i++)
		snprintf(names[n++], SG_NAME_MAX, "%s", cgi->allow[i]);
	for (int i = 0; i < n_group; i++)
		if (!sg_cgi_conf_names(cgi, gr->gr_mem[i]))
			snprintf(names[n++], SG_NAME_MAX, "%s", gr->gr_mem[i]);
	return n;
}

/* "cgi" is the CGI app's own name among the user's apps. */
static int check_reserved(const struct sg_config *mine, const char *owner, const char *path,
			  struct sg_diags *problems)
{
	char name[SG_NAME_MAX];
	if (sg_user_app_name(owner, SG_CGI_APP_SUFFIX, name, sizeof name) < 0)
		return 0;
	for (int i = 0; i < mine->n_apps; i++)
		if (strcmp(mine->apps[i].name, name) == 0) {
			sg_diags_add(problems, path, mine->apps[i].line, "app name \"cgi\" is reserved "
				     "for CGI (the app %s runs your CGI scripts)", name);
			return -1;
		}
	return 0;
}

/* uid 0 and gid 0 never run scripts, whatever min_uid says (suEXEC). */
static bool ids_allowed(const struct sg_cgi_conf *cgi, const struct passwd *pw,
			const char *source, struct sg_diags *warnings)
{
	if (pw->pw_uid != 0 && (long long)pw->pw_uid >= cgi->min_uid && pw->pw_gid != 0 &&
	    (long long)pw->pw_gid >= cgi->min_gid)
		return true;
	sg_diags_add(warnings, source, cgi->line, "cgi: %s (uid %u, gid %u) is below cgi.min_uid "
		     "%lld or cgi.min_gid %lld: no CGI app", pw->pw_name, (unsigned)pw->pw_uid,
		     (unsigned)pw->pw_gid, cgi->min_uid, cgi->min_gid);
	return false;
}

int sg_cgi_user_app(const struct sg_config *cfg, struct sg_config *mine, const struct passwd *pw,
		    const char *path, struct sg_diags *problems, struct sg_diags *warnings)
{
	struct sg_error err;
	if (!sg_cgi_allowed(cfg->cgi, pw->pw_name)) {
		if (mine->cgi != NULL)
			sg_diags_add(warnings, path, mine->cgi->line, "cgi: %s is not in cgi.allow "
				     "or cgi.allow_group: this group is ignored", pw->pw_name);
		return 0;
	}
	if (check_reserved(mine, pw->pw_name, path, problems) < 0)
		return -1;
	if (!ids_allowed(cfg->cgi, pw, cfg->source, warnings))
		return 0;
	struct sg_app_conf *all = realloc(mine->apps, (size_t)(mine->n_apps + 1) * sizeof *all);
	if (all == NULL) {
		sg_diags_add(problems, cfg->source, cfg->cgi->line, "cgi: out of memory");
		return -1;
	}
	mine->apps = all;
	if (sg_cgi_app_make(cfg->cgi, mine->cgi, pw->pw_name, pw->pw_dir, &all[mine->n_apps],
			    &err) < 0) {
		sg_diags_add(problems, cfg->source, cfg->cgi->line, "%s", err.msg);
		return -1;
	}
	/* A gateway run by a user has no cgroup of its own to limit a cell
	 * with unless delegated: limits it was not given stay unset there. */
	if (geteuid() != 0) {
		struct sg_app_conf *a = &all[mine->n_apps];
		if (!cfg->cgi->memory_given)
			a->memory = SG_LIMIT_DEFAULT;
		if (!cfg->cgi->pids_given)
			a->pids = SG_LIMIT_DEFAULT;
		if (!cfg->cgi->cpu_given)
			a->cpu_us = SG_LIMIT_DEFAULT;
	}
	mine->n_apps++;
	return 0;
}
