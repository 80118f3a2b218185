/* Self-service at load time: for each user the admin allows, their file
 * (user_file.c, with their credentials), their apps (config_user_apps.c,
 * under the ceilings), merged into the configuration. Used by `serve` at
 * start and on SIGHUP, and by `check --user`. One user's broken file
 * touches only that user's apps. */
#include "users.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_apps.h"
#include "config_cgi.h"
#include "config_users.h"
#include "gateway.h"
#include "log.h"
#include "user_file.h"

static int append(struct sg_config *cfg, const struct sg_app_conf *apps, int n)
{
	if (n == 0)
		return 0;
	if (cfg->n_apps + n > SG_MAX_APPS)
		return -1;
	struct sg_app_conf *all = realloc(cfg->apps, (size_t)(cfg->n_apps + n) * sizeof *all);
	if (all == NULL)
		return -1;
	memcpy(all + cfg->n_apps, apps, (size_t)n * sizeof *all);
	cfg->apps = all;
	cfg->n_apps += n;
	return 0;
}

/* A refused file: the user's apps as the previous configuration had them. */
static void keep_previous(struct sg_config *cfg, const struct sg_config *prev, const char *owner)
{
	for (int i = 0; prev != NULL && i < prev->n_apps; i++)
		if (strcmp(prev->apps[i].owner, owner) == 0 && append(cfg, &prev->apps[i], 1) < 0)
			return;
}

/* Reads and parses one user's file (self: the users group allows them),
 * then adds their CGI app (cgi_apps.c); returns -1 when it is refused. */
static int load_user(struct sg_config *cfg, const struct passwd *pw, bool self,
		     struct sg_diags *problems, struct sg_diags *warnings)
{
	const struct sg_users_conf *u = cfg->users;
	struct sg_config mine = { 0 };
	if (!self) {
		int rc = sg_cgi_user_app(cfg, &mine, pw, "", problems, warnings);
		if (rc == 0 && append(cfg, mine.apps, mine.n_apps) < 0)
			rc = -1;
		sg_config_free(&mine);
		return rc;
	}
	struct sg_user_id who = { pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir };
	struct sg_error err;
	char path[PATH_MAX];
	char *text;
	if (snprintf(path, sizeof path, "%s/%s", pw->pw_dir, u->file) >= (int)sizeof path) {
		sg_diags_add(problems, cfg->source, u->line, "%s's home is too long", pw->pw_name);
		return -1;
	}
	if (pw->pw_uid == 0) {
		sg_diags_add(problems, path, 0, "root has no self-service apps (users.allow)");
		return -1;
	}
	int rc = sg_user_file_read(&who, u->file, &text, &err);
	if (rc < 0) {
		sg_diags_add(problems, path, 0, "%s", err.msg);
		return rc;
	}
	if (rc > 0) {
		rc = sg_config_parse_user_file(text, path, pw->pw_name, pw->pw_dir, cfg, &mine,
					       problems, warnings);
		free(text);
	}
	if (rc == 0)
		rc = sg_cgi_user_app(cfg, &mine, pw, path, problems, warnings);
	if (rc == 0 && append(cfg, mine.apps, mine.n_apps) < 0) {
		sg_diags_add(problems, path, 0, "%d apps would take the gateway above %d apps",
			     mine.n_apps, SG_MAX_APPS);
		rc = -1;
	}
	sg_config_free(&mine);
	return rc;
}

static bool in_group(const struct sg_users_conf *u, const char *name)
{
	if (u->allow_group[0] == '\0')
		return false;
	struct group *gr = getgrnam(u->allow_group);
	for (char **m = gr != NULL ? gr->gr_mem : NULL; m != NULL && *m != NULL; m++)
		if (strcmp(*m, name) == 0)
			return true;
	return false;
}

static bool allowed(const struct sg_users_conf *u, const char *name)
{
	if (u == NULL)
		return false;
	for (int i = 0; i < u->n_allow; i++)
		if (strcmp(u->allow[i], name) == 0)
			return true;
	return in_group(u, name);
}

