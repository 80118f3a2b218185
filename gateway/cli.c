/* `sandgate serve [options] APP`: the command-line shorthand that needs no
 * configuration file. It builds the same struct sg_config a file would
 * (source "command line", one app, lines 0), or hands back the -c FILE for
 * the caller to load. Options are documented in README.md ("sandgate serve options") and
 * by sg_cli_serve_usage.
 *
 * --scgi is the one option with two meanings: the first --scgi is the
 * app's own socket (the direct path: its workers accept on it), and each
 * further --scgi is a routed SCGI listener, like `listeners` in a file. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_sandbox.h"
#include "log.h"

enum {
	OPT_HTTP = 256, OPT_SCGI, OPT_PROCESSES, OPT_CHDIR, OPT_PYTHONPATH, OPT_VENV, OPT_USER,
	OPT_MAX_REQUESTS, OPT_TIMEOUT, OPT_LOG_LEVEL, OPT_SOCKET_MODE, OPT_ALLOW_UID, OPT_PREFIX,
	OPT_MAX_BODY, OPT_ACCESS_LOG, OPT_LOG, OPT_SOCKET_GROUP, OPT_MEMORY, OPT_PIDS, OPT_CPU,
	OPT_MAX_START_FAILURES, OPT_IDLE_TIMEOUT, OPT_QUEUE_TIMEOUT,
	OPT_END,
};

static const struct option long_options[] = {
	{ "http", required_argument, NULL, OPT_HTTP },
	{ "scgi", required_argument, NULL, OPT_SCGI },
	{ "processes", required_argument, NULL, OPT_PROCESSES },
	{ "chdir", required_argument, NULL, OPT_CHDIR },
	{ "pythonpath", required_argument, NULL, OPT_PYTHONPATH },
	{ "venv", required_argument, NULL, OPT_VENV },
	{ "user", required_argument, NULL, OPT_USER },
	{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "max-start-failures", required_argument, NULL, OPT_MAX_START_FAILURES },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "queue-timeout", required_argument, NULL, OPT_QUEUE_TIMEOUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "access-log", required_argument, NULL, OPT_ACCESS_LOG },
	{ "log", required_argument, NULL, OPT_LOG },
	SG_CLI_SANDBOX_OPTIONS,
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void sg_cli_serve_usage(FILE *out)
{
	fputs("usage: sandgate serve [options] APP\n"
	      "       sandgate serve -c FILE\n"
	      "\n"
	      "APP is a WSGI app: path/to/file.py[:callable] or package.module[:callable];\n"
	      "the callable defaults to 'application', then 'app'.\n"
	      "\n"
	      "Where requests come in (default: --http 127.0.0.1:8080):\n"
	      "  --http ADDR            HTTP listener; ADDR is HOST:PORT, [V6]:PORT or\n"
	      "                         unix:/path (repeatable)\n"
	      "  --scgi ADDR            the first: the app's own SCGI socket, which its workers\n"
	      "                         accept on (direct path); each further one: a routed\n"
	      "                         SCGI listener (repeatable)\n"
	      "  --socket-mode OCTAL    mode of the Unix sockets created here\n"
	      "                         (default 0660 for SCGI, 0600 for HTTP)\n"
	      "  --socket-group GROUP   group (name or gid) of the Unix sockets created here,\n"
	      "                         e.g. www-data for the front end (default: yours)\n"
	      "  --allow-uid UID|NAME   also let this user connect to an --http unix: socket\n"
	      "                         (repeatable; default: the socket's owner only)\n"
	      "  --prefix PREFIX        mount the app under PREFIX, e.g. /blog (SCRIPT_NAME)\n"
	      "\n"
	      "The app:\n"
	      "  --chdir DIR            working directory\n"
	      "  --pythonpath DIR       add DIR to sys.path (repeatable)\n"
	      "  --venv DIR             use the virtualenv in DIR\n"
	      "  --user NAME            run as NAME (root only; root's default is nobody)\n"
	      "  --processes N          worker processes, 1-128 (default 2)\n"
	      "  --max-requests N       recycle a worker after N requests (default 0: never)\n"
	      "  --timeout SECONDS      per request, 1-86400 (default 60)\n"
	      "  --max-body BYTES       largest request body; 413 above (default 1073741824)\n"
	      "  --max-start-failures N failed starts in a row before the app is marked\n"
	      "                         failed until a reload, 0-1000 (default 5; 0: never)\n"
	      "  --idle-timeout SECONDS on demand: no cell until a request, stopped after\n"
	      "                         SECONDS without one (default 0: always running)\n"
	      "  --queue-timeout SECONDS how long a request waits for the cell to start or a\n"
	      "                         free worker, 1-3600 (default 30)\n"
	      "\n"
	      "The cell's limits (cgroup; max = none):\n"
	      "  --memory SIZE          memory of the whole cell: bytes, or 512M, 2G...\n"
	      "                         (default: none)\n"
	      "  --pids N               processes and threads in the cell (default: 512 as\n"
	      "                         root, none otherwise)\n"
	      "  --cpu CPUS             CPU time: a fraction of one CPU (0.5) or a percentage\n"
	      "                         (50%) (default: none)\n"
	      "  Without root, a limit needs a delegated cgroup, or the cell does not start.\n"
	      "\n"
	      SG_CLI_SANDBOX_USAGE
	      "Logs:\n"
	      "  --log FILE             the app's output and tracebacks (default: the gateway's log)\n"
	      "  --access-log FILE      one line per request (default: none)\n"
	      "  --log-level LEVEL      debug, info, warn or error (default info)\n"
	      "\n"
	      "  -c, --config FILE      take everything from a configuration file instead\n"
	      "  -h, --help             show this help\n",
	      out);
}

/* What the options said, before it becomes a struct sg_config. */
struct serve_args {
	const char *config_file;
	const char *app_spec;
	bool help;
	bool seen[SG_OPT_SANDBOX_END]; /* options that may be given once */
	int n_options;         /* options other than -c and -h */
	const char *http[SG_MAX_LISTENERS];
	int n_http;
	const char *scgi[SG_MAX_LISTENERS + 1];
	int n_scgi;
	const char *allow[SG_MAX_ALLOW_UIDS];
	int n_allow;
	int socket_mode;       /* -1: the default for each kind of socket */
	const char *socket_group; /* NULL: the gateway's own group */
	struct sg_app_conf *app;
	struct sg_config *cfg;
};

