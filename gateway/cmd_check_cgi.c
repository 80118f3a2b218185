/* `sandgate check`: what the `cgi` group names that only the host can
 * tell (users, groups, ids), and a line per user who gets a CGI app. */
#include "cgi_apps.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_cgi.h"
#include "sandbox/policy_dir.h"

static int check_user(const struct sg_config *cfg, const char *name, struct sg_diags *d)
{
	const struct sg_cgi_conf *cgi = cfg->cgi;
	char root[PATH_MAX];
	struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		sg_diags_add(d, cfg->source, cgi->line, "cgi: no user \"%s\"", name);
		return 1;
	}
	if (pw->pw_uid == 0 || (long long)pw->pw_uid < cgi->min_uid ||
	    pw->pw_gid == 0 || (long long)pw->pw_gid < cgi->min_gid) {
		fprintf(stderr, "%s:%d: warning: cgi: %s (uid %u, gid %u) is below cgi.min_uid "
			"%lld or cgi.min_gid %lld: no CGI app\n", cfg->source, cgi->line, name,
			(unsigned)pw->pw_uid, (unsigned)pw->pw_gid, cgi->min_uid, cgi->min_gid);
		return 0;
	}
	if (sg_cgi_root_path(cgi->roots[0], pw->pw_name, pw->pw_dir, root, sizeof root) < 0)
		snprintf(root, sizeof root, "(too long)");
	fprintf(stderr, "%s:%d: cgi: %s~cgi runs %s's scripts under %s%s\n", cfg->source,
		cgi->line, name, name, root, cgi->n_roots > 1 ? " and other roots" : "");
	return 0;
}

/* The CGI apps' seccomp policy: their cells would not start without it. */
static int check_policy(const struct sg_config *cfg, struct sg_diags *d)
{
	char dir[PATH_MAX];
	struct sg_error err;
	if (sg_policy_dir(dir, sizeof dir, &err) < 0) {
		sg_diags_add(d, cfg->source, cfg->cgi->line, "cgi: %s", err.msg);
		return 1;
	}
	if (!sg_policy_exists(dir, SG_CGI_POLICY ".policy")) {
		sg_diags_add(d, cfg->source, cfg->cgi->line, "cgi: there is no %s/%s.policy, the "
			     "CGI apps' seccomp policy", dir, SG_CGI_POLICY);
		return 1;
	}
	return sg_policy_check(SG_CGI_POLICY ".policy", sg_diags_add, d) < 0;
}

int sg_cmd_check_cgi(const struct sg_config *cfg, struct sg_diags *d)
{
	const struct sg_cgi_conf *cgi = cfg->cgi;
	if (cgi == NULL)
		return 0;
	int problems = check_policy(cfg, d);
	if (cgi->allow_group[0] != '\0' && getgrnam(cgi->allow_group) == NULL) {
		sg_diags_add(d, cfg->source, cgi->line, "cgi.allow_group: no group \"%s\"",
			     cgi->allow_group);
		problems++;
	}
	char (*names)[SG_NAME_MAX];
	int n = sg_cgi_names(cgi, &names);
	for (int i = 0; i < n; i++)
		problems += check_user(cfg, names[i], d);
	free(names);
	return problems;
}
