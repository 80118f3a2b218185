/* `sandgate serve [options] APP`: each option, its defaults and its bad
 * forms. Runs in a scratch directory holding a few app files. */
#include "gateway/config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gateway/log.h"
#include "unit.h"

static struct sg_config cfg;
static struct sg_error err;
static const char *config_file;
static char tmpdir[64];
static char realtmp[PATH_MAX];

/* sandgate serve ARGS...; the list ends with NULL. */
static int serve(const char *first, ...)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"serve";
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	sg_config_free(&cfg);
	memset(&err, 0, sizeof err);
	return sg_cli_parse_serve(argc, argv, &cfg, &config_file, &err);
}

static void expect_error(int rc, const char *want)
{
	CHECK(rc == -1);
	CHECK_STR(err.msg, want);
	CHECK(cfg.n_apps == 0 && cfg.apps == NULL && cfg.listeners == NULL);
}

static const char *sun_path(const struct sg_addr *a)
{
	return a->is_unix ? ((const struct sockaddr_un *)&a->ss)->sun_path : "(not unix)";
}

static char *in_tmp(const char *name)
{
	static char path[4][PATH_MAX + 64];
	static int next;
	char *p = path[next++ % 4];
	if (snprintf(p, sizeof path[0], "%s/%s", realtmp, name) >= (int)sizeof path[0])
		p[0] = '\0';
	return p;
}

/* ---- APP and defaults ------------------------------------------------- */

static void test_defaults(void)
{
	CHECK(serve("app.py", NULL) == 0);
	CHECK(config_file == NULL);
	CHECK_STR(cfg.source, "command line");
	CHECK(cfg.log_level == SG_LOG_INFO && cfg.graceful_timeout == 30 && !cfg.syslog);
	CHECK(cfg.n_apps == 1);
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK_STR(a->name, "app");
	CHECK_STR(a->module, in_tmp("app.py"));
	CHECK(a->processes == 2 && a->timeout == 60 && a->max_requests == 0);
	CHECK(a->max_body == 1LL << 30 && a->queue == 100 && a->line == 0);
	/* Limits not given: the mode's default, put by sg_config_resolve. */
	CHECK(a->memory == SG_LIMIT_DEFAULT && a->pids == SG_LIMIT_DEFAULT);
	CHECK(a->cpu_us == SG_LIMIT_DEFAULT);
	CHECK(!a->has_socket);
	CHECK(a->uid == (uid_t)-1);
	/* Neither --http nor --scgi: --http 127.0.0.1:8080. */
	CHECK(cfg.n_listeners == 1);
	CHECK(cfg.listeners[0].kind == SG_LISTEN_HTTP);
	CHECK_STR(cfg.listeners[0].addr.text, "127.0.0.1:8080");
	CHECK(cfg.listeners[0].line == 0);
}

