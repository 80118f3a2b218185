/* `sandgate check -c FILE`: validate a configuration and start nothing.
 * Everything serve would refuse is reported, all at once, each problem as
 * "FILE:LINE: message"; on top of the parse and the run-as rules it checks
 * what only the file system can tell: that module files and the chdir and
 * venv directories exist. */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi_apps.h"
#include "config.h"
#include "sandbox/policy_dir.h"
#include "users.h"

static void usage(FILE *out)
{
	fputs("usage: sandgate check -c FILE\n"
	      "       sandgate check --probe [-c FILE]\n"
	      "       sandgate check [-c FILE] --user NAME\n"
	      "Validates a configuration file as `sandgate serve -c FILE` would read it,\n"
	      "starts nothing. Run it as the user who will run serve: the run-as and\n"
	      "socket_group rules differ for root. Exit status 0 when the file is ok,\n"
	      "1 otherwise.\n"
	      "--probe tries each sandbox layer on this host (namespaces, cgroups,\n"
	      "seccomp, Landlock...) and prints one line per layer; exit status 1 when\n"
	      "a layer every cell needs is missing.\n"
	      "--user NAME reads NAME's self-service file as serve would (run it as root;\n"
	      "FILE defaults to " SG_SYSTEM_CONFIG ") and prints its problems or ok.\n",
	      out);
}

static const struct option check_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "probe", no_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0 with *file, *probe and *user set, 1 after --help, -1 with err. */
static int parse_args(int argc, char **argv, const char **file, bool *probe, const char **user,
		      struct sg_error *err)
{
	int ch;
	*file = NULL;
	*probe = false;
	*user = NULL;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:h", check_options, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 1;
		}
		if (ch == ':')
			return sg_fail(err, "%.64s needs a value", argv[optind - 1]);
		if (ch == '?')
			return sg_fail(err, "unknown option \"%.64s\"", argv[optind - 1]);
		if (ch == 'p')
			*probe = true;
		else if (ch == 'u')
			*user = optarg;
		else
			*file = optarg;
	}
	if (optind < argc)
		return sg_fail(err, "unexpected argument \"%.64s\"", argv[optind]);
	if (*file == NULL && !*probe && *user == NULL)
		return sg_fail(err, "missing -c FILE");
	return 0;
}

static bool exists_as(const char *path, mode_t type, const char **why)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*why = strerror(errno);
		return false;
	}
	if ((st.st_mode & S_IFMT) != type) {
		*why = type == S_IFDIR ? "not a directory" : "not a regular file";
		return false;
	}
	return true;
}

/* What only the file system can tell; returns the number of problems. */
static int check_app_files(const char *source, const struct sg_app_conf *app,
			   struct sg_diags *d)
{
	struct sg_module_spec spec;
	const char *why;
	int problems = 0;
	if (sg_module_spec_parse(app->module, &spec, NULL) == 0 && spec.is_file &&
	    !exists_as(spec.target, S_IFREG, &why)) {
		sg_diags_add(d, source, app->line, "app \"%s\": module file %s: %s", app->name,
			     spec.target, why);
		problems++;
	}
	if (app->chdir[0] != '\0' && !exists_as(app->chdir, S_IFDIR, &why)) {
		sg_diags_add(d, source, app->line, "app \"%s\": chdir %s: %s", app->name,
			     app->chdir, why);
		problems++;
	}
	if (app->venv[0] != '\0' && !exists_as(app->venv, S_IFDIR, &why)) {
		sg_diags_add(d, source, app->line, "app \"%s\": venv %s: %s", app->name, app->venv,
			     why);
		problems++;
	}
	return problems;
}

/* The line a message is about: "FILE:LINE: ..." (0 for "FILE: ..."). */
static long line_of(const char *msg, size_t file_len)
{
	if (strlen(msg) <= file_len || msg[file_len] != ':')
		return 0;
	return strtol(msg + file_len + 1, NULL, 10);
}

/* Parse, run-as and file-system problems arrive in that order; they read
 * better in the order of the file. */
