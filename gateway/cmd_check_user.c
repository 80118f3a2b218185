/* `sandgate check [-c FILE] --user NAME`: one user's self-service file,
 * read with the user's credentials and held to the admin's ceilings
 * exactly as `serve` does at start and on SIGHUP (users.c), so that the
 * admin (or the user, through the admin) sees what serve would log. */
#include "users.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_users.h"

static void print(const struct sg_diags *d)
{
	for (int i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
}

int sg_cmd_check_user(const char *system_file, const char *user)
{
	struct sg_config cfg;
	struct sg_diags problems = { 0 }, warnings = { 0 };
	if (sg_config_load(system_file, &cfg, &problems) < 0) {
		print(&problems);
		printf("%s: %d problem%s (the system file; fix it first)\n", system_file,
		       problems.n, problems.n == 1 ? "" : "s");
		sg_config_free(&cfg);
		sg_diags_free(&problems);
		return 1;
	}
	int first = cfg.n_apps;
	int refused = sg_users_load(&cfg, NULL, user, &problems, &warnings);
	print(&problems);
	print(&warnings);
	/* The file as serve's messages name it: HOME/FILE. */
	char where[2 * PATH_MAX];
	struct passwd *pw = getpwnam(user);
	if (pw != NULL && cfg.users != NULL)
		snprintf(where, sizeof where, "%s/%s", pw->pw_dir, cfg.users->file);
	else
		snprintf(where, sizeof where, "user %s", user);
	if (refused > 0)
		printf("%s: %d problem%s\n", where, problems.n, problems.n == 1 ? "" : "s");
	else
		printf("%s: ok (%d app%s%s)\n", where, cfg.n_apps - first,
		       cfg.n_apps - first == 1 ? "" : "s",
		       warnings.n > 0 ? ", values clamped" : "");
	sg_config_free(&cfg);
	sg_diags_free(&problems);
	sg_diags_free(&warnings);
	return refused > 0 ? 1 : 0;
}