/* One user, by name: their apps, or their previous ones after a refusal. */
static int load_one(struct sg_config *cfg, const struct sg_config *prev, const char *name,
		    struct sg_diags *problems, struct sg_diags *warnings)
{
	bool self = allowed(cfg->users, name);
	struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		sg_diags_add(problems, cfg->source, self ? cfg->users->line : cfg->cgi->line,
			     "%s: no user \"%s\"", self ? "users" : "cgi", name);
		return -1;
	}
	struct passwd copy = *pw;
	char pw_name[SG_NAME_MAX], home[PATH_MAX];
	snprintf(pw_name, sizeof pw_name, "%s", pw->pw_name);
	snprintf(home, sizeof home, "%s", pw->pw_dir);
	copy.pw_name = pw_name;
	copy.pw_dir = home;
	if (load_user(cfg, &copy, self, problems, warnings) == 0)
		return 0;
	keep_previous(cfg, prev, pw_name);
	return -1;
}

/* users.allow, then the members of users.allow_group not named there. */
int sg_users_names(const struct sg_users_conf *u, char (**out)[SG_NAME_MAX])
{
	struct group *gr = u->allow_group[0] != '\0' ? getgrnam(u->allow_group) : NULL;
	int n_group = 0, n = 0;
	for (char **m = gr != NULL ? gr->gr_mem : NULL; m != NULL && m[n_group] != NULL; n_group++)
		;
	char (*names)[SG_NAME_MAX] = calloc((size_t)(u->n_allow + n_group) + 1, SG_NAME_MAX);
	*out = names;
	if (names == NULL)
		return 0;
	for (int i = 0; i < u->n_allow; i++)
		snprintf(names[n++], SG_NAME_MAX, "%s", u->allow[i]);
	for (int i = 0; i < n_group; i++) {
		bool listed = false;
		for (int j = 0; j < u->n_allow && !listed; j++)
			listed = strcmp(u->allow[j], gr->gr_mem[i]) == 0;
		if (!listed)
			snprintf(names[n++], SG_NAME_MAX, "%s", gr->gr_mem[i]);
	}
	return n;
}

int sg_users_load(struct sg_config *cfg, const struct sg_config *prev, const char *only,
		  struct sg_diags *problems, struct sg_diags *warnings)
{
	const struct sg_users_conf *u = cfg->users;
	int refused = 0;
	if (u == NULL && cfg->cgi == NULL) {
		if (only != NULL) {
			sg_diags_add(problems, cfg->source, 0, "no users group: self-service is off");
			return 1;
		}
		return 0;
	}
	if (only != NULL) {
		if (!allowed(u, only) && !sg_cgi_allowed(cfg->cgi, only)) {
			sg_diags_add(problems, cfg->source, u != NULL ? u->line : cfg->cgi->line,
				     "user \"%s\" is not in users.allow or users.allow_group%s", only,
				     cfg->cgi != NULL ? " (nor in cgi.allow or cgi.allow_group)" : "");
			return 1;
		}
		return load_one(cfg, prev, only, problems, warnings) < 0;
	}
	if (u != NULL && u->allow_group[0] != '\0' && getgrnam(u->allow_group) == NULL)
		sg_diags_add(problems, cfg->source, u->line, "users.allow_group: no group \"%s\"",
			     u->allow_group);
	if (cfg->cgi != NULL && cfg->cgi->allow_group[0] != '\0' &&
	    getgrnam(cfg->cgi->allow_group) == NULL)
		sg_diags_add(problems, cfg->source, cfg->cgi->line, "cgi.allow_group: no group "
			     "\"%s\"", cfg->cgi->allow_group);
	/* Copied first: getpwnam may reuse getgrnam's storage. */
	char (*names)[SG_NAME_MAX] = NULL;
	int n = u != NULL ? sg_users_names(u, &names) : 0;
	for (int i = 0; i < n; i++)
		refused += load_one(cfg, prev, names[i], problems, warnings) < 0;
	free(names);
	/* CGI users without self-service: their CGI app only. */
	n = cfg->cgi != NULL ? sg_cgi_names(cfg->cgi, &names) : 0;
	for (int i = 0; i < n; i++)
		if (!allowed(u, names[i]))
			refused += load_one(cfg, prev, names[i], problems, warnings) < 0;
	if (cfg->cgi != NULL)
		free(names);
	return refused;
}