static void print_by_line(const struct sg_diags *d, const char *file)
{
	size_t file_len = strlen(file);
	int order[SG_DIAGS_MAX];
	for (int i = 0; i < d->n; i++) {
		int j = i;
		long line = line_of(d->msg[i], file_len);
		for (; j > 0 && line_of(d->msg[order[j - 1]], file_len) > line; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (int i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[order[i]]);
}

static bool seen_policy(const struct sg_config *cfg, int upto, const char *policy)
{
	for (int i = 0; i < upto; i++)
		if (cfg->apps[i].seccomp && strcmp(cfg->apps[i].policy, policy) == 0)
			return true;
	return false;
}

/* Every app's policies/NAME.policy must exist and compile, as at a cell
 * start; a file shared by several apps is compiled once. Returns the
 * number of problems. */
static int check_policies(const struct sg_config *cfg, struct sg_diags *d)
{
	char dir[PATH_MAX], name[SG_NAME_MAX + 8];
	struct sg_error err;
	int problems = 0;
	bool dir_ok = sg_policy_dir(dir, sizeof dir, &err) == 0;
	for (int i = 0; i < cfg->n_apps; i++) {
		const struct sg_app_conf *app = &cfg->apps[i];
		if (!app->seccomp)
			continue;
		if (!dir_ok) {
			sg_diags_add(d, cfg->source, app->line, "app \"%s\": %s", app->name, err.msg);
			problems++;
			continue;
		}
		snprintf(name, sizeof name, "%s.policy", app->policy);
		if (!sg_policy_exists(dir, name)) {
			sg_diags_add(d, cfg->source, app->line,
				     "app \"%s\": policy \"%s\": there is no %s/%s", app->name,
				     app->policy, dir, name);
			problems++;
		} else if (!seen_policy(cfg, i, app->policy) &&
			   sg_policy_check(name, sg_diags_add, d) < 0) {
			problems++;
		}
	}
	return problems;
}

/* seccomp = false is allowed (for `make bench`), never quietly. */
static void warn_no_seccomp(const struct sg_config *cfg)
{
	for (int i = 0; i < cfg->n_apps; i++)
		if (!cfg->apps[i].seccomp)
			fprintf(stderr, "%s:%d: warning: app \"%s\": seccomp is off (seccomp = "
					"false): the cell has no syscall filter\n",
				cfg->source, cfg->apps[i].line, cfg->apps[i].name);
}

int sg_cmd_check(int argc, char **argv)
{
	const char *file, *user;
	bool probe;
	struct sg_error err;
	int rc = parse_args(argc, argv, &file, &probe, &user, &err);
	if (rc != 0) {
		if (rc < 0) {
			fprintf(stderr, "sandgate check: %s\n", err.msg);
			usage(stderr);
		}
		return rc < 0 ? 1 : 0;
	}
	int probe_rc = probe ? sg_cmd_probe() : 0;
	if (user != NULL)
		return sg_cmd_check_user(file != NULL ? file : SG_SYSTEM_CONFIG, user) || probe_rc;
	if (file == NULL)
		return probe_rc;

	struct sg_config cfg;
	struct sg_diags d = { 0 };
	bool failed = sg_config_load(file, &cfg, &d) < 0;
	/* Go on with whatever parsed, to report as much as possible at once. */
	if (sg_config_resolve(&cfg, geteuid(), &d) < 0)
		failed = true;
	for (int i = 0; i < cfg.n_apps; i++)
		if (check_app_files(cfg.source, &cfg.apps[i], &d) > 0)
			failed = true;
	/* Each app's seccomp policy: serve would refuse to start its cell. */
	if (check_policies(&cfg, &d) > 0)
		failed = true;
	if (sg_cmd_check_cgi(&cfg, &d) > 0)
		failed = true;

	print_by_line(&d, file);
	warn_no_seccomp(&cfg);
	if (failed)
		printf("%s: %d problem%s\n", file, d.n, d.n == 1 ? "" : "s");
	else
		printf("%s: ok\n", file);
	sg_config_free(&cfg);
	sg_diags_free(&d);
	return failed || probe_rc != 0 ? 1 : 0;
}
