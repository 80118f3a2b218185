#include "gateway/worker/args.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/cellproto.h"
#include "gateway/log.h"

enum {
	OPT_NAME = 256,
	OPT_APP,
	OPT_CGI,
	OPT_CHDIR,
	OPT_PYTHONPATH,
	OPT_VENV,
	OPT_PREFIX,
	OPT_PROCESSES, OPT_MIN_WORKERS,
	OPT_MAX_REQUESTS,
	OPT_TIMEOUT,
	OPT_MAX_BODY,
	OPT_LISTEN_FD,
	OPT_ACCESS_LOG,
	OPT_SECCOMP,
	OPT_SECCOMP_LOG,
	OPT_LOG_LEVEL,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "app", required_argument, NULL, OPT_APP },
	{ "cgi", no_argument, NULL, OPT_CGI },
	{ "chdir", required_argument, NULL, OPT_CHDIR },
	{ "pythonpath", required_argument, NULL, OPT_PYTHONPATH },
	{ "venv", required_argument, NULL, OPT_VENV },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "processes", required_argument, NULL, OPT_PROCESSES },
	{ "min-workers", required_argument, NULL, OPT_MIN_WORKERS },
	{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },
	{ "listen-fd", no_argument, NULL, OPT_LISTEN_FD },
	{ "access-log", no_argument, NULL, OPT_ACCESS_LOG },
	{ "seccomp", no_argument, NULL, OPT_SECCOMP },
	{ "seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

const char *sg_worker_usage(void)
{
	return "usage: sandgate-worker --name NAME (--app SPEC | --cgi) [--chdir DIR]\n"
	       "       [--pythonpath DIR]...\n"
	       "       [--venv DIR] [--prefix PREFIX] --processes N [--min-workers N]\n"
	       "       [--max-requests N]\n"
	       "       [--timeout SECONDS] [--max-body BYTES] [--listen-fd] [--access-log]\n"
	       "       [--seccomp [--seccomp-log]] [--log-level debug|info|warn|error]\n"
	       "\n"
	       "The process inside a sandgate cell: imports a WSGI app once, then forks\n"
	       "N workers that serve requests. It is started by the sandgate gateway\n"
	       "with descriptors 3-8 set up as described in gateway/cellproto.h.\n"
	       "\n"
	       "  --seccomp  fd 8 (SG_FD_SECCOMP) is a sealed memfd holding a compiled\n"
	       "        seccomp program (struct sock_filter[]). It is read and closed\n"
	       "        before the app is imported, and loaded after the import and\n"
	       "        gc.freeze(), before the first worker is forked: the zygote and\n"
	       "        every worker run under it. A program that cannot be read or\n"
	       "        loaded stops the cell, like a failed import.\n"
	       "\n"
	       "  --seccomp-log  the program's default action is SIGSYS: a handler\n"
	       "        installed before it is loaded logs \"seccomp: denied NAME (nr N)\"\n"
	       "        to fd 2 and makes the call fail with EPERM.\n"
	       "\n"
	       "  --cgi  run CGI scripts instead of an app: each routed request\n"
	       "        (SG_PROTO_CGI_LAUNCH or SG_PROTO_CGI_SCGI) names a script, which\n"
	       "        runs in a process of its own, forked for that request; Python\n"
	       "        scripts from the warm interpreter, others with execveat.\n"
	       "        Not with --app or --listen-fd.\n"
	       "\n"
	       "  SPEC  path/file.py[:callable] or pkg.module[:callable]; the callable\n"
	       "        defaults to 'application', then 'app'. A relative path starts\n"
	       "        at --chdir if given. The working directory is --chdir, else\n"
	       "        the file's directory.\n";
}

/* Parses a decimal unsigned number in [min, max]: digits only. */
static int parse_uint(const char *text, const char *what, uint64_t min, uint64_t max,
		      uint64_t *out, struct sg_error *err)
{
	if (text[0] < '0' || text[0] > '9')
		return sg_fail(err, "--%s: \"%s\" is not a number", what, text);
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return sg_fail(err, "--%s: \"%s\" is not a number", what, text);
	if (v < min || v > max)
		return sg_fail(err, "--%s: %s is outside %llu..%llu", what, text,
			       (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int check_name(const char *name, struct sg_error *err)
{
	size_t len = strlen(name);
	if (len == 0 || len >= SG_WORKER_NAME_MAX)
		return sg_fail(err, "--name must be 1..%d characters", SG_WORKER_NAME_MAX - 1);
	/* '~' joins a user's app to its owner: "sg-alice~blog" (config_users.h). */
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~") !=
	    len)
		return sg_fail(err, "--name \"%s\": only letters, digits, '_', '.', '-' and '~'",
			       name);
	return 0;
}

/* "" or "/seg[/seg...]" without a trailing '/' (F1). */
static int check_prefix(const char *prefix, struct sg_error *err)
{
	size_t len = strlen(prefix);
	if (len == 0)
		return 0;
	if (len >= SG_WORKER_PREFIX_MAX)
		return sg_fail(err, "--prefix is longer than %d bytes", SG_WORKER_PREFIX_MAX - 1);
	if (prefix[0] != '/' || prefix[len - 1] == '/')
		return sg_fail(err, "--prefix \"%s\" must start with '/' and not end with it",
			       prefix);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)prefix[i] <= 0x20 || prefix[i] == 0x7f || prefix[i] == '%' ||
		    prefix[i] == '?' || prefix[i] == '#')
			return sg_fail(err, "--prefix \"%s\" has a character not allowed in a path",
				       prefix);
	return 0;
}

static int take_option(int opt, const char *val, struct sg_worker_args *a, struct sg_error *err)
{
	uint64_t n;
	switch (opt) {
	case OPT_NAME: a->name = val; return check_name(val, err);
	case OPT_APP: a->app = val; return val[0] ? 0 : sg_fail(err, "--app is empty");
	case OPT_CGI: a->cgi = true; return 0;
	case OPT_CHDIR: a->chdir = val; return 0;
	case OPT_VENV: a->venv = val; return 0;
	case OPT_PREFIX: a->prefix = val; return check_prefix(val, err);
	case OPT_PYTHONPATH:
		if (a->n_pythonpath == SG_WORKER_MAX_PYTHONPATH)
			return sg_fail(err, "more than %d --pythonpath", SG_WORKER_MAX_PYTHONPATH);
		a->pythonpath[a->n_pythonpath++] = val;
		return 0;
	case OPT_PROCESSES:
		if (parse_uint(val, "processes", 1, SG_MAX_WORKERS, &n, err) < 0)
			return -1;
		a->processes = (int)n;
		return 0;
	case OPT_MIN_WORKERS:
		if (parse_uint(val, "min-workers", 1, SG_MAX_WORKERS, &n, err) < 0)
			return -1;
		a->min_workers = (int)n;
		return 0;
	case OPT_MAX_REQUESTS:
		return parse_uint(val, "max-requests", 0, UINT32_MAX, &a->max_requests, err);
	case OPT_TIMEOUT:
		if (parse_uint(val, "timeout", 1, SG_WORKER_MAX_TIMEOUT, &n, err) < 0)
			return -1;
		a->timeout = (int)n;
		return 0;
	case OPT_MAX_BODY:
		return parse_uint(val, "max-body", 0, UINT64_MAX / 2, &a->max_body, err);
	case OPT_LISTEN_FD: a->listen_fd = true; return 0;
	case OPT_ACCESS_LOG: a->access_log = true; return 0;
	case OPT_SECCOMP: a->seccomp = true; return 0;
	case OPT_SECCOMP_LOG: a->seccomp_log = true; return 0;
	case OPT_LOG_LEVEL:
		a->log_level = sg_log_level_parse(val);
		return a->log_level < 0 ? sg_fail(err, "--log-level \"%s\" is unknown", val) : 0;
	case OPT_HELP: a->help = true; return 0;
	default: return sg_fail(err, "unknown option (see --help)");
	}
}

int sg_worker_args_parse(int argc, char **argv, struct sg_worker_args *a, struct sg_error *err)
{
	*a = (struct sg_worker_args){
		.prefix = "",
		.timeout = SG_WORKER_DEFAULT_TIMEOUT,
		.max_body = SG_WORKER_DEFAULT_MAX_BODY,
		.log_level = SG_LOG_INFO,
	};
	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return sg_fail(err, "bad option \"%s\" (see --help)", argv[optind - 1]);
		if (take_option(opt, optarg, a, err) < 0)
			return -1;
	}
	if (a->help)
		return 0;
	if (optind < argc)
		return sg_fail(err, "unexpected argument \"%s\"", argv[optind]);
	if (a->name == NULL)
		return sg_fail(err, "--name is required");
	if (a->cgi && a->app != NULL)
		return sg_fail(err, "--cgi runs scripts: not with --app");
	if (a->cgi && a->listen_fd)
		return sg_fail(err, "--cgi takes routed requests only: not with --listen-fd");
	if (!a->cgi && a->app == NULL)
		return sg_fail(err, "--app (or --cgi) is required");
	if (a->processes == 0)
		return sg_fail(err, "--processes is required");
	if (a->min_workers > a->processes)
		return sg_fail(err, "--min-workers %d is more than --processes %d", a->min_workers,
			       a->processes);
	if (a->seccomp_log && !a->seccomp)
		return sg_fail(err, "--seccomp-log needs --seccomp");
	return 0;
}