/* only: NULL for every user. */
static void load_logged(struct sg_config *cfg, const struct sg_config *prev, const char *only)
{
	struct sg_diags problems = { 0 }, warnings = { 0 };
	if (cfg->users == NULL && cfg->cgi == NULL)
		return;
	int refused = sg_users_load(cfg, prev, only, &problems, &warnings);
	for (int i = 0; i < problems.n; i++)
		sg_error("%s", problems.msg[i]);
	for (int i = 0; i < warnings.n; i++)
		sg_warn("%s", warnings.msg[i]);
	if (refused > 0)
		sg_error("self-service: %d user file%s refused; %s apps stay as they were (none "
			 "at start); other users are not affected", refused, refused == 1 ? "" : "s",
			 refused == 1 ? "that user's" : "those users'");
	sg_diags_free(&problems);
	sg_diags_free(&warnings);
}

void sg_users_load_logged(struct sg_config *cfg, const struct sg_config *prev)
{
	load_logged(cfg, prev, NULL);
}

/* cfg's arrays, copied: the reload below may fail and leave cfg as is. */
static int copy_config(const struct sg_config *cfg, struct sg_config *out)
{
	*out = *cfg;
	out->listeners = malloc((size_t)cfg->n_listeners * sizeof *out->listeners + 1);
	out->apps = malloc((size_t)cfg->n_apps * sizeof *out->apps + 1);
	out->users = malloc(sizeof *out->users);
	out->cgi = cfg->cgi != NULL ? malloc(sizeof *out->cgi) : NULL;
	if (out->listeners == NULL || out->apps == NULL || out->users == NULL ||
	    (cfg->cgi != NULL && out->cgi == NULL)) {
		sg_config_free(out);
		return -1;
	}
	if (cfg->cgi != NULL)
		memcpy(out->cgi, cfg->cgi, sizeof *out->cgi);
	memcpy(out->listeners, cfg->listeners, (size_t)cfg->n_listeners * sizeof *out->listeners);
	memcpy(out->users, cfg->users, sizeof *out->users);
	return 0;
}

int sg_users_reload_one(struct sg_gateway *gw, const char *name)
{
	struct sg_config fresh;
	struct sg_diags d = { 0 };
	struct sg_error err;
	if (gw->cfg.users == NULL || copy_config(&gw->cfg, &fresh) < 0)
		return -1;
	/* The others' apps as they are; this user's read again (or kept). */
	fresh.n_apps = 0;
	for (int i = 0; i < gw->cfg.n_apps; i++)
		if (strcmp(gw->cfg.apps[i].owner, name) != 0)
			fresh.apps[fresh.n_apps++] = gw->cfg.apps[i];
	sg_info("%s's apps file changed: reading it again", name);
	load_logged(&fresh, &gw->cfg, name);
	int rc = sg_config_resolve(&fresh, gw->euid, &d);
	for (int i = 0; i < d.n; i++)
		sg_error("%s", d.msg[i]);
	sg_diags_free(&d);
	if (rc == 0 && sg_apps_reload_changed(gw, &fresh, &err) < 0) {
		sg_error("reload of %s's apps: %s; still serving the previous ones", name, err.msg);
		rc = -1;
	}
	if (rc < 0) {
		sg_config_free(&fresh);
		return -1;
	}
	sg_config_free(&gw->cfg);
	gw->cfg = fresh;
	return 0;
}