static const char *option_name(int val)
{
	for (const struct option *o = long_options; o->name != NULL; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

/* A whole decimal number in min..max: no sign, no spaces, no suffix. */
static int parse_number(int opt, const char *text, long long min, long long max,
			long long *out, struct sg_error *err)
{
	bool ok = text[0] >= '0' && text[0] <= '9';
	char *end = NULL;
	errno = 0;
	long long value = ok ? strtoll(text, &end, 10) : 0;
	ok = ok && errno == 0 && *end == '\0' && value >= min && value <= max;
	if (!ok && max == LLONG_MAX)
		return sg_fail(err, "--%s: expected an integer of at least %lld, got \"%.64s\"",
			       option_name(opt), min, text);
	if (!ok)
		return sg_fail(err, "--%s: expected an integer %lld-%lld, got \"%.64s\"",
			       option_name(opt), min, max, text);
	*out = value;
	return 0;
}

static int parse_int_option(int opt, const char *text, int min, int max, int *out,
			    struct sg_error *err)
{
	long long value;
	if (parse_number(opt, text, min, max, &value, err) < 0)
		return -1;
	*out = (int)value;
	return 0;
}

static int copy_path(int opt, const char *given, const char *path, char *out, size_t size,
		     struct sg_error *err)
{
	if (strlen(path) >= size)
		return sg_fail(err, "--%s %.64s: path is too long", option_name(opt), given);
	strcpy(out, path);
	return 0;
}

/* An existing directory: its real path (the operator's own argument). */
static int real_dir(int opt, const char *path, char *out, size_t size, struct sg_error *err)
{
	char real[PATH_MAX];
	struct stat st;
	if (realpath(path, real) == NULL || stat(real, &st) < 0)
		return sg_fail_errno(err, "--%s %.200s", option_name(opt), path);
	if (!S_ISDIR(st.st_mode))
		return sg_fail(err, "--%s %.200s: not a directory", option_name(opt), path);
	return copy_path(opt, path, real, out, size, err);
}

/* A file that may not exist yet: the real path of its directory, then its
 * name. opt names it in messages (0: the APP argument). */
static int real_file(int opt, const char *path, char *out, size_t size, struct sg_error *err)
{
	char label[256], dir[PATH_MAX], real[PATH_MAX];
	if (opt != 0)
		snprintf(label, sizeof label, "--%s %.200s", option_name(opt), path);
	else
		snprintf(label, sizeof label, "%.200s", path);
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return sg_fail(err, "%s: names a directory, not a file", label);
	if (slash == NULL)
		strcpy(dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (realpath(dir, real) == NULL)
		return sg_fail_errno(err, "%s", label);
	int n = snprintf(out, size, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
	if (n < 0 || (size_t)n >= size)
		return sg_fail(err, "%s: path is too long", label);
	return 0;
}

static int apply_user(const char *name, struct sg_app_conf *app, struct sg_error *err)
{
	if (name[0] == '\0' || name[0] == '-' || strpbrk(name, " /:") != NULL ||
	    strlen(name) >= sizeof app->user)
		return sg_fail(err, "--user: \"%.64s\" is not a valid user name", name);
	strcpy(app->user, name);
	return 0;
}

static int apply_text_option(struct serve_args *a, int opt, const char *val,
			     struct sg_error *err)
{
	struct sg_app_conf *app = a->app;
	struct sg_error why;
	switch (opt) {
	case OPT_CHDIR: return real_dir(opt, val, app->chdir, sizeof app->chdir, err);
	case OPT_VENV: return real_dir(opt, val, app->venv, sizeof app->venv, err);
	case OPT_LOG: return real_file(opt, val, app->log, sizeof app->log, err);
	case OPT_ACCESS_LOG:
		return real_file(opt, val, app->access_log, sizeof app->access_log, err);
	case OPT_USER: return apply_user(val, app, err);
	case OPT_PREFIX:
		if (sg_config_check_prefix(val, &why) < 0)
			return sg_fail(err, "--prefix: %s", why.msg);
		strcpy(app->prefix, val);
		return 0;
	case OPT_SOCKET_MODE:
		if (sg_config_parse_mode(val, &a->socket_mode, &why) < 0)
			return sg_fail(err, "--socket-mode: %s", why.msg);
		return 0;
	case OPT_SOCKET_GROUP:
		if (sg_config_check_group(val, &why) < 0)
			return sg_fail(err, "--socket-group: %s", why.msg);
		a->socket_group = val;
		return 0;
	case OPT_MEMORY:
		if (sg_config_parse_memory(val, &app->memory, &why) < 0)
			return sg_fail(err, "--memory: %s", why.msg);
		return 0;
	case OPT_PIDS:
		if (sg_config_parse_pids(val, &app->pids, &why) < 0)
			return sg_fail(err, "--pids: %s", why.msg);
		return 0;
	case OPT_CPU:
		if (sg_config_parse_cpu(val, &app->cpu_us, &why) < 0)
			return sg_fail(err, "--cpu: %s", why.msg);
		return 0;
	case OPT_LOG_LEVEL:
		a->cfg->log_level = sg_log_level_parse(val);
		if (a->cfg->log_level < 0)
			return sg_fail(err, "--log-level: expected debug, info, warn or error, got "
					    "\"%.64s\"", val);
		return 0;
	}
	return sg_fail(err, "internal error: option %d not handled", opt);
}

static int apply_number_option(struct serve_args *a, int opt, const char *val,
			       struct sg_error *err)
{
	struct sg_app_conf *app = a->app;
	switch (opt) {
	case OPT_PROCESSES:
		return parse_int_option(opt, val, 1, SG_MAX_PROCESSES, &app->processes, err);
	case OPT_MAX_REQUESTS:
		return parse_int_option(opt, val, 0, INT_MAX, &app->max_requests, err);
	case OPT_MAX_START_FAILURES:
		return parse_int_option(opt, val, 0, SG_MAX_START_FAILURES, &app->max_start_failures,
					err);
	case OPT_TIMEOUT:
		return parse_int_option(opt, val, 1, SG_MAX_TIMEOUT, &app->timeout, err);
	case OPT_IDLE_TIMEOUT:
		return parse_int_option(opt, val, 0, SG_MAX_IDLE_TIMEOUT, &app->idle_timeout, err);
	case OPT_QUEUE_TIMEOUT:
		return parse_int_option(opt, val, 1, SG_MAX_QUEUE_TIMEOUT, &app->queue_timeout, err);
	case OPT_MAX_BODY:
		return parse_number(opt, val, 0, LLONG_MAX, &app->max_body, err);
	}
	return apply_text_option(a, opt, val, err);
}

/* Repeatable options are collected; they become sockets once all are in. */
static int collect(const char **list, int *n, int max, int opt, const char *val,
		   struct sg_error *err)
{
	if (*n == max)
		return sg_fail(err, "--%s may be given at most %d times", option_name(opt), max);
	list[(*n)++] = val;
	return 0;
}

static int apply_option(struct serve_args *a, int opt, const char *val, struct sg_error *err)
{
	struct sg_app_conf *app = a->app;
	a->n_options++;
	switch (opt) {
	case OPT_HTTP: return collect(a->http, &a->n_http, SG_MAX_LISTENERS, opt, val, err);
	case OPT_SCGI: return collect(a->scgi, &a->n_scgi, SG_MAX_LISTENERS + 1, opt, val, err);
	case OPT_ALLOW_UID:
		return collect(a->allow, &a->n_allow, SG_MAX_ALLOW_UIDS, opt, val, err);
	case OPT_PYTHONPATH:
		if (app->n_pythonpath == SG_MAX_PYTHONPATH)
			return sg_fail(err, "--pythonpath may be given at most %d times",
				       SG_MAX_PYTHONPATH);
		if (real_dir(opt, val, app->pythonpath[app->n_pythonpath],
			     sizeof app->pythonpath[0], err) < 0)
			return -1;
		app->n_pythonpath++;
		return 0;
	}
	if (opt != SG_OPT_WRITABLE) {
		if (a->seen[opt])
			return sg_fail(err, "--%s is given twice", option_name(opt));
		a->seen[opt] = true;
	}
	if (opt >= SG_OPT_NETWORK)
		return sg_cli_sandbox_option(opt, val, app, err);
	return apply_number_option(a, opt, val, err);
}

static int bad_option(int ch, char **argv, struct sg_error *err)
{
	const char *given = argv[optind - 1];
	if (ch == ':') {
		if (optopt == 'c')
			return sg_fail(err, "-c needs a FILE");
		return sg_fail(err, "--%s needs a value", option_name(optopt));
	}
	if (optopt != 0)
		return sg_fail(err, "unknown option \"-%c\" (see --help)", optopt);
	return sg_fail(err, "unknown or ambiguous option \"%.64s\" (see --help)", given);
}

static int read_options(int argc, char **argv, struct serve_args *a, struct sg_error *err)
{
	int ch;
	optind = 0; /* glibc: start afresh, whatever parsed argv before */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:h", long_options, NULL)) != -1) {
		if (ch == 'h') {
			a->help = true;
		} else if (ch == 'c') {
			if (a->config_file != NULL)
				return sg_fail(err, "-c is given twice");
			a->config_file = optarg;
		} else if (ch == ':' || ch == '?') {
			return bad_option(ch, argv, err);
		} else if (apply_option(a, ch, optarg, err) < 0) {
			return -1;
		}
	}
	if (optind < argc)
		a->app_spec = argv[optind];
	if (optind + 1 < argc)
		return sg_fail(err, "unexpected argument \"%.64s\": serve takes one APP",
			       argv[optind + 1]);
	return 0;
}

/* ---- from the collected options to the model ---- */

/* "unix:relative.sock" becomes absolute against the current directory. */
static int parse_address(int opt, const char *text, struct sg_addr *out, struct sg_error *err)
{
	char full[PATH_MAX + 8];
	struct sg_error why;
	if (strncmp(text, "unix:", 5) == 0 && text[5] != '/' && text[5] != '\0') {
		strcpy(full, "unix:");
		if (real_file(opt, text + 5, full + 5, sizeof full - 5, err) < 0)
			return -1;
		text = full;
	}
	if (sg_addr_parse(text, out, &why) < 0)
		return sg_fail(err, "--%s: %s", option_name(opt), why.msg);
	return 0;
}

/* The app's name: the file's stem, or the module's last dotted part,
 * with anything outside [A-Za-z0-9_.-] replaced by '_'. */
static void app_name_from(const struct sg_module_spec *spec, char *out, size_t size)
{
	const char *mark = strrchr(spec->target, spec->is_file ? '/' : '.');
	const char *base = mark != NULL ? mark + 1 : spec->target;
	size_t len = strlen(base);
	if (spec->is_file && len > 3 && strcmp(base + len - 3, ".py") == 0)
		len -= 3;
	if (len >= size)
		len = size - 1;
	for (size_t i = 0; i < len; i++) {
		char ch = base[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
		out[i] = ok ? ch : '_';
	}
	out[len] = '\0';
	if (sg_config_check_name(out, NULL) < 0)
		snprintf(out, size, "app");
}

static int build_module(const char *text, struct sg_app_conf *app, struct sg_error *err)
{
	struct sg_module_spec spec;
	char path[PATH_MAX];
	struct stat st;
	if (sg_module_spec_parse(text, &spec, err) < 0)
		return -1;
	app_name_from(&spec, app->name, sizeof app->name);
	if (!spec.is_file) {
		strcpy(app->module, text);
		return 0;
	}
	if (real_file(0, spec.target, path, sizeof path, err) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return sg_fail_errno(err, "%.200s", spec.target);
	if (!S_ISREG(st.st_mode))
		return sg_fail(err, "%.200s: not a regular file", spec.target);
	int n = snprintf(app->module, sizeof app->module, "%s%s%s", path,
			 spec.callable[0] ? ":" : "", spec.callable);
	if (n < 0 || (size_t)n >= sizeof app->module)
		return sg_fail(err, "%.64s: path is too long", text);
	return 0;
}

static int check_unique_addresses(const struct serve_args *a, struct sg_error *err)
{
	const char *all[2 * SG_MAX_LISTENERS + 1];
	int n = 0;
	for (int i = 0; i < a->n_http; i++)
		all[n++] = a->http[i];
	for (int i = 0; i < a->n_scgi; i++)
		all[n++] = a->scgi[i];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(all[i], all[j]) == 0)
				return sg_fail(err, "address %.100s is given twice", all[i]);
	if (a->n_http + (a->n_scgi > 0 ? a->n_scgi - 1 : 0) > SG_MAX_LISTENERS)
		return sg_fail(err, "at most %d listeners are supported", SG_MAX_LISTENERS);
	return 0;
}

static int allow_entry(const char *text, struct sg_listener_conf *l, struct sg_error *err)
{
	int i = l->n_allow_uids;
	if (text[0] >= '0' && text[0] <= '9') {
		long long uid;
		if (parse_number(OPT_ALLOW_UID, text, 0, (long long)UINT32_MAX - 1, &uid, err) < 0)
			return -1;
		l->allow_uids[i] = (uid_t)uid;
	} else {
		if (text[0] == '\0' || strlen(text) >= sizeof l->allow_names[i])
			return sg_fail(err, "--allow-uid: \"%.64s\" is not a uid or user name", text);
		strcpy(l->allow_names[i], text);
		l->allow_uids[i] = (uid_t)-1; /* looked up by sg_config_resolve */
	}
	l->n_allow_uids++;
	return 0;
}

static int add_listener(struct serve_args *a, enum sg_listener_kind kind, const char *text,
			struct sg_error *err)
{
	struct sg_config *cfg = a->cfg;
	struct sg_listener_conf *l = &cfg->listeners[cfg->n_listeners];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->socket_gid = (gid_t)-1;
	if (parse_address(kind == SG_LISTEN_HTTP ? OPT_HTTP : OPT_SCGI, text, &l->addr, err) < 0)
		return -1;
	l->socket_mode = a->socket_mode >= 0 ? a->socket_mode : kind == SG_LISTEN_HTTP ? 0600
										        : 0660;
	if (l->addr.is_unix && a->socket_group != NULL)
		strcpy(l->socket_group, a->socket_group);
	for (int i = 0; kind == SG_LISTEN_HTTP && l->addr.is_unix && i < a->n_allow; i++)
		if (allow_entry(a->allow[i], l, err) < 0)
			return -1;
	cfg->n_listeners++;
	return 0;
}

static int build_sockets(struct serve_args *a, struct sg_error *err)
{
	static const char default_http[] = "127.0.0.1:8080";
	struct sg_app_conf *app = a->app;
	if (a->n_http == 0 && a->n_scgi == 0)
		a->http[a->n_http++] = default_http;
	if (check_unique_addresses(a, err) < 0)
		return -1;
	a->cfg->listeners = calloc((size_t)a->n_http + (size_t)a->n_scgi, sizeof *a->cfg->listeners);
	if (a->cfg->listeners == NULL)
		return sg_fail(err, "out of memory");
	for (int i = 0; i < a->n_http; i++)
		if (add_listener(a, SG_LISTEN_HTTP, a->http[i], err) < 0)
			return -1;
	for (int i = 1; i < a->n_scgi; i++)
		if (add_listener(a, SG_LISTEN_SCGI, a->scgi[i], err) < 0)
			return -1;
	if (a->n_scgi > 0) {
		if (parse_address(OPT_SCGI, a->scgi[0], &app->socket, err) < 0)
			return -1;
		app->has_socket = true;
		app->socket_mode = a->socket_mode >= 0 ? a->socket_mode : 0660;
		if (app->socket.is_unix && a->socket_group != NULL)
			strcpy(app->socket_group, a->socket_group);
	}
	return 0;
}

/* S8: anyone who can connect to an SCGI socket can forge REMOTE_USER,
 * HTTPS or SCRIPT_NAME. An --http unix: socket is guarded by SO_PEERCRED.
 * --allow-uid and --socket-group need a Unix socket to apply to. */
static int check_modes(const struct serve_args *a, struct sg_error *err)
{
	bool scgi_unix = a->app->has_socket && a->app->socket.is_unix;
	bool http_unix = false;
	for (int i = 0; i < a->cfg->n_listeners; i++) {
		const struct sg_listener_conf *l = &a->cfg->listeners[i];
		scgi_unix = scgi_unix || (l->kind == SG_LISTEN_SCGI && l->addr.is_unix);
		http_unix = http_unix || (l->kind == SG_LISTEN_HTTP && l->addr.is_unix);
	}
	if (scgi_unix && a->socket_mode >= 0 && (a->socket_mode & 0002))
		return sg_fail(err, "--socket-mode %#o lets every local user connect to the SCGI "
				    "socket and forge SCGI variables (S8); drop the write bit for "
				    "others", a->socket_mode);
	if (a->n_allow > 0 && !http_unix)
		return sg_fail(err, "--allow-uid needs an --http unix:PATH listener");
	if (a->socket_group != NULL && !scgi_unix && !http_unix)
		return sg_fail(err, "--socket-group needs a Unix socket: --http unix:PATH or "
				    "--scgi unix:PATH");
	return 0;
}

static int build_config(struct serve_args *a, struct sg_error *err)
{
	if (a->app_spec == NULL)
		return sg_fail(err, "missing APP: sandgate serve [options] APP, or sandgate serve "
				    "-c FILE");
	struct sg_error why;
	if (sg_config_check_pids(a->app->pids, a->app->processes, &why) < 0)
		return sg_fail(err, "--pids: %s", why.msg);
	if (sg_cli_sandbox_check(a->app, a->seen[SG_OPT_POLICY], err) < 0)
		return -1;
	if (build_module(a->app_spec, a->app, err) < 0 || build_sockets(a, err) < 0 ||
	    check_modes(a, err) < 0)
		return -1;
	a->cfg->apps = a->app;
	a->cfg->n_apps = 1;
	a->app = NULL;
	return 0;
}

int sg_cli_parse_serve(int argc, char **argv, struct sg_config *cfg, const char **config_file,
		       struct sg_error *err)
{
	struct serve_args a = { .socket_mode = -1, .cfg = cfg };
	*config_file = NULL;
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->source, sizeof cfg->source, "command line");
	cfg->log_level = SG_LOG_INFO;
	cfg->graceful_timeout = 30;
	a.app = malloc(sizeof *a.app);
	if (a.app == NULL)
		return sg_fail(err, "out of memory");
	sg_config_defaults_app(a.app);

	int rc = read_options(argc, argv, &a, err);
	if (rc == 0 && a.help) {
		sg_cli_serve_usage(stdout);
		rc = 1;
	} else if (rc == 0 && a.config_file != NULL) {
		if (a.app_spec != NULL)
			rc = sg_fail(err, "give either APP or -c FILE, not both");
		else if (a.n_options > 0)
			rc = sg_fail(err, "-c FILE cannot be combined with other options; put "
					  "them in the file");
		else
			*config_file = a.config_file;
	} else if (rc == 0) {
		rc = build_config(&a, err);
	}
	free(a.app);
	if (rc != 0 || *config_file != NULL)
		sg_config_free(cfg);
	return rc;
}
