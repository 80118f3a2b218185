/* A user's CGI app, "OWNER~cgi", from the admin's `cgi` group and the
 * user's own (config_cgi.h). Pure: names and homes come from the caller. */
#include "config_cgi.h"

#include <stdio.h>
#include <string.h>

#include "config_users.h"

int sg_cgi_root_path(const char *pattern, const char *user, const char *home, char *out,
		     size_t size)
{
	char expanded[PATH_MAX];
	if (sg_user_pattern(pattern, user, expanded, sizeof expanded) < 0)
		return -1;
	int n = expanded[0] == '/' ? snprintf(out, size, "%s", expanded)
				   : snprintf(out, size, "%s%s%s", home,
					      strcmp(home, "/") == 0 ? "" : "/", expanded);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

bool sg_cgi_path_beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool sg_cgi_conf_names(const struct sg_cgi_conf *cgi, const char *user)
{
	for (int i = 0; i < cgi->n_allow; i++)
		if (strcmp(cgi->allow[i], user) == 0)
			return true;
	return false;
}

static void limits(const struct sg_cgi_conf *admin, const struct sg_cgi_conf *mine,
		   struct sg_app_conf *app)
{
	app->processes = admin->processes;
	app->timeout = mine != NULL ? mine->timeout : admin->timeout;
	app->queue = admin->queue;
	app->idle_timeout = admin->idle_timeout;
	app->memory = admin->memory;
	app->pids = admin->pids;
	app->cpu_us = admin->cpu_us;
	app->network = admin->network;
	app->tmp_size = admin->tmp_size;
	/* No request body limit of the gateway's own: the script reads its
	 * body from the web server (launcher) or the client socket. */
}

int sg_cgi_app_make(const struct sg_cgi_conf *admin, const struct sg_cgi_conf *mine,
		    const char *user, const char *home, struct sg_app_conf *app,
		    struct sg_error *err)
{
	sg_config_defaults_app(app);
	if (sg_user_app_name(user, SG_CGI_APP_SUFFIX, app->name, sizeof app->name) < 0)
		return sg_fail(err, "cgi: the app name %s~cgi is too long", user);
	app->kind = SG_APP_CGI;
	app->line = admin->line;
	snprintf(app->user, sizeof app->user, "%s", user);
	snprintf(app->owner, sizeof app->owner, "%s", user);
	snprintf(app->policy, sizeof app->policy, "%s", SG_CGI_POLICY);
	limits(admin, mine, app);
	if (snprintf(app->cgi_home, sizeof app->cgi_home, "%s", home) >= (int)sizeof app->cgi_home)
		return sg_fail(err, "cgi: the home of %s is too long", user);
	const struct sg_cgi_conf *where = mine != NULL && mine->user_roots ? mine : admin;
	for (int i = 0; i < where->n_roots; i++) {
		if (where == mine)
			snprintf(app->cgi_roots[i], sizeof app->cgi_roots[i], "%s", mine->roots[i]);
		else if (sg_cgi_root_path(admin->roots[i], user, home, app->cgi_roots[i],
					  sizeof app->cgi_roots[i]) < 0)
			return sg_fail(err, "cgi: root %s for %s is too long", admin->roots[i], user);
		app->n_cgi_roots++;
	}
	where = mine != NULL ? mine : admin;
	app->n_cgi_extensions = where->n_extensions;
	memcpy(app->cgi_extensions, where->extensions, sizeof app->cgi_extensions);
	if (mine != NULL) {
		app->n_writable = mine->n_writable;
		memcpy(app->writable, mine->writable, sizeof app->writable);
	}
	return 0;
}