static void test_app_forms(void)
{
	CHECK(serve("app.py:application", NULL) == 0);
	char want[PATH_MAX];
	snprintf(want, sizeof want, "%s:application", in_tmp("app.py"));
	CHECK_STR(cfg.apps[0].module, want);
	CHECK(serve("./sub/my-app.v2.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].name, "my-app.v2");
	CHECK_STR(cfg.apps[0].module, in_tmp("sub/my-app.v2.py"));
	CHECK(serve(in_tmp("sub/we+ird name.py"), NULL) == 0);
	CHECK_STR(cfg.apps[0].name, "we_ird_name");
	CHECK(serve("package.module:app", NULL) == 0);
	CHECK_STR(cfg.apps[0].name, "module");
	CHECK_STR(cfg.apps[0].module, "package.module:app");
	CHECK(serve("flaskr", NULL) == 0);
	CHECK_STR(cfg.apps[0].name, "flaskr");
	/* Options may come after APP. */
	CHECK(serve("app.py", "--processes", "3", NULL) == 0);
	CHECK(cfg.apps[0].processes == 3);
	CHECK(serve("--", "app.py", NULL) == 0);
}

static void test_app_bad(void)
{
	expect_error(serve("nope.py", NULL), "nope.py: No such file or directory");
	expect_error(serve("nodir/app.py", NULL), "nodir/app.py: No such file or directory");
	expect_error(serve("sub/", NULL), "sub/: names a directory, not a file");
	expect_error(serve("sub.py", NULL), "sub.py: not a regular file");
	expect_error(serve("app.py:1x", NULL),
		     "module \"app.py:1x\": callable \"1x\" is not a Python identifier");
	expect_error(serve("pkg..mod", NULL),
		     "module \"pkg..mod\" is neither a file (a path with \"/\" or ending in "
		     "\".py\") nor a dotted Python module name");
	expect_error(serve(NULL), "missing APP: sandgate serve [options] APP, or sandgate "
				  "serve -c FILE");
	expect_error(serve("app.py", "other.py", NULL),
		     "unexpected argument \"other.py\": serve takes one APP");
}

/* ---- -c and -h ----------------------------------------------------------- */

static void test_config_file(void)
{
	CHECK(serve("-c", "/etc/sandgate/sandgate.conf", NULL) == 0);
	CHECK_STR(config_file, "/etc/sandgate/sandgate.conf");
	CHECK(cfg.n_apps == 0 && cfg.n_listeners == 0);
	CHECK(serve("--config=x.conf", NULL) == 0);
	CHECK_STR(config_file, "x.conf");
	CHECK(serve("--config", "y.conf", NULL) == 0);
	CHECK_STR(config_file, "y.conf");
	expect_error(serve("-c", "x.conf", "app.py", NULL), "give either APP or -c FILE, not both");
	expect_error(serve("-c", "x.conf", "--processes", "3", NULL),
		     "-c FILE cannot be combined with other options; put them in the file");
	expect_error(serve("-c", "x.conf", "-c", "y.conf", NULL), "-c is given twice");
	expect_error(serve("-c", NULL), "-c needs a FILE");
	CHECK(config_file == NULL);
}

static void test_help(void)
{
	/* The usage goes to stdout; keep it out of the test's output. */
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, STDOUT_FILENO);
	int rc_long = serve("--help", NULL);
	int rc_short = serve("app.py", "-h", NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	CHECK(rc_long == 1);
	CHECK(rc_short == 1);
	CHECK(cfg.n_apps == 0);
}

static void test_unknown_and_missing(void)
{
	expect_error(serve("--frobnicate", "app.py", NULL),
		     "unknown or ambiguous option \"--frobnicate\" (see --help)");
	expect_error(serve("-x", "app.py", NULL), "unknown option \"-x\" (see --help)");
	expect_error(serve("app.py", "--processes", NULL), "--processes needs a value");
	expect_error(serve("app.py", "--processes", "2", "--processes", "3", NULL),
		     "--processes is given twice");
	expect_error(serve("app.py", "--user", "a", "--user=b", NULL), "--user is given twice");
}

/* ---- numbers -------------------------------------------------------------- */

static void test_processes(void)
{
	CHECK(serve("--processes", "128", "app.py", NULL) == 0 && cfg.apps[0].processes == 128);
	CHECK(serve("--processes=1", "app.py", NULL) == 0 && cfg.apps[0].processes == 1);
	expect_error(serve("--processes", "x", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"x\"");
	expect_error(serve("--processes", "0", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"0\"");
	expect_error(serve("--processes", "129", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"129\"");
	expect_error(serve("--processes", "2x", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"2x\"");
	expect_error(serve("--processes", " 2", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \" 2\"");
	expect_error(serve("--processes", "+2", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"+2\"");
	expect_error(serve("--processes", "", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"\"");
	expect_error(serve("--processes", "99999999999999999999", "app.py", NULL),
		     "--processes: expected an integer 1-128, got \"99999999999999999999\"");
}

static void test_timeout_requests_body(void)
{
	CHECK(serve("--timeout", "86400", "--max-requests", "500", "--max-body", "0", "app.py",
		    NULL) == 0);
	CHECK(cfg.apps[0].timeout == 86400 && cfg.apps[0].max_requests == 500);
	CHECK(cfg.apps[0].max_body == 0);
	CHECK(serve("--max-body", "4294967296", "app.py", NULL) == 0);
	CHECK(cfg.apps[0].max_body == 4294967296LL);
	expect_error(serve("--timeout", "0", "app.py", NULL),
		     "--timeout: expected an integer 1-86400, got \"0\"");
	expect_error(serve("--timeout", "86401", "app.py", NULL),
		     "--timeout: expected an integer 1-86400, got \"86401\"");
	expect_error(serve("--max-requests", "-1", "app.py", NULL),
		     "--max-requests: expected an integer 0-2147483647, got \"-1\"");
	expect_error(serve("--max-requests", "2147483648", "app.py", NULL),
		     "--max-requests: expected an integer 0-2147483647, got \"2147483648\"");
	CHECK(serve("--max-start-failures", "0", "app.py", NULL) == 0);
	CHECK(cfg.apps[0].max_start_failures == 0);
	expect_error(serve("--max-start-failures", "1001", "app.py", NULL),
		     "--max-start-failures: expected an integer 0-1000, got \"1001\"");
	expect_error(serve("--max-body", "-5", "app.py", NULL),
		     "--max-body: expected an integer of at least 0, got \"-5\"");
	expect_error(serve("--max-body", "1G", "app.py", NULL),
		     "--max-body: expected an integer of at least 0, got \"1G\"");
	expect_error(serve("--max-body", "99999999999999999999", "app.py", NULL),
		     "--max-body: expected an integer of at least 0, got \"99999999999999999999\"");
}

static void test_log_level(void)
{
	CHECK(serve("--log-level", "debug", "app.py", NULL) == 0 && cfg.log_level == SG_LOG_DEBUG);
	CHECK(serve("--log-level=warn", "app.py", NULL) == 0 && cfg.log_level == SG_LOG_WARN);
	expect_error(serve("--log-level", "loud", "app.py", NULL),
		     "--log-level: expected debug, info, warn or error, got \"loud\"");
}

/* ---- sockets ---------------------------------------------------------------- */

static void test_http_and_scgi(void)
{
	CHECK(serve("--http", "127.0.0.1:9000", "--http=unix:h.sock", "app.py", NULL) == 0);
	CHECK(cfg.n_listeners == 2);
	CHECK(cfg.listeners[0].kind == SG_LISTEN_HTTP && !cfg.listeners[0].addr.is_unix);
	CHECK(cfg.listeners[1].addr.is_unix);
	CHECK_STR(sun_path(&cfg.listeners[1].addr), in_tmp("h.sock"));
	CHECK(cfg.listeners[1].socket_mode == 0600);
	CHECK(!cfg.apps[0].has_socket);

	/* The first --scgi is the app's own socket; the next ones are listeners. */
	CHECK(serve("--scgi", "unix:/tmp/sg-a.sock", "app.py", NULL) == 0);
	CHECK(cfg.n_listeners == 0);
	CHECK(cfg.apps[0].has_socket && cfg.apps[0].socket_mode == 0660);
	CHECK_STR(sun_path(&cfg.apps[0].socket), "/tmp/sg-a.sock");
	CHECK(serve("--scgi", "unix:/tmp/sg-a.sock", "--scgi", "127.0.0.1:4000", "--scgi",
		    "unix:/tmp/sg-b.sock", "--http", "[::1]:8080", "app.py", NULL) == 0);
	CHECK(cfg.n_listeners == 3);
	CHECK(cfg.listeners[0].kind == SG_LISTEN_HTTP);
	CHECK(cfg.listeners[1].kind == SG_LISTEN_SCGI && !cfg.listeners[1].addr.is_unix);
	CHECK(cfg.listeners[2].kind == SG_LISTEN_SCGI && cfg.listeners[2].socket_mode == 0660);
	CHECK_STR(sun_path(&cfg.apps[0].socket), "/tmp/sg-a.sock");
}

static void test_address_bad(void)
{
	CHECK(serve("--http", "nowhere", "app.py", NULL) == -1);
	CHECK(strncmp(err.msg, "--http: ", 8) == 0);
	CHECK(serve("--scgi", "1.2.3.4", "app.py", NULL) == -1);
	CHECK(strncmp(err.msg, "--scgi: ", 8) == 0);
	expect_error(serve("--http", "unix:nodir/h.sock", "app.py", NULL),
		     "--http nodir/h.sock: No such file or directory");
	expect_error(serve("--http", "127.0.0.1:9000", "--scgi", "127.0.0.1:9000", "app.py", NULL),
		     "address 127.0.0.1:9000 is given twice");
	const char *args[80];
	int n = 0;
	char ports[40][32];
	for (int i = 0; i < 33; i++) {
		snprintf(ports[i], sizeof ports[i], "127.0.0.1:%d", 9100 + i);
		args[n++] = "--http";
		args[n++] = ports[i];
	}
	char *argv[80];
	argv[0] = (char *)"serve";
	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	argv[n + 1] = (char *)"app.py";
	argv[n + 2] = NULL;
	sg_config_free(&cfg);
	CHECK(sg_cli_parse_serve(n + 2, argv, &cfg, &config_file, &err) == -1);
	CHECK_STR(err.msg, "--http may be given at most 32 times");
}

static void test_socket_mode(void)
{
	CHECK(serve("--socket-mode", "0640", "--scgi", "unix:/tmp/sg-a.sock", "--http",
		    "unix:/tmp/sg-h.sock", "app.py", NULL) == 0);
	CHECK(cfg.apps[0].socket_mode == 0640);
	CHECK(cfg.listeners[0].socket_mode == 0640);
	/* Others may write to an HTTP socket: SO_PEERCRED still guards it. */
	CHECK(serve("--socket-mode", "0666", "--http", "unix:/tmp/sg-h.sock", "app.py", NULL) == 0);
	expect_error(serve("--socket-mode", "0666", "--scgi", "unix:/tmp/sg-a.sock", "app.py", NULL),
		     "--socket-mode 0666 lets every local user connect to the SCGI socket and "
		     "forge SCGI variables (S8); drop the write bit for others");
	expect_error(serve("--socket-mode", "0999", "app.py", NULL),
		     "--socket-mode: mode \"0999\" must be octal 0-0777, such as \"0660\"");
	expect_error(serve("--socket-mode", "rw", "app.py", NULL),
		     "--socket-mode: mode \"rw\" must be octal 0-0777, such as \"0660\"");
	expect_error(serve("--socket-mode", "01777", "app.py", NULL),
		     "--socket-mode: mode \"01777\" must be octal 0-0777, such as \"0660\"");
}

static void test_socket_group(void)
{
	CHECK(serve("app.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].socket_group, "");
	CHECK(cfg.apps[0].socket_gid == (gid_t)-1 && cfg.listeners[0].socket_gid == (gid_t)-1);
	CHECK(serve("--socket-group", "www-data", "--scgi", "unix:/tmp/sg-a.sock", "--http",
		    "unix:/tmp/sg-h.sock", "--http", "127.0.0.1:9000", "--scgi", "unix:/tmp/sg-b.sock",
		    "app.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].socket_group, "www-data");
	CHECK(cfg.n_listeners == 3);
	CHECK_STR(cfg.listeners[0].socket_group, "www-data"); /* --http unix: */
	CHECK_STR(cfg.listeners[1].socket_group, "");         /* TCP: no group */
	CHECK_STR(cfg.listeners[2].socket_group, "www-data"); /* the second --scgi */
	for (int i = 0; i < cfg.n_listeners; i++)
		CHECK(cfg.listeners[i].socket_gid == (gid_t)-1);
	CHECK(serve("--socket-group=33", "--http", "unix:/tmp/sg-h.sock", "app.py", NULL) == 0);
	CHECK_STR(cfg.listeners[0].socket_group, "33");
	CHECK_STR(cfg.apps[0].socket_group, "");
	expect_error(serve("--socket-group", "www-data", "app.py", NULL),
		     "--socket-group needs a Unix socket: --http unix:PATH or --scgi unix:PATH");
	expect_error(serve("--socket-group", "www-data", "--scgi", "127.0.0.1:4000", "app.py", NULL),
		     "--socket-group needs a Unix socket: --http unix:PATH or --scgi unix:PATH");
	expect_error(serve("--socket-group", "a b", "--scgi", "unix:/tmp/sg-a.sock", "app.py", NULL),
		     "--socket-group: \"a b\" is not a group name or gid");
	expect_error(serve("--socket-group", "4294967295", "app.py", NULL),
		     "--socket-group: gid 4294967295 must be 0-4294967294");
	expect_error(serve("--socket-group", "a", "--socket-group", "b", "app.py", NULL),
		     "--socket-group is given twice");
	expect_error(serve("--socket-group", NULL), "--socket-group needs a value");
	expect_error(serve("-c", "x.conf", "--socket-group", "a", NULL),
		     "-c FILE cannot be combined with other options; put them in the file");
}

static void test_socket_group_resolve(void)
{
	struct sg_diags d = { 0 };
	CHECK(serve("--socket-group", "0", "--scgi", "unix:/tmp/sg-a.sock", "--http",
		    "unix:/tmp/sg-h.sock", "app.py", NULL) == 0);
	CHECK(sg_config_resolve(&cfg, 0, &d) == 0);
	CHECK(cfg.apps[0].socket_gid == 0 && cfg.listeners[0].socket_gid == 0);
	sg_diags_free(&d);
	/* One group for every socket: an unknown one is reported once. */
	CHECK(serve("--socket-group", "no-such-group-xyz", "--scgi", "unix:/tmp/sg-a.sock",
		    "--http", "unix:/tmp/sg-h.sock", "app.py", NULL) == 0);
	CHECK(sg_config_resolve(&cfg, 0, &d) == -1);
	CHECK(d.n == 1);
	CHECK_STR(d.n >= 1 ? d.msg[0] : NULL,
		  "command line: --socket-group: unknown group \"no-such-group-xyz\"");
	sg_diags_free(&d);
}

static void test_allow_uid(void)
{
	CHECK(serve("--http", "unix:/tmp/sg-h.sock", "--allow-uid", "1000", "--allow-uid=root",
		    "--http", "127.0.0.1:9000", "app.py", NULL) == 0);
	const struct sg_listener_conf *l = &cfg.listeners[0];
	CHECK(l->n_allow_uids == 2);
	CHECK(l->allow_uids[0] == 1000);
	CHECK_STR(l->allow_names[0], "");
	CHECK_STR(l->allow_names[1], "root");
	CHECK(cfg.listeners[1].n_allow_uids == 0); /* TCP: no SO_PEERCRED */
	CHECK(sg_config_resolve(&cfg, 0, &(struct sg_diags){ 0 }) == 0);
	CHECK(l->allow_uids[1] == 0);
	expect_error(serve("--allow-uid", "1000", "app.py", NULL),
		     "--allow-uid needs an --http unix:PATH listener");
	expect_error(serve("--allow-uid", "1000", "--scgi", "unix:/tmp/sg-a.sock", "app.py", NULL),
		     "--allow-uid needs an --http unix:PATH listener");
	expect_error(serve("--http", "unix:/tmp/sg-h.sock", "--allow-uid", "4294967295", "app.py",
			   NULL),
		     "--allow-uid: expected an integer 0-4294967294, got \"4294967295\"");
	expect_error(serve("--http", "unix:/tmp/sg-h.sock", "--allow-uid", "12ab", "app.py", NULL),
		     "--allow-uid: expected an integer 0-4294967294, got \"12ab\"");
	expect_error(serve("--http", "unix:/tmp/sg-h.sock", "--allow-uid", "", "app.py", NULL),
		     "--allow-uid: \"\" is not a uid or user name");
	char *argv[64] = { (char *)"serve", (char *)"--http", (char *)"unix:/tmp/sg-h.sock" };
	int argc = 3;
	for (int i = 0; i < 17; i++) {
		argv[argc++] = (char *)"--allow-uid";
		argv[argc++] = (char *)"7";
	}
	argv[argc++] = (char *)"app.py";
	sg_config_free(&cfg);
	CHECK(sg_cli_parse_serve(argc, argv, &cfg, &config_file, &err) == -1);
	CHECK_STR(err.msg, "--allow-uid may be given at most 16 times");
}

/* ---- the app's settings ---------------------------------------------------------- */

static void test_prefix(void)
{
	CHECK(serve("--prefix", "/blog", "app.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].prefix, "/blog");
	expect_error(serve("--prefix", "blog", "app.py", NULL),
		     "--prefix: prefix \"blog\" must start with \"/\"");
	expect_error(serve("--prefix", "/blog/", "app.py", NULL),
		     "--prefix: prefix \"/blog/\" must not end with \"/\"");
	expect_error(serve("--prefix", "/a/../b", "app.py", NULL),
		     "--prefix: prefix \"/a/../b\" must not contain a \".\" or \"..\" segment");
}

static void test_directories(void)
{
	CHECK(serve("--chdir", "sub", "--venv", realtmp, "--pythonpath", "sub", "--pythonpath",
		    ".", "app.py", NULL) == 0);
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK_STR(a->chdir, in_tmp("sub"));
	CHECK_STR(a->venv, realtmp);
	CHECK(a->n_pythonpath == 2);
	CHECK_STR(a->pythonpath[0], in_tmp("sub"));
	CHECK_STR(a->pythonpath[1], realtmp);
	expect_error(serve("--chdir", "/nonexistent-sg", "app.py", NULL),
		     "--chdir /nonexistent-sg: No such file or directory");
	expect_error(serve("--venv", "app.py", "app.py", NULL), "--venv app.py: not a directory");
	expect_error(serve("--pythonpath", "nope", "app.py", NULL),
		     "--pythonpath nope: No such file or directory");
	char *argv[64] = { (char *)"serve" };
	int argc = 1;
	for (int i = 0; i < 17; i++) {
		argv[argc++] = (char *)"--pythonpath";
		argv[argc++] = (char *)".";
	}
	argv[argc++] = (char *)"app.py";
	sg_config_free(&cfg);
	CHECK(sg_cli_parse_serve(argc, argv, &cfg, &config_file, &err) == -1);
	CHECK_STR(err.msg, "--pythonpath may be given at most 16 times");
}

static void test_logs(void)
{
	CHECK(serve("--log", "app.log", "--access-log", "sub/access.log", "app.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].log, in_tmp("app.log"));
	CHECK_STR(cfg.apps[0].access_log, in_tmp("sub/access.log"));
	CHECK(serve("--log", "/app.log", "app.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].log, "/app.log");
	expect_error(serve("--log", "nodir/x.log", "app.py", NULL),
		     "--log nodir/x.log: No such file or directory");
	expect_error(serve("--access-log", "sub/", "app.py", NULL),
		     "--access-log sub/: names a directory, not a file");
}

static void test_user(void)
{
	CHECK(serve("--user", "www-data", "app.py", NULL) == 0);
	CHECK_STR(cfg.apps[0].user, "www-data");
	expect_error(serve("--user", "-rf", "app.py", NULL),
		     "--user: \"-rf\" is not a valid user name");
	expect_error(serve("--user", "a b", "app.py", NULL),
		     "--user: \"a b\" is not a valid user name");
	expect_error(serve("--user", "", "app.py", NULL), "--user: \"\" is not a valid user name");
	/* Then the run-as rules, with command-line messages. */
	CHECK(serve("--user", "root", "app.py", NULL) == 0);
	struct sg_diags d = { 0 };
	CHECK(sg_config_resolve(&cfg, 0, &d) == -1);
	CHECK_STR(d.n == 1 ? d.msg[0] : NULL,
		  "command line: --user root: the app would run as root (uid 0); name an "
		  "unprivileged account");
	sg_diags_free(&d);
}

/* ---- cell limits (cgroup) --------------------------------------------------- */

static void test_cell_limits(void)
{
	CHECK(serve("--memory", "64M", "--pids", "32", "--cpu", "0.5", "app.py", NULL) == 0);
	CHECK(cfg.apps[0].memory == 64LL << 20 && cfg.apps[0].pids == 32);
	CHECK(cfg.apps[0].cpu_us == 50000);
	CHECK(serve("--memory=1073741824", "--cpu=25%", "--pids=max", "app.py", NULL) == 0);
	CHECK(cfg.apps[0].memory == 1LL << 30 && cfg.apps[0].cpu_us == 25000);
	CHECK(cfg.apps[0].pids == SG_LIMIT_NONE);
	CHECK(serve("--memory", "max", "--cpu", "max", "app.py", NULL) == 0);
	CHECK(cfg.apps[0].memory == SG_LIMIT_NONE && cfg.apps[0].cpu_us == SG_LIMIT_NONE);
	/* As root, --pids max turns the default 512 off. */
	struct sg_diags d = { 0 };
	CHECK(serve("--pids", "max", "app.py", NULL) == 0);
	CHECK(sg_config_resolve(&cfg, 0, &d) == 0 && cfg.apps[0].pids == SG_LIMIT_NONE);
	CHECK(serve("app.py", NULL) == 0);
	CHECK(sg_config_resolve(&cfg, 0, &d) == 0 && cfg.apps[0].pids == 512);
	CHECK(cfg.apps[0].memory == SG_LIMIT_NONE && cfg.apps[0].cpu_us == SG_LIMIT_NONE);
	CHECK(serve("app.py", NULL) == 0);
	CHECK(sg_config_resolve(&cfg, 65534, &d) == 0 && cfg.apps[0].pids == SG_LIMIT_NONE);
	sg_diags_free(&d);
}

static void test_cell_limits_bad(void)
{
	expect_error(serve("--memory", "64MB", "app.py", NULL),
		     "--memory: expected a size in bytes, or with K, M, G or T (1024-based) such as "
		     "512M, at least 1M, or max; got \"64MB\"");
	expect_error(serve("--memory", "1000", "app.py", NULL),
		     "--memory: expected a size in bytes, or with K, M, G or T (1024-based) such as "
		     "512M, at least 1M, or max; got \"1000\"");
	expect_error(serve("--pids", "0", "app.py", NULL),
		     "--pids: expected an integer 1-4194304 or max, got \"0\"");
	expect_error(serve("--pids", "-3", "app.py", NULL),
		     "--pids: expected an integer 1-4194304 or max, got \"-3\"");
	expect_error(serve("--cpu", "0.001", "app.py", NULL),
		     "--cpu: expected a fraction of one CPU (0.5) or a percentage (50%), 0.01-1024 "
		     "CPUs, or max; got \"0.001\"");
	expect_error(serve("--cpu", "half", "app.py", NULL),
		     "--cpu: expected a fraction of one CPU (0.5) or a percentage (50%), 0.01-1024 "
		     "CPUs, or max; got \"half\"");
	expect_error(serve("--pids", "3", "--pids", "4", "app.py", NULL), "--pids is given twice");
	/* Room for the zygote and its workers, whatever the order. */
	expect_error(serve("--pids", "4", "--processes", "4", "app.py", NULL),
		     "--pids: pids 4 leaves no room for the zygote and 4 workers: it must be at "
		     "least 5");
	expect_error(serve("--pids", "2", "app.py", NULL),
		     "--pids: pids 2 leaves no room for the zygote and 2 workers: it must be at "
		     "least 3");
	CHECK(serve("--processes", "4", "--pids", "5", "app.py", NULL) == 0);
}

static void make_fixture(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sg-test-cli-XXXXXX");
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0 || realpath(tmpdir, realtmp) == NULL) {
		perror(tmpdir);
		exit(1);
	}
	const char *files[] = { "app.py", "sub/my-app.v2.py", "sub/we+ird name.py" };
	mkdir("sub", 0755);
	mkdir("sub.py", 0755);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		int fd = open(files[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror(files[i]);
			exit(1);
		}
		close(fd);
	}
}

/* ---- the sandbox options (cli_sandbox.c) -------------------------------- */

static void test_sandbox_options(void)
{
	CHECK(serve("app.py", NULL) == 0);
	CHECK(cfg.apps[0].network == SG_NET_NONE && cfg.apps[0].seccomp);
	CHECK(serve("--network", "loopback", "--writable", realtmp, "--writable", "sub",
		    "--tmp-size", "8M", "--policy", "wsgi-exec", "--seccomp-log", "app.py",
		    NULL) == 0);
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK(a->network == SG_NET_LOOPBACK && a->n_writable == 2);
	CHECK_STR(a->writable[0], realtmp);
	CHECK_STR(a->writable[1], in_tmp("sub"));
	CHECK(a->tmp_size == 8LL << 20 && a->seccomp_log);
	CHECK_STR(a->policy, "wsgi-exec");
	CHECK(serve("--no-seccomp", "app.py", NULL) == 0 && !cfg.apps[0].seccomp);
	expect_error(serve("--network", "lan", "app.py", NULL),
		     "--network: network \"lan\" must be \"none\" (no network), \"loopback\" "
		     "(its own lo only) or \"host\" (the host's network)");
	expect_error(serve("--network", "host", "--network", "none", "app.py", NULL),
		     "--network is given twice");
	expect_error(serve("--writable", "/etc", "app.py", NULL),
		     "--writable: writable \"/etc\" is under /etc, which a cell may never write");
	expect_error(serve("--writable", "no-such-dir", "app.py", NULL),
		     "--writable no-such-dir: No such file or directory");
	expect_error(serve("--tmp-size", "max", "app.py", NULL),
		     "--tmp-size: the cell's /tmp needs a size such as 64M (\"max\" is not "
		     "allowed)");
	expect_error(serve("--policy", "../x", "app.py", NULL),
		     "--policy: policy \"../x\" must be the name of a file in policies/ without "
		     "\".policy\": 1-63 characters from a-z 0-9 _ -");
	expect_error(serve("--no-seccomp", "--seccomp-log", "app.py", NULL),
		     "--seccomp-log needs the seccomp filter, which --no-seccomp turns off");
	expect_error(serve("--no-seccomp", "--policy", "wsgi", "app.py", NULL),
		     "--policy names a seccomp policy, which --no-seccomp turns off");
}

int main(void)
{
	sg_log_init("test", SG_LOG_ERROR);
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	make_fixture();
	RUN(test_defaults);
	RUN(test_app_forms);
	RUN(test_app_bad);
	RUN(test_config_file);
	RUN(test_help);
	RUN(test_unknown_and_missing);
	RUN(test_processes);
	RUN(test_timeout_requests_body);
	RUN(test_log_level);
	RUN(test_sandbox_options);
	RUN(test_http_and_scgi);
	RUN(test_address_bad);
	RUN(test_socket_mode);
	RUN(test_socket_group);
	RUN(test_socket_group_resolve);
	RUN(test_allow_uid);
	RUN(test_prefix);
	RUN(test_directories);
	RUN(test_logs);
	RUN(test_user);
	RUN(test_cell_limits);
	RUN(test_cell_limits_bad);
	sg_config_free(&cfg);
	if (chdir(cwd) == 0) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			printf("  (could not remove %s)\n", tmpdir);
	}
	UNIT_END();
}
