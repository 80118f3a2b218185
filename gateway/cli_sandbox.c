/* The sandbox options of `sandgate serve`: --network, --writable,
 * --tmp-size, --policy, --seccomp-log and --no-seccomp. The value checks
 * are the configuration file's (config_sandbox_values.c). */
#include "cli_sandbox.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A writable directory: its real path, which the cell sees at the same
 * place, then the rules a file's writable entry follows. */
static int add_writable(const char *path, struct sg_app_conf *app, struct sg_error *err)
{
	char real[PATH_MAX];
	struct stat st;
	struct sg_error why;
	if (app->n_writable == SG_MAX_WRITABLE)
		return sg_fail(err, "--writable may be given at most %d times", SG_MAX_WRITABLE);
	if (realpath(path, real) == NULL || stat(real, &st) < 0)
		return sg_fail_errno(err, "--writable %.200s", path);
	if (!S_ISDIR(st.st_mode))
		return sg_fail(err, "--writable %.200s: not a directory", path);
	if (sg_config_check_writable(real, &why) < 0)
		return sg_fail(err, "--writable: %s", why.msg);
	snprintf(app->writable[app->n_writable++], sizeof app->writable[0], "%s", real);
	return 0;
}

int sg_cli_sandbox_option(int opt, const char *val, struct sg_app_conf *app,
			  struct sg_error *err)
{
	struct sg_error why;
	switch (opt) {
	case SG_OPT_NETWORK:
		if (sg_config_parse_network(val, &app->network, &why) < 0)
			return sg_fail(err, "--network: %s", why.msg);
		return 0;
	case SG_OPT_WRITABLE:
		return add_writable(val, app, err);
	case SG_OPT_TMP_SIZE:
		if (sg_config_parse_tmp_size(val, &app->tmp_size, &why) < 0)
			return sg_fail(err, "--tmp-size: %s", why.msg);
		return 0;
	case SG_OPT_POLICY:
		if (sg_config_check_policy(val, &why) < 0)
			return sg_fail(err, "--policy: %s", why.msg);
		snprintf(app->policy, sizeof app->policy, "%s", val);
		return 0;
	case SG_OPT_SECCOMP_LOG:
		app->seccomp_log = true;
		return 0;
	case SG_OPT_NO_SECCOMP:
		app->seccomp = false;
		return 0;
	}
	return sg_fail(err, "internal error: option %d not handled", opt);
}

/* Run once all options are in, like the file's combination checks. */
int sg_cli_sandbox_check(const struct sg_app_conf *app, bool policy_given,
			 struct sg_error *err)
{
	if (!app->seccomp && app->seccomp_log)
		return sg_fail(err, "--seccomp-log needs the seccomp filter, which --no-seccomp "
				    "turns off");
	if (!app->seccomp && policy_given)
		return sg_fail(err, "--policy names a seccomp policy, which --no-seccomp turns off");
	return 0;
}
