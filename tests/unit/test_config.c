/* The configuration file: parse, validation messages with their lines,
 * defaults, paths, sg_config_load and sg_config_resolve. */
#include "gateway/config.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/log.h"
#include "unit.h"

#include "config_expect.h"

/* One reachable app, for texts that test something else. */
#define APP "apps = ( { name = \"a\"; module = \"app.py\"; socket = \"unix:/tmp/a.sock\"; } );\n"

/* ---- defaults and a full file ---------------------------------------- */

static void test_minimal_defaults(void)
{
	expect_ok(APP);
	CHECK(cfg.n_apps == 1);
	CHECK(cfg.n_listeners == 0);
	CHECK(cfg.log_level == SG_LOG_INFO);
	CHECK(!cfg.syslog);
	CHECK(cfg.graceful_timeout == 30);
	CHECK_STR(cfg.source, "test.conf");
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK_STR(a->name, "a");
	CHECK_STR(a->module, "/etc/sg/app.py");
	CHECK(a->processes == 2);
	CHECK(a->timeout == 60);
	CHECK(a->max_requests == 0);
	CHECK(a->queue == 100);
	CHECK(a->max_body == 1LL << 30);
	CHECK(a->socket_mode == 0660);
	CHECK(a->has_socket);
	CHECK(a->socket.is_unix);
	CHECK_STR(a->prefix, "");
	CHECK_STR(a->host, "");
	CHECK_STR(a->user, "");
	CHECK(a->uid == (uid_t)-1);
	CHECK(a->line == 1);
}

static void test_defaults_app(void)
{
	struct sg_app_conf app;
	memset(&app, 0x5a, sizeof app);
	sg_config_defaults_app(&app);
	CHECK(app.processes == 2 && app.timeout == 60 && app.queue == 100);
	CHECK(app.max_requests == 0 && app.max_body == 1LL << 30 && app.socket_mode == 0660);
	CHECK(app.max_start_failures == 5);
	CHECK(!app.has_socket && app.n_pythonpath == 0 && app.name[0] == '\0');
}

static const char full_text[] =
	"log_level = \"debug\";\n"
	"syslog = true;\n"
	"graceful_timeout = 5;\n"
	"listeners = (\n"
	"  { http = \"127.0.0.1:8080\"; },\n"
	"  { http = \"unix:/run/sg/admin.sock\"; socket_mode = \"0600\"; allow_uids = ( 1000, \"root\" ); },\n"
	"  { scgi = \"unix:/run/sg/scgi.sock\"; socket_mode = 0640; socket_group = \"www-data\"; }\n"
	");\n"
	"apps = (\n"
	"  { name = \"blog\";\n"
	"    module = \"/srv/blog/app.py:application\";\n"
	"    chdir = \"/srv/blog\"; pythonpath = [ \"/srv/blog/lib\", \"lib2\" ]; venv = \"/srv/blog/venv\";\n"
	"    user = \"alice\"; processes = 4; max_requests = 1000; timeout = 30; queue = 7;\n"
	"    max_body = 104857600; memory = \"512M\"; pids = 64; cpu = 0.5;\n"
	"    socket = \"unix:/run/sg/blog.sock\"; socket_mode = \"0660\"; socket_group = 33;\n"
	"    route = { prefix = \"/blog\"; host = \"Blog.Example.com\"; };\n"
	"    log = \"/var/log/sg/blog.log\"; access_log = \"logs/blog.access.log\";\n"
	"  },\n"
	"  { name = \"wiki\"; module = \"wiki.wsgi:app\"; route = { prefix = \"/wiki\"; }; }\n"
	");\n";

static void test_full_file(void)
{
	expect_ok(full_text);
	CHECK(cfg.log_level == SG_LOG_DEBUG);
	CHECK(cfg.syslog);
	CHECK(cfg.graceful_timeout == 5);
	CHECK(cfg.n_listeners == 3);
	const struct sg_listener_conf *l = cfg.listeners;
	CHECK(l[0].kind == SG_LISTEN_HTTP && !l[0].addr.is_unix && l[0].line == 5);
	CHECK(l[1].kind == SG_LISTEN_HTTP && l[1].addr.is_unix && l[1].socket_mode == 0600);
	CHECK(l[1].n_allow_uids == 2);
	CHECK(l[1].allow_uids[0] == 1000);
	CHECK_STR(l[1].allow_names[0], "");
	CHECK_STR(l[1].allow_names[1], "root");
	CHECK(l[1].allow_uids[1] == (uid_t)-1);
	CHECK(l[2].kind == SG_LISTEN_SCGI && l[2].socket_mode == 0640 && l[2].line == 7);
	CHECK_STR(l[2].socket_group, "www-data");
	CHECK_STR(l[1].socket_group, "");

	CHECK(cfg.n_apps == 2);
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK(a->line == 10);
	CHECK_STR(a->name, "blog");
	CHECK_STR(a->module, "/srv/blog/app.py:application");
	CHECK_STR(a->chdir, "/srv/blog");
	CHECK(a->n_pythonpath == 2);
	CHECK_STR(a->pythonpath[0], "/srv/blog/lib");
	CHECK_STR(a->pythonpath[1], "/etc/sg/lib2");
	CHECK_STR(a->venv, "/srv/blog/venv");
	CHECK_STR(a->user, "alice");
	CHECK(a->processes == 4 && a->max_requests == 1000 && a->timeout == 30 && a->queue == 7);
	CHECK(a->max_body == 104857600);
	CHECK(a->memory == 512LL << 20 && a->pids == 64 && a->cpu_us == 50000);
	CHECK(a->has_socket && a->socket.is_unix && a->socket_mode == 0660);
	CHECK_STR(a->socket_group, "33");
	CHECK_STR(a->prefix, "/blog");
	CHECK_STR(a->host, "blog.example.com");
	CHECK_STR(a->log, "/var/log/sg/blog.log");
	CHECK_STR(a->access_log, "/etc/sg/logs/blog.access.log");
	CHECK_STR(cfg.apps[1].module, "wiki.wsgi:app");
	CHECK(!cfg.apps[1].has_socket);
	/* Not set: the mode's default, put by sg_config_resolve. */
	CHECK(cfg.apps[1].memory == SG_LIMIT_DEFAULT && cfg.apps[1].pids == SG_LIMIT_DEFAULT);
	CHECK(cfg.apps[1].cpu_us == SG_LIMIT_DEFAULT);
}

/* ---- unknown settings, types, syntax ------------------------------------ */

static void test_unknown_setting_in_app(void)
{
	expect_one("apps = (\n"
		   "  { name = \"blog\"; module = \"app.py\"; socket = \"unix:/tmp/b.sock\";\n"
		   "    proceses = 2; }\n"
		   ");\n",
		   "test.conf:3: unknown setting \"proceses\" in app \"blog\" "
		   "(did you mean \"processes\"?)");
}

static void test_unknown_setting_top(void)
{
	expect_one("loglevel = \"info\";\n" APP,
		   "test.conf:1: unknown setting \"loglevel\" (did you mean \"log_level\"?)");
	expect_one(APP "\n\nfrobnicate = 1;\n", "test.conf:4: unknown setting \"frobnicate\"");
}

static void test_unknown_setting_listener_route(void)
{
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; mode = 1; } );\n" APP,
		   "test.conf:1: unknown setting \"mode\" in listener");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  route = { prefix = \"/a\";\n"
		   "            hots = \"x\"; }; } );\n",
		   "test.conf:3: unknown setting \"hots\" in route of app \"a\" "
		   "(did you mean \"host\"?)");
}

static void test_wrong_types(void)
{
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  processes = \"2\"; } );\n",
		   "test.conf:2: app \"a\": processes must be an integer, not a string");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  timeout = 1.5; } );\n",
		   "test.conf:2: app \"a\": timeout must be an integer, not a number with a "
		   "fraction");
	expect_one("apps = ( { name = \"a\"; module = 3; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\": module must be a string, not an integer");
	expect_one("syslog = \"yes\";\n" APP,
		   "test.conf:1: syslog must be true or false, not a string");
	expect_one("log_level = \"loud\";\n" APP,
		   "test.conf:1: log_level must be debug, info, warn or error, got \"loud\"");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  route = \"/a\"; } );\n",
		   "test.conf:2: app \"a\": route must be a group { prefix = \"/x\"; host = "
		   "\"name\"; }, not a string");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  pythonpath = 5; } );\n",
		   "test.conf:2: app \"a\": pythonpath must be a string or an array of strings, "
		   "not an integer");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  chdir = \"/x\\x01y\"; } );\n",
		   "test.conf:2: app \"a\": chdir must not contain control characters");
}

static void test_syntax_errors(void)
{
	expect_one(APP "processes = ;\n", "test.conf:2: syntax error");
	expect_one("a = 1;\na = 2;\n", "test.conf:2: syntax error: duplicate setting name");
	expect_one("x = \"unterminated;\n", "test.conf:2: syntax error"); /* at the end */
}

static void test_include_refused(void)
{
	/* Refused before libconfig would open it relative to the cwd. */
	expect_one(APP "  @include \"/nonexistent/sandgate-test.conf\"\n",
		   "test.conf:2: @include is not supported; keep the configuration in one file");
	/* In a comment or a string it is not a directive. */
	expect_ok("# @include \"x\"\n" APP);
}

static void test_wrapping_integer(void)
{
	/* libconfig 1.5 would read 4294967298 as 2. */
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  processes = 4294967298; } );\n",
		   "test.conf:2: integer 4294967298 does not fit in 32 bits and libconfig would "
		   "silently wrap it; write 4294967298L for a 64-bit integer");
	expect_prefix("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		      "  max_body = 0x100000000; } );\n",
		      "test.conf:2: integer 0x100000000 does not fit in 32 bits");
	expect_ok("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		  "  max_body = 4294967296L; } );\n");
	CHECK(cfg.apps[0].max_body == 4294967296LL);
	/* Digits inside names, strings and comments are not integers. */
	expect_ok("apps = ( { name = \"a99999999999\"; module = \"m\"; # 99999999999\n"
		  "  socket = \"unix:/tmp/a.sock\"; } );\n");
}

/* ---- ranges -------------------------------------------------------------- */

static void test_ranges(void)
{
	expect_app_setting("processes = 0;", "test.conf:2: app \"a\": processes must be 1..128, got 0");
	expect_app_setting("processes = 129;", "test.conf:2: app \"a\": processes must be 1..128, got 129");
	expect_app_setting("processes = 128;", NULL);
	CHECK(cfg.apps[0].processes == 128);
	expect_app_setting("timeout = 0;", "test.conf:2: app \"a\": timeout must be 1..86400, got 0");
	expect_app_setting("timeout = 86401;", "test.conf:2: app \"a\": timeout must be 1..86400, got 86401");
	expect_app_setting("timeout = 86400;", NULL);
	expect_app_setting("max_requests = -1;",
			   "test.conf:2: app \"a\": max_requests must be 0..2147483647, got -1");
	expect_app_setting("max_requests = 0;", NULL);
	expect_app_setting("queue = -1;", "test.conf:2: app \"a\": queue must be 0..10000, got -1");
	expect_app_setting("queue = 10001;", "test.conf:2: app \"a\": queue must be 0..10000, got 10001");
	expect_app_setting("queue = 0;", NULL);
	CHECK(cfg.apps[0].queue == 0);
	expect_app_setting("max_start_failures = -1;",
			   "test.conf:2: app \"a\": max_start_failures must be 0..1000, got -1");
	expect_app_setting("max_start_failures = 1001;",
			   "test.conf:2: app \"a\": max_start_failures must be 0..1000, got 1001");
	expect_app_setting("max_start_failures = 0;", NULL);
	CHECK(cfg.apps[0].max_start_failures == 0);
	expect_app_setting("max_start_failures = 3;", NULL);
	CHECK(cfg.apps[0].max_start_failures == 3);
	expect_app_setting("max_body = -1;", "test.conf:2: app \"a\": max_body must be at least 0, got -1");
	expect_app_setting("max_body = 0;", NULL);
	CHECK(cfg.apps[0].max_body == 0);
	expect_one("graceful_timeout = -1;\n" APP,
		   "test.conf:1: graceful_timeout must be 0..3600, got -1");
	expect_one("graceful_timeout = 3601;\n" APP,
		   "test.conf:1: graceful_timeout must be 0..3600, got 3601");
	expect_ok("graceful_timeout = 0;\n" APP);
	CHECK(cfg.graceful_timeout == 0);
}

/* ---- socket_mode ---------------------------------------------------------- */

static void test_socket_mode_forms(void)
{
	/* libconfig reads 0660 as decimal 660; its digits are taken as octal. */
	expect_app_setting("socket_mode = 0660;", NULL);
	CHECK(cfg.apps[0].socket_mode == 0660);
	expect_app_setting("socket_mode = 640;", NULL);
	CHECK(cfg.apps[0].socket_mode == 0640);
	expect_app_setting("socket_mode = \"0600\";", NULL);
	CHECK(cfg.apps[0].socket_mode == 0600);
	expect_app_setting("socket_mode = \"660\";", NULL);
	CHECK(cfg.apps[0].socket_mode == 0660);
	expect_app_setting("socket_mode = 0x1a0;", NULL); /* hex is the value itself */
	CHECK(cfg.apps[0].socket_mode == 0640);
	expect_app_setting("socket_mode = 0;", NULL);
	CHECK(cfg.apps[0].socket_mode == 0);
}

static void test_socket_mode_bad(void)
{
	expect_app_setting("socket_mode = 0680;",
			   "test.conf:2: app \"a\": socket_mode: mode \"680\" must be octal 0-0777, "
			   "such as \"0660\"");
	expect_app_setting("socket_mode = \"0999\";",
			   "test.conf:2: app \"a\": socket_mode: mode \"0999\" must be octal 0-0777, "
			   "such as \"0660\"");
	expect_app_setting("socket_mode = 01000;",
			   "test.conf:2: app \"a\": socket_mode: mode \"1000\" must be octal 0-0777, "
			   "such as \"0660\"");
	expect_app_setting("socket_mode = \"\";",
			   "test.conf:2: app \"a\": socket_mode: mode \"\" must be octal 0-0777, "
			   "such as \"0660\"");
	expect_app_setting("socket_mode = -1;",
			   "test.conf:2: app \"a\": socket_mode: mode \"-1\" must be octal 0-0777, "
			   "such as \"0660\"");
	expect_app_setting("socket_mode = 0x200;",
			   "test.conf:2: app \"a\": socket_mode must be 0..0777, got 01000");
	expect_app_setting("socket_mode = true;",
			   "test.conf:2: app \"a\": socket_mode must be an octal integer or string "
			   "such as \"0660\", not a boolean");
	expect_app_setting("socket_mode = 0666;",
			   "test.conf:2: app \"a\": socket_mode 0666 lets every local user connect "
			   "and forge SCGI variables (S8); drop the write bit for others");
}

static void test_socket_mode_needs_unix_socket(void)
{
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"127.0.0.1:4000\";\n"
		   "  socket_mode = 0600; } );\n",
		   "test.conf:2: app \"a\": socket_mode applies only to unix: sockets; a TCP "
		   "port is open to every local user");
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\";\n"
		   "  socket_mode = 0600; } );\n",
		   "test.conf:3: app \"a\": socket_mode needs a socket");
	expect_one("listeners = ( { http = \"127.0.0.1:8080\";\n"
		   "  socket_mode = 0600; } );\n" APP,
		   "test.conf:2: listener: socket_mode applies only to unix: sockets; a TCP "
		   "port is open to every local user");
}

/* ---- socket_group ------------------------------------------------------------ */

static void test_socket_group(void)
{
	expect_ok(APP);
	CHECK_STR(cfg.apps[0].socket_group, "");
	CHECK(cfg.apps[0].socket_gid == (gid_t)-1);
	expect_app_setting("socket_group = \"www-data\";", NULL);
	CHECK_STR(cfg.apps[0].socket_group, "www-data");
	CHECK(cfg.apps[0].socket_gid == (gid_t)-1); /* sg_config_resolve looks it up */
	expect_app_setting("socket_group = 33;", NULL);
	CHECK_STR(cfg.apps[0].socket_group, "33");
	expect_app_setting("socket_group = \"0\";", NULL);
	CHECK_STR(cfg.apps[0].socket_group, "0");
	expect_ok("listeners = ( { http = \"unix:/tmp/h.sock\"; socket_group = \"www-data\"; },\n"
		  "  { scgi = \"unix:/tmp/s.sock\"; socket_group = 4294967294L; },\n"
		  "  { http = \"127.0.0.1:8080\"; } );\n"
		  "apps = ( { name = \"a\"; module = \"m\"; } );\n");
	CHECK(cfg.n_listeners == 3);
	if (cfg.n_listeners != 3)
		return;
	CHECK_STR(cfg.listeners[0].socket_group, "www-data");
	CHECK_STR(cfg.listeners[1].socket_group, "4294967294");
	CHECK_STR(cfg.listeners[2].socket_group, "");
	for (int i = 0; i < cfg.n_listeners; i++)
		CHECK(cfg.listeners[i].socket_gid == (gid_t)-1);
}

static void test_socket_group_bad(void)
{
	expect_app_setting("socket_group = true;",
			   "test.conf:2: app \"a\": socket_group must be a group name or a gid, not "
			   "a boolean");
	expect_app_setting("socket_group = [ \"www-data\" ];",
			   "test.conf:2: app \"a\": socket_group must be a group name or a gid, not "
			   "an array [ ]");
	expect_app_setting("socket_group = \"\";",
			   "test.conf:2: app \"a\": socket_group: \"\" is not a group name or gid");
	expect_app_setting("socket_group = \"-www\";",
			   "test.conf:2: app \"a\": socket_group: \"-www\" is not a group name or gid");
	expect_app_setting("socket_group = \"www data\";",
			   "test.conf:2: app \"a\": socket_group: \"www data\" is not a group name or "
			   "gid");
	expect_app_setting("socket_group = \"a:b\";",
			   "test.conf:2: app \"a\": socket_group: \"a:b\" is not a group name or gid");
	expect_app_setting("socket_group = -1;",
			   "test.conf:2: app \"a\": socket_group must be 0..4294967294, got -1");
	expect_app_setting("socket_group = \"4294967295\";",
			   "test.conf:2: app \"a\": socket_group: gid 4294967295 must be "
			   "0-4294967294");
	expect_app_setting("socket_group = \"g234567890123456789012345678901234567890123456789"
			   "012345678901234\";",
			   "test.conf:2: app \"a\": socket_group is too long (at most 63 bytes)");
	expect_one("listeners = ( { scgi = \"unix:/tmp/s.sock\";\n  socket_group = 1.5; } );\n" APP,
		   "test.conf:2: listener: socket_group must be a group name or a gid, not a "
		   "number with a fraction");
}

static void test_socket_group_needs_unix_socket(void)
{
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"127.0.0.1:4000\";\n"
		   "  socket_group = \"www-data\"; } );\n",
		   "test.conf:2: app \"a\": socket_group applies only to unix: sockets; a TCP "
		   "port has no group");
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\";\n"
		   "  socket_group = \"www-data\"; } );\n",
		   "test.conf:3: app \"a\": socket_group needs a socket");
	expect_one("listeners = ( { scgi = \"127.0.0.1:4000\";\n"
		   "  socket_group = \"www-data\"; } );\n" APP,
		   "test.conf:2: listener: socket_group applies only to unix: sockets; a TCP "
		   "port has no group");
}

/* ---- listeners ------------------------------------------------------------- */

static void test_listener_defaults(void)
{
	expect_ok("listeners = ( { http = \"unix:/tmp/h.sock\"; }, { scgi = \"unix:/tmp/s.sock\"; } );\n"
		  "apps = ( { name = \"a\"; module = \"m\"; } );\n");
	CHECK(cfg.n_listeners == 2);
	CHECK(cfg.listeners[0].socket_mode == 0600);
	CHECK(cfg.listeners[1].socket_mode == 0660);
	CHECK(cfg.listeners[0].n_allow_uids == 0);
}

static void test_listener_bad(void)
{
	expect_one("listeners = ( { http = \"127.0.0.1:1\"; scgi = \"127.0.0.1:2\"; } );\n" APP,
		   "test.conf:1: listener has more than one of http, scgi and launcher; give one "
		   "of them");
	expect_one("listeners = (\n  { socket_mode = 0600; } );\n" APP,
		   "test.conf:2: listener needs an address: http = \"HOST:PORT\", scgi = "
		   "\"unix:/path\" or launcher = \"unix:/path\"");
	expect_prefix("listeners = ( { http = \"nowhere\"; } );\n" APP,
		      "test.conf:1: listener: http: ");
	expect_one("listeners = ( { scgi = \"unix:/tmp/s.sock\"; socket_mode = 0666; } );\n" APP,
		   "test.conf:1: listener: socket_mode 0666 lets every local user connect and "
		   "forge SCGI variables (S8); drop the write bit for others");
	expect_one("listeners = { http = \"127.0.0.1:1\"; };\n" APP,
		   "test.conf:1: listeners must be a list of groups: listeners = ( { http = "
		   "\"127.0.0.1:8080\"; } );");
	expect_one("listeners = ( \"127.0.0.1:1\" );\n" APP,
		   "test.conf:1: each listeners entry must be a group { ... }, not a string");
}

/* The launcher socket (sandgate-cgi) and SCGI listeners with cgi = true. */
static void test_listener_cgi(void)
{
	expect_ok("listeners = ( { launcher = \"unix:/tmp/c.sock\"; },\n"
		  "  { scgi = \"unix:/tmp/s.sock\"; cgi = true; } );\n" APP);
	CHECK(cfg.n_listeners == 2);
	CHECK(cfg.listeners[0].kind == SG_LISTEN_CGI && cfg.listeners[0].socket_mode == 0660);
	CHECK(!cfg.listeners[0].cgi);
	CHECK(cfg.listeners[1].kind == SG_LISTEN_SCGI && cfg.listeners[1].cgi);
	expect_one("listeners = ( { launcher = \"127.0.0.1:9000\"; } );\n" APP,
		   "test.conf:1: listener: launcher needs a unix: socket (sandgate-cgi passes its "
		   "descriptors over it)");
	expect_one("listeners = ( { launcher = \"unix:/tmp/c.sock\"; socket_mode = 0662; } );\n"
		   APP, "test.conf:1: listener: socket_mode 0662 lets every local user connect "
		   "and forge CGI variables (S8); drop the write bit for others");
	expect_one("listeners = ( { http = \"127.0.0.1:1\"; cgi = true; } );\n" APP,
		   "test.conf:1: listener: cgi = true applies only to scgi listeners (a launcher "
		   "listener is always CGI; an HTTP one never)");
	expect_one("listeners = ( { launcher = \"unix:/tmp/c.sock\"; cgi = true; } );\n" APP,
		   "test.conf:1: listener: cgi = true applies only to scgi listeners (a launcher "
		   "listener is always CGI; an HTTP one never)");
	expect_one("listeners = ( { scgi = \"127.0.0.1:9000\"; cgi = true; } );\n" APP,
		   "test.conf:1: listener: cgi = true needs a unix: socket (on a TCP port every "
		   "local user could connect and pick any user's script, S8)");
	expect_ok("listeners = ( { scgi = \"127.0.0.1:9000\"; cgi = false; } );\n" APP);
	expect_one("listeners = ( { scgi = \"unix:/tmp/s.sock\"; cgi = 1; } );\n" APP,
		   "test.conf:1: listener: cgi must be true or false");
	expect_one("listeners = ( { scgi = \"unix:/tmp/s.sock\"; launcher = \"unix:/tmp/c\"; } );\n"
		   APP, "test.conf:1: listener has more than one of http, scgi and launcher; "
		   "give one of them");
	/* CGI listeners never route to an app: one is no way to reach one. */
	expect_one("listeners = ( { launcher = \"unix:/tmp/c.sock\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\"; } );\n",
		   "test.conf:2: app \"a\" is not reachable: give it a socket or add a listener");
	expect_one("listeners = ( { name = \"c\"; scgi = \"unix:/tmp/s.sock\"; cgi = true; },\n"
		   "  { http = \"127.0.0.1:1\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = \"c\"; }; } );\n",
		   "test.conf:3: app \"a\": route.listeners: listener \"c\" runs CGI scripts and never routes "
		   "to an app");
}

static void test_allow_uids(void)
{
	expect_ok("listeners = ( { http = \"unix:/tmp/h.sock\"; allow_uids = [ 1000, 1001 ]; } );\n"
		  "apps = ( { name = \"a\"; module = \"m\"; } );\n");
	CHECK(cfg.listeners[0].n_allow_uids == 2 && cfg.listeners[0].allow_uids[1] == 1001);
	expect_ok("listeners = ( { http = \"unix:/tmp/h.sock\"; allow_uids = \"bob\"; } );\n"
		  "apps = ( { name = \"a\"; module = \"m\"; } );\n");
	CHECK(cfg.listeners[0].n_allow_uids == 1);
	CHECK_STR(cfg.listeners[0].allow_names[0], "bob");
	/* On an SCGI socket too: it overrides frontends there. */
	expect_ok("listeners = ( { scgi = \"unix:/tmp/s.sock\"; allow_uids = [ 1 ]; } );\n" APP);
	CHECK(cfg.listeners[0].n_allow_uids == 1);
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; allow_uids = [ 1 ]; } );\n" APP,
		   "test.conf:1: listener: allow_uids needs a unix: socket (it checks "
		   "SO_PEERCRED)");
	expect_one("listeners = ( { http = \"unix:/tmp/h.sock\"; allow_uids = [ -1 ]; } );\n" APP,
		   "test.conf:1: listener: allow_uids entry must be 0..4294967294, got -1");
	expect_one("listeners = ( { http = \"unix:/tmp/h.sock\"; allow_uids = ( \"\" ); } );\n" APP,
		   "test.conf:1: listener: allow_uids entries must not be empty");
	expect_one("listeners = ( { http = \"unix:/tmp/h.sock\";\n"
		   "  allow_uids = [ 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 ]; } );\n" APP,
		   "test.conf:2: listener: allow_uids holds at most 16 entries");
}

static void test_too_many_listeners(void)
{
	char text[8192] = "listeners = (";
	for (int i = 0; i < SG_MAX_LISTENERS + 1; i++) {
		char one[64];
		snprintf(one, sizeof one, "%s{ http = \"127.0.0.1:%d\"; }", i ? "," : "", 9000 + i);
		strcat(text, one);
	}
	strcat(text, ");\n" APP);
	expect_one(text, "test.conf:1: at most 32 listeners are supported, got 33");
	CHECK(cfg.n_listeners == SG_MAX_LISTENERS);
}

/* ---- apps: names, modules, paths ------------------------------------------ */

static void test_names(void)
{
	expect_one("apps = ( { name = \"my blog\"; module = \"m\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app #1: name \"my blog\" must be 1-63 characters from A-Z a-z "
		   "0-9 _ . - (and not \".\" or \"..\")");
	expect_prefix("apps = ( { name = \"..\"; module = \"m\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		      "test.conf:1: app #1: name \"..\" must be");
	expect_prefix("apps = ( { name = \"\"; module = \"m\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		      "test.conf:1: app #1: name \"\" must be");
	char text[512];
	snprintf(text, sizeof text, "apps = ( { name = \"%064d\"; module = \"m\"; "
		 "socket = \"unix:/tmp/a.sock\"; } );\n", 0);
	expect_prefix(text, "test.conf:1: app #1: name is too long (at most 63 bytes)");
	snprintf(text, sizeof text, "apps = ( { name = \"%063d\"; module = \"m\"; "
		 "socket = \"unix:/tmp/a.sock\"; } );\n", 0);
	expect_ok(text);
	expect_ok("apps = ( { name = \"A-z_0.9\"; module = \"m\"; socket = \"unix:/tmp/a.sock\"; } );\n");
	expect_one("apps = ( { module = \"m\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app #1 has no name (name = \"...\"; letters, digits, _ . -)");
}

static void test_duplicate_names(void)
{
	expect_one("apps = (\n"
		   "  { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\"; },\n"
		   "  { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/b.sock\"; }\n"
		   ");\n",
		   "test.conf:3: app name \"a\" is already used on line 2");
}

static void test_module_forms(void)
{
	expect_app_setting("chdir = \"x\";", NULL);
	expect_ok("apps = ( { name = \"a\"; module = \"hello/app.py:app\"; socket = \"unix:/tmp/a.sock\"; } );\n");
	CHECK_STR(cfg.apps[0].module, "/etc/sg/hello/app.py:app");
	expect_ok("apps = ( { name = \"a\"; module = \"./app.py\"; socket = \"unix:/tmp/a.sock\"; } );\n");
	CHECK_STR(cfg.apps[0].module, "/etc/sg/app.py");
	expect_ok("apps = ( { name = \"a\"; module = \"pkg.mod:application\"; socket = \"unix:/tmp/a.sock\"; } );\n");
	CHECK_STR(cfg.apps[0].module, "pkg.mod:application");
	expect_ok("apps = ( { name = \"a\"; module = \"pkg\"; socket = \"unix:/tmp/a.sock\"; } );\n");
	CHECK_STR(cfg.apps[0].module, "pkg");
	expect_ok("apps = ( { name = \"a\"; module = \"/srv/x/wsgi\"; socket = \"unix:/tmp/a.sock\"; } );\n");
	CHECK_STR(cfg.apps[0].module, "/srv/x/wsgi");
}

static void test_module_bad(void)
{
	expect_one("apps = ( { name = \"a\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\" has no module (module = \"app.py\" or "
		   "\"package.module:callable\")");
	expect_one("apps = ( { name = \"a\"; module = \"app.py:1x\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\": module \"app.py:1x\": callable \"1x\" is not a "
		   "Python identifier");
	expect_one("apps = ( { name = \"a\"; module = \"app.py:\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\": module \"app.py:\": callable \"\" is not a Python "
		   "identifier");
	expect_one("apps = ( { name = \"a\"; module = \"\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\": module \"\" names no file or module");
	expect_one("apps = ( { name = \"a\"; module = \":app\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\": module \":app\" names no file or module");
	expect_one("apps = ( { name = \"a\"; module = \"pkg..mod\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		   "test.conf:1: app \"a\": module \"pkg..mod\" is neither a file (a path with "
		   "\"/\" or ending in \".py\") nor a dotted Python module name");
	expect_prefix("apps = ( { name = \"a\"; module = \"my-app\"; socket = \"unix:/tmp/a.sock\"; } );\n",
		      "test.conf:1: app \"a\": module \"my-app\" is neither a file");
}

static void test_relative_paths(void)
{
	expect_ok("apps = ( { name = \"a\"; module = \"app.py\"; socket = \"unix:run/a.sock\";\n"
		  "  chdir = \"srv\"; venv = \"./venv\"; pythonpath = \"lib\";\n"
		  "  log = \"/abs/a.log\"; access_log = \"../logs/a.log\"; } );\n");
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK_STR(a->chdir, "/etc/sg/srv");
	CHECK_STR(a->venv, "/etc/sg/venv");
	CHECK(a->n_pythonpath == 1);
	CHECK_STR(a->pythonpath[0], "/etc/sg/lib");
	CHECK_STR(a->log, "/abs/a.log");
	CHECK_STR(a->access_log, "/etc/sg/../logs/a.log");
	CHECK_STR(a->socket.ss.ss_family == AF_UNIX ? ((struct sockaddr_un *)&a->socket.ss)->sun_path
						       : "", "/etc/sg/run/a.sock");
}

static void test_parse_uses_file_directory(void)
{
	reset();
	CHECK(sg_config_parse(APP, "/srv/conf/sandgate.conf", &cfg, &diags) == 0);
	CHECK_STR(cfg.apps[0].module, "/srv/conf/app.py");
	CHECK_STR(cfg.source, "/srv/conf/sandgate.conf");
	reset();
	CHECK(sg_config_parse(APP, "/sandgate.conf", &cfg, &diags) == 0);
	CHECK_STR(cfg.apps[0].module, "/app.py");
	reset();
	CHECK(sg_config_parse(APP, "sandgate.conf", &cfg, &diags) == 0);
	CHECK_STR(cfg.apps[0].module, "app.py"); /* relative file, relative result */
}

static void test_path_bad(void)
{
	expect_app_setting("chdir = \"\";", "test.conf:2: app \"a\": chdir must not be empty");
	char setting[PATH_MAX + 64];
	char *longdir = malloc(PATH_MAX);
	memset(longdir, 'x', PATH_MAX - 5);
	longdir[PATH_MAX - 5] = '\0';
	snprintf(setting, sizeof setting, "venv = \"%s\";", longdir);
	char *text = malloc(PATH_MAX + 256);
	snprintf(text, PATH_MAX + 256, "apps = ( { name = \"a\"; module = \"m\";\n"
		 "  socket = \"unix:/tmp/a.sock\"; %s } );\n", setting);
	expect_one(text, "test.conf:2: app \"a\": venv is too long once made absolute");
	free(text);
	free(longdir);
	expect_app_setting("pythonpath = [ \"a\", \"\" ];",
			   "test.conf:2: app \"a\": pythonpath entry must not be empty");
	expect_app_setting("pythonpath = [ \"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\","
			   "\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\" ];",
			   "test.conf:2: app \"a\": pythonpath holds at most 16 directories, got 17");
}

static void test_user_setting(void)
{
	expect_app_setting("user = \"www-data\";", NULL);
	CHECK_STR(cfg.apps[0].user, "www-data");
	expect_app_setting("user = \"-rf\";", "test.conf:2: app \"a\": user \"-rf\" is not a valid user name");
	expect_app_setting("user = \"a b\";", "test.conf:2: app \"a\": user \"a b\" is not a valid user name");
	expect_app_setting("user = \"\";", "test.conf:2: app \"a\": user \"\" is not a valid user name");
}

/* ---- routes ----------------------------------------------------------------- */

static void test_prefix(void)
{
	expect_app_setting("route = { prefix = \"\"; };", NULL);
	expect_app_setting("route = { prefix = \"/a/b-c.d\"; };", NULL);
	CHECK_STR(cfg.apps[0].prefix, "/a/b-c.d");
	expect_app_setting("route = { prefix = \"blog\"; };",
			   "test.conf:2: app \"a\": route.prefix \"blog\" must start with \"/\"");
	expect_app_setting("route = { prefix = \"/blog/\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/blog/\" must not end with \"/\"");
	expect_app_setting("route = { prefix = \"/\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/\" must be written \"\" (the "
			   "whole site)");
	expect_app_setting("route = { prefix = \"/a//b\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/a//b\" must not contain \"//\"");
	expect_app_setting("route = { prefix = \"/a/./b\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/a/./b\" must not contain a \".\" "
			   "or \"..\" segment");
	expect_app_setting("route = { prefix = \"/a/..\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/a/..\" must not contain a \".\" "
			   "or \"..\" segment");
	expect_app_setting("route = { prefix = \"/a b\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/a b\" has a character that is not "
			   "allowed (letters, digits and -._~!$&'()*+,;=:@/ are)");
	expect_app_setting("route = { prefix = \"/a%2Fb\"; };",
			   "test.conf:2: app \"a\": route.prefix \"/a%2Fb\" has a character that is "
			   "not allowed (letters, digits and -._~!$&'()*+,;=:@/ are)");
	char setting[400] = "route = { prefix = \"/";
	memset(setting + strlen(setting), 'p', 260);
	strcpy(setting + strlen("route = { prefix = \"/") + 260, "\"; };");
	expect_app_setting(setting, "test.conf:2: app \"a\": route.prefix is too long (at most 255 bytes)");
}

static void test_host(void)
{
	expect_app_setting("route = { host = \"Blog.Example.COM:8080\"; };", NULL);
	CHECK_STR(cfg.apps[0].host, "blog.example.com:8080");
	expect_app_setting("route = { host = \"bad_host\"; };",
			   "test.conf:2: app \"a\": route.host \"bad_host\" may hold only letters, "
			   "digits, '-', '.' and a \":port\"");
	expect_app_setting("route = { host = \"a..b\"; };",
			   "test.conf:2: app \"a\": route.host \"a..b\" has an empty label");
	expect_app_setting("route = { host = \".a\"; };",
			   "test.conf:2: app \"a\": route.host \".a\" has an empty label");
	expect_app_setting("route = { host = \"x:0\"; };",
			   "test.conf:2: app \"a\": route.host \"x:0\": port \"0\" must be 1-65535");
	expect_app_setting("route = { host = \"x:70000\"; };",
			   "test.conf:2: app \"a\": route.host \"x:70000\": port \"70000\" must be "
			   "1-65535");
	expect_app_setting("route = { host = \"x:\"; };",
			   "test.conf:2: app \"a\": route.host \"x:\": port \"\" must be 1-65535");
	expect_app_setting("route = { host = \":80\"; };",
			   "test.conf:2: app \"a\": route.host \":80\" must have a name of 1-253 "
			   "characters");
	expect_app_setting("route = { host = \"x:1:2\"; };",
			   "test.conf:2: app \"a\": route.host \"x:1:2\": port \"1:2\" must be 1-65535");
}

static void test_route_collision(void)
{
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; } );\n"
		   "apps = (\n"
		   "  { name = \"a\"; module = \"m\"; route = { prefix = \"/x\"; host = \"h.example\"; }; },\n"
		   "  { name = \"b\"; module = \"m\"; route = { prefix = \"/y\"; host = \"h.example\"; }; },\n"
		   "  { name = \"c\"; module = \"m\"; route = { prefix = \"/x\"; host = \"H.example\"; }; }\n"
		   ");\n",
		   "test.conf:5: app \"c\" has the same route as app \"a\" on line 3 (host "
		   "\"h.example\", prefix \"/x\"); give one a route.prefix, route.host or route.listeners");
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\"; },\n"
		   "  { name = \"b\"; module = \"m\"; } );\n",
		   "test.conf:3: app \"b\" has the same route as app \"a\" on line 2 (host any, "
		   "prefix \"\"); give one a route.prefix, route.host or route.listeners");
	/* Without a listener nothing is routed: direct sockets only. */
	expect_ok("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\"; },\n"
		  "  { name = \"b\"; module = \"m\"; socket = \"unix:/tmp/b.sock\"; } );\n");
}

/* ---- listener names and route.listeners --------------------------------- */

/* A public TCP listener and a named admin socket. */
#define TWO_LISTENERS                                                                  \
	"listeners = ( { http = \"127.0.0.1:8080\"; },\n"                              \
	"  { name = \"admin\"; http = \"unix:/tmp/admin.sock\"; } );\n"

static void test_listener_names(void)
{
	expect_ok(TWO_LISTENERS "apps = ( { name = \"a\"; module = \"m\"; } );\n");
	CHECK_STR(cfg.listeners[0].name, "");
	CHECK_STR(cfg.listeners[1].name, "admin");
	CHECK(cfg.apps[0].listener_mask == 0);
	expect_one("listeners = ( { name = \"a b\"; http = \"127.0.0.1:8080\"; } );\n" APP,
		   "test.conf:1: listener: name \"a b\" must be 1-63 characters from A-Z a-z "
		   "0-9 _ . - (and not \".\" or \"..\")");
	expect_one("listeners = ( { name = 1; http = \"127.0.0.1:8080\"; } );\n" APP,
		   "test.conf:1: listener: name must be a string, not an integer");
	/* The name labels the listener's other messages. */
	expect_one("listeners = ( { name = \"pub\"; http = \"127.0.0.1:8080\"; "
		   "socket_mode = 0600; } );\n" APP,
		   "test.conf:1: listener \"pub\": socket_mode applies only to unix: sockets; "
		   "a TCP port is open to every local user");
	expect_one("listeners = ( { name = \"x\"; http = \"127.0.0.1:8080\"; },\n"
		   "  { name = \"x\"; http = \"127.0.0.1:8081\"; } );\n" APP,
		   "test.conf:2: listener name \"x\" is already used on line 1");
	/* Listener and app names are separate. */
	expect_ok("listeners = ( { name = \"a\"; http = \"127.0.0.1:8080\"; } );\n" APP);
}

static void test_route_listeners(void)
{
	expect_ok(TWO_LISTENERS
		  "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = \"admin\"; }; },\n"
		  "  { name = \"b\"; module = \"m\"; route = { listeners = [ \"admin\" ];\n"
		  "    prefix = \"/b\"; }; } );\n");
	CHECK(cfg.apps[0].listener_mask == 2u && cfg.apps[1].listener_mask == 2u);
	expect_ok("listeners = ( { name = \"p\"; http = \"127.0.0.1:8080\"; },\n"
		  "  { http = \"127.0.0.1:8081\"; },\n"
		  "  { name = \"q\"; scgi = \"unix:/tmp/s.sock\"; } );\n"
		  "apps = ( { name = \"a\"; module = \"m\";\n"
		  "  route = { listeners = ( \"q\", \"p\" ); }; } );\n");
	CHECK(cfg.apps[0].listener_mask == 5u);
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"a\"; module = \"m\";\n"
		   "  route = { listeners = [ \"admin\", \"adm\" ]; }; } );\n",
		   "test.conf:4: app \"a\": route.listeners: no listener named \"adm\"");
	/* an unnamed listener is not named "" */
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = \"\"; }; } );\n",
		   "test.conf:3: app \"a\": route.listeners: no listener named \"\"");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		   "  route = { listeners = \"admin\"; }; } );\n",
		   "test.conf:2: app \"a\": route.listeners: no listener named \"admin\"");
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = [ ]; }; } );\n",
		   "test.conf:3: app \"a\": route.listeners must name at least one listener "
		   "(leave it out to route from every listener)");
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = 1; }; } );\n",
		   "test.conf:3: app \"a\": route.listeners must be a listener name or an array "
		   "of them, not an integer");
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = ( 1 ); }; } );\n",
		   "test.conf:3: app \"a\": route.listeners entry must be a string, not an integer");
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"a\"; module = \"m\"; route = { listeners = [ \"admin\",\n"
		   "  \"admin\", \"admin\", \"admin\", \"admin\", \"admin\", \"admin\", \"admin\",\n"
		   "  \"admin\" ]; }; } );\n",
		   "test.conf:3: app \"a\": route.listeners holds at most 8 names, got 9");
}

/* The last of 32 listeners is bit 31. */
static void test_route_listeners_bit_31(void)
{
	char text[8192] = "listeners = (";
	for (int i = 0; i < SG_MAX_LISTENERS; i++) {
		char one[80];
		snprintf(one, sizeof one, "%s{ name = \"l%d\"; http = \"127.0.0.1:%d\"; }",
			 i ? "," : "", i, 9000 + i);
		strcat(text, one);
	}
	strcat(text, ");\napps = ( { name = \"a\"; module = \"m\"; route = { listeners = "
		     "[ \"l31\", \"l0\" ]; }; },\n"
		     "  { name = \"b\"; module = \"m\"; } );\n");
	expect_one(text, "test.conf:3: app \"b\" has the same route as app \"a\" on line 2 "
			 "(host any, prefix \"\"); give one a route.prefix, route.host or "
			 "route.listeners");
	CHECK(cfg.apps[0].listener_mask == 0x80000001u);
}

/* Two apps with one host and prefix compete only on a listener that routes
 * to both. */
static void test_route_collision_listeners(void)
{
	expect_ok(TWO_LISTENERS
		  "apps = ( { name = \"pub\"; module = \"m\"; route = { listeners = \"admin\"; \n"
		  "    prefix = \"/p\"; }; },\n"
		  "  { name = \"adm\"; module = \"m\"; route = { listeners = \"admin\"; }; } );\n");
	expect_ok("listeners = ( { name = \"p\"; http = \"127.0.0.1:8080\"; },\n"
		  "  { name = \"admin\"; http = \"unix:/tmp/admin.sock\"; } );\n"
		  "apps = ( { name = \"pub\"; module = \"m\"; route = { listeners = \"p\"; }; },\n"
		  "  { name = \"adm\"; module = \"m\"; route = { listeners = \"admin\"; }; } );\n");
	expect_one("listeners = ( { name = \"p\"; http = \"127.0.0.1:8080\"; },\n"
		   "  { name = \"admin\"; http = \"unix:/tmp/admin.sock\"; } );\n"
		   "apps = ( { name = \"pub\"; module = \"m\"; route = { listeners = \"p\"; }; },\n"
		   "  { name = \"adm\"; module = \"m\";\n"
		   "    route = { listeners = [ \"admin\", \"p\" ]; }; } );\n",
		   "test.conf:4: app \"adm\" has the same route as app \"pub\" on line 3 (host "
		   "any, prefix \"\"); give one a route.prefix, route.host or route.listeners");
	/* no route.listeners: every listener, which meets any set */
	expect_one(TWO_LISTENERS
		   "apps = ( { name = \"adm\"; module = \"m\"; route = { listeners = \"admin\"; "
		   "prefix = \"/x\"; }; },\n"
		   "  { name = \"pub\"; module = \"m\"; route = { prefix = \"/x\"; }; } );\n",
		   "test.conf:4: app \"pub\" has the same route as app \"adm\" on line 3 (host "
		   "any, prefix \"/x\"); give one a route.prefix, route.host or route.listeners");
}

static void test_reachability(void)
{
	expect_one("apps = (\n  { name = \"blog\"; module = \"m\"; } );\n",
		   "test.conf:2: app \"blog\" is not reachable: give it a socket or add a listener");
	expect_ok("listeners = ( { scgi = \"127.0.0.1:4000\"; } );\n"
		  "apps = ( { name = \"blog\"; module = \"m\"; } );\n");
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; } );\n",
		   "test.conf: no apps: add apps = ( { name = \"x\"; module = \"app.py\"; } );");
	expect_one("", "test.conf: no apps: add apps = ( { name = \"x\"; module = \"app.py\"; } );");
	expect_one("\napps = ( );\n",
		   "test.conf:2: no apps: add apps = ( { name = \"x\"; module = \"app.py\"; } );");
	expect_one("apps = [ ];\n",
		   "test.conf:1: apps must be a list of groups: apps = ( { name = \"x\"; module = "
		   "\"app.py\"; } );");
	expect_one("apps = ( { name = \"a\"; module = \"m\"; } , 3 );\n",
		   "test.conf:1: each apps entry must be a group { ... }, not an integer");
}

static void test_address_collision(void)
{
	expect_one("listeners = ( { http = \"127.0.0.1:8080\"; },\n"
		   "  { scgi = \"127.0.0.1:8080\"; } );\n" "apps = ( { name = \"a\"; module = \"m\"; } );\n",
		   "test.conf:2: address 127.0.0.1:8080 is already used on line 1");
	expect_one("listeners = ( { http = \"0.0.0.0:8080\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\";\n"
		   "  socket = \"127.0.0.1:8080\"; } );\n",
		   "test.conf:2: address 127.0.0.1:8080 is already used on line 1");
	expect_one("listeners = ( { http = \"[::]:8080\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\"; socket = \"127.0.0.1:8080\"; } );\n",
		   "test.conf:2: address 127.0.0.1:8080 is already used on line 1");
	expect_one("listeners = ( { scgi = \"unix:/tmp/x.sock\"; } );\n"
		   "apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/x.sock\"; } );\n",
		   "test.conf:2: address unix:/tmp/x.sock is already used on line 1");
	expect_ok("listeners = ( { http = \"127.0.0.1:8080\"; }, { http = \"127.0.0.2:8080\"; },\n"
		  "  { http = \"127.0.0.1:8081\"; }, { http = \"[::1]:8080\"; } );\n"
		  "apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/y.sock\"; } );\n");
}

static void test_too_many_apps(void)
{
	size_t size = 80 * (SG_MAX_APPS + 2);
	char *text = malloc(size);
	strcpy(text, "listeners = ( { http = \"127.0.0.1:1\"; } );\napps = (");
	for (int i = 0; i <= SG_MAX_APPS; i++) {
		char one[80];
		snprintf(one, sizeof one, "%s{ name = \"a%d\"; module = \"m\"; route = { prefix = \"/%d\"; }; }",
			 i ? "," : "", i, i);
		strcat(text, one);
	}
	strcat(text, ");\n");
	expect_one(text, "test.conf:2: at most 256 apps are supported, got 257");
	CHECK(cfg.n_apps == SG_MAX_APPS);
	free(text);
}

/* ---- diags ------------------------------------------------------------------- */

static void test_many_problems_capped(void)
{
	char *text = malloc(40 * 400 + 200);
	strcpy(text, APP);
	for (int i = 0; i < 400; i++) {
		char one[40];
		snprintf(one, sizeof one, "bogus%d = 1;\n", i);
		strcat(text, one);
	}
	CHECK(parse(text) == -1);
	CHECK(diags.n == SG_DIAGS_MAX);
	CHECK_STR(diags.msg[0], "test.conf:2: unknown setting \"bogus0\"");
	CHECK_STR(diags.msg[SG_DIAGS_MAX - 1], "test.conf:201: too many problems; the rest are not listed");
	free(text);
}

static void test_diags_add(void)
{
	struct sg_diags d = { 0 };
	sg_diags_add(&d, "f.conf", 7, "x %d", 1);
	sg_diags_add(&d, "command line", 0, "--user root: no");
	CHECK(d.n == 2);
	CHECK_STR(d.msg[0], "f.conf:7: x 1");
	CHECK_STR(d.msg[1], "command line: --user root: no");
	sg_diags_free(&d);
	CHECK(d.n == 0 && d.msg == NULL);
}

/* ---- sg_config_load ------------------------------------------------------------ */

static char tmpdir[64];

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, text, len) == (ssize_t)len);
	close(fd);
}

static void test_load(void)
{
	char path[128], sub[128], real[PATH_MAX];
	snprintf(sub, sizeof sub, "%s/etc", tmpdir);
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/etc/sg.conf", tmpdir);
	write_file(path, APP, strlen(APP));
	reset();
	CHECK(sg_config_load(path, &cfg, &diags) == 0);
	CHECK(realpath(sub, real) != NULL);
	strcat(real, "/app.py");
	CHECK_STR(cfg.apps[0].module, real);
	CHECK_STR(cfg.source, path);

	/* Relative to the current directory, messages keep the path as given. */
	char cwd[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(chdir(tmpdir) == 0);
	write_file("etc/bad.conf", "apps = (\n  { name = \"a\"; module = \"m\"; } );\n", 43);
	reset();
	CHECK(sg_config_load("etc/bad.conf", &cfg, &diags) == -1);
	CHECK_STR(diags.n > 0 ? diags.msg[0] : NULL,
		  "etc/bad.conf:2: app \"a\" is not reachable: give it a socket or add a listener");
	reset();
	CHECK(sg_config_load("sg.conf", &cfg, &diags) == -1); /* not in tmpdir itself */
	CHECK(chdir(cwd) == 0);
}

static void test_load_bad_files(void)
{
	char path[128];
	reset();
	snprintf(path, sizeof path, "%s/missing.conf", tmpdir);
	CHECK(sg_config_load(path, &cfg, &diags) == -1);
	char want[256];
	snprintf(want, sizeof want, "%s: cannot read: No such file or directory", path);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL, want);

	reset();
	CHECK(sg_config_load(tmpdir, &cfg, &diags) == -1);
	snprintf(want, sizeof want, "%s: cannot read: not a regular file", tmpdir);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL, want);

	snprintf(path, sizeof path, "%s/nul.conf", tmpdir);
	write_file(path, "a = 1;\0b = 2;\n", 14);
	reset();
	CHECK(sg_config_load(path, &cfg, &diags) == -1);
	snprintf(want, sizeof want, "%s: cannot read: it contains a NUL byte", path);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL, want);

	snprintf(path, sizeof path, "%s/big.conf", tmpdir);
	char *big = malloc(SG_CONFIG_FILE_MAX + 1);
	memset(big, '\n', SG_CONFIG_FILE_MAX + 1);
	write_file(path, big, SG_CONFIG_FILE_MAX + 1);
	free(big);
	reset();
	CHECK(sg_config_load(path, &cfg, &diags) == -1);
	snprintf(want, sizeof want, "%s: cannot read: larger than %d bytes", path, SG_CONFIG_FILE_MAX);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL, want);
}

/* ---- sg_config_resolve ------------------------------------------------------------ */

static int resolve(const char *text, uid_t as)
{
	if (parse(text) != 0) {
		show_diags();
		return -2;
	}
	return sg_config_resolve(&cfg, as, &diags);
}

#define APP_USER(u) "apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n" \
		    "  user = \"" u "\"; } );\n"

static void test_resolve_root(void)
{
	const struct passwd *nobody = getpwnam("nobody");
	CHECK(nobody != NULL);
	if (nobody == NULL)
		return;
	CHECK(resolve(APP, 0) == 0);
	CHECK(cfg.apps[0].uid == nobody->pw_uid && cfg.apps[0].gid == nobody->pw_gid);
	CHECK(resolve(APP_USER("nobody"), 0) == 0);
	CHECK(cfg.apps[0].uid == nobody->pw_uid);
	CHECK(resolve(APP_USER("root"), 0) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:1: app \"a\" would run as root (uid 0); set user to an unprivileged "
		  "account");
	CHECK(resolve(APP_USER("no-such-user-xyz"), 0) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:1: app \"a\": unknown user \"no-such-user-xyz\"");
}

static void test_resolve_self(void)
{
	const struct passwd *nobody = getpwnam("nobody");
	CHECK(nobody != NULL);
	if (nobody == NULL)
		return;
	uid_t self = nobody->pw_uid; /* as if the gateway ran as nobody */
	CHECK(resolve(APP, self) == 0);
	CHECK(cfg.apps[0].uid == self && cfg.apps[0].gid == nobody->pw_gid);
	CHECK(resolve(APP_USER("nobody"), self) == 0);
	CHECK(cfg.apps[0].uid == self);
	CHECK(resolve(APP_USER("root"), self) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:1: app \"a\": user root: only root can run apps as another user");
	CHECK(resolve(APP_USER("no-such-user-xyz"), self) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:1: app \"a\": unknown user \"no-such-user-xyz\"");
}

static void test_resolve_allow_names(void)
{
	CHECK(resolve("listeners = ( { http = \"unix:/tmp/h.sock\"; allow_uids = ( 5, \"root\" ); } );\n"
		      APP, 0) == 0);
	CHECK(cfg.listeners[0].allow_uids[0] == 5 && cfg.listeners[0].allow_uids[1] == 0);
	CHECK(resolve("\nlisteners = ( { http = \"unix:/tmp/h.sock\"; allow_uids = \"no-such-user-xyz\"; } );\n"
		      APP, 0) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:2: allow_uids: unknown user \"no-such-user-xyz\"");
}

#define APP_GROUP(g) "apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n" \
		     "  socket_group = " g "; } );\n"

static void test_resolve_socket_group(void)
{
	const struct group *g0 = getgrgid(0);
	CHECK(g0 != NULL);
	char text[512];
	snprintf(text, sizeof text, APP_GROUP("\"%s\""), g0 != NULL ? g0->gr_name : "root");
	CHECK(resolve(text, 0) == 0);
	CHECK(cfg.apps[0].socket_gid == 0);
	CHECK(resolve(APP_GROUP("4242"), 0) == 0); /* root may use any gid */
	CHECK(cfg.apps[0].socket_gid == 4242);
	CHECK(resolve(APP, 0) == 0);
	CHECK(cfg.apps[0].socket_gid == (gid_t)-1);
	CHECK(resolve(APP_GROUP("\"no-such-group-xyz\""), 0) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:1: app \"a\": socket_group: unknown group \"no-such-group-xyz\"");
	CHECK(resolve("\nlisteners = ( { scgi = \"unix:/tmp/s.sock\"; "
		      "socket_group = \"no-such-group-xyz\"; } );\n" APP, 0) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "test.conf:2: listener: socket_group: unknown group \"no-such-group-xyz\"");
	CHECK(resolve("listeners = ( { scgi = \"unix:/tmp/s.sock\"; socket_group = 7; } );\n"
		      APP, 0) == 0);
	CHECK(cfg.listeners[0].socket_gid == 7);
}

/* A group this process is not in (the gateway could not chown to it). */
static const struct group *foreign_group(void)
{
	gid_t own[256];
	int n = getgroups(256, own);
	const struct group *g;
	setgrent();
	while ((g = getgrent()) != NULL) {
		bool mine = g->gr_gid == getegid();
		for (int i = 0; i < n && !mine; i++)
			mine = own[i] == g->gr_gid;
		if (!mine && strlen(g->gr_name) < SG_NAME_MAX)
			break;
	}
	endgrent();
	return g;
}

static void test_resolve_socket_group_not_root(void)
{
	uid_t self = 65534; /* as if the gateway ran as nobody */
	char text[512], want[256], name[SG_NAME_MAX];
	snprintf(text, sizeof text, APP_GROUP("%u"), (unsigned)getegid());
	CHECK(resolve(text, self) == 0);
	CHECK(cfg.apps[0].socket_gid == getegid());
	const struct group *g = foreign_group();
	if (g == NULL) {
		printf("  (skipped: this process is in every group)\n");
		return;
	}
	snprintf(name, sizeof name, "%s", g->gr_name);
	snprintf(text, sizeof text, APP_GROUP("\"%s\""), name);
	CHECK(resolve(text, self) == -1);
	snprintf(want, sizeof want, "test.conf:1: app \"a\": socket_group: group %s: only root "
		 "can give a socket to a group it is not in", name);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL, want);
	CHECK(cfg.apps[0].socket_gid == (gid_t)-1);
	CHECK(resolve(text, 0) == 0); /* root may */
}

static void test_resolve_command_line(void)
{
	reset();
	snprintf(cfg.source, sizeof cfg.source, "command line");
	cfg.apps = calloc(1, sizeof *cfg.apps);
	cfg.n_apps = 1;
	sg_config_defaults_app(&cfg.apps[0]);
	strcpy(cfg.apps[0].name, "app");
	strcpy(cfg.apps[0].user, "root");
	CHECK(sg_config_resolve(&cfg, 0, &diags) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "command line: --user root: the app would run as root (uid 0); name an "
		  "unprivileged account");
	sg_diags_free(&diags);
	CHECK(sg_config_resolve(&cfg, 65534, &diags) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "command line: --user root: only root can run apps as another user");
	sg_diags_free(&diags);
	strcpy(cfg.apps[0].user, "no-such-user-xyz");
	CHECK(sg_config_resolve(&cfg, 0, &diags) == -1);
	CHECK_STR(diags.n == 1 ? diags.msg[0] : NULL,
		  "command line: --user no-such-user-xyz: unknown user");
}

/* ---- cell limits (cgroup) --------------------------------------------------------- */

static void test_limit_forms(void)
{
	expect_app_setting("memory = 67108864;", NULL);
	CHECK(cfg.apps[0].memory == 64LL << 20);
	expect_app_setting("memory = 4294967296L;", NULL);
	CHECK(cfg.apps[0].memory == 4LL << 30);
	expect_app_setting("memory = \"64M\";", NULL);
	CHECK(cfg.apps[0].memory == 64LL << 20);
	expect_app_setting("memory = \"1g\";", NULL);
	CHECK(cfg.apps[0].memory == 1LL << 30);
	expect_app_setting("memory = \"2048K\";", NULL);
	CHECK(cfg.apps[0].memory == 2LL << 20);
	expect_app_setting("memory = \"1T\";", NULL);
	CHECK(cfg.apps[0].memory == 1LL << 40);
	expect_app_setting("memory = \"max\";", NULL);
	CHECK(cfg.apps[0].memory == SG_LIMIT_NONE);
	expect_app_setting("pids = 32;", NULL);
	CHECK(cfg.apps[0].pids == 32);
	expect_app_setting("pids = \"max\";", NULL);
	CHECK(cfg.apps[0].pids == SG_LIMIT_NONE);
	expect_app_setting("pids = 4194304;", NULL);
	CHECK(cfg.apps[0].pids == 4194304);
	expect_app_setting("cpu = 0.5;", NULL);
	CHECK(cfg.apps[0].cpu_us == 50000);
	expect_app_setting("cpu = 0.01;", NULL);
	CHECK(cfg.apps[0].cpu_us == 1000);
	expect_app_setting("cpu = 2;", NULL);
	CHECK(cfg.apps[0].cpu_us == 200000);
	expect_app_setting("cpu = \"50%\";", NULL);
	CHECK(cfg.apps[0].cpu_us == 50000);
	expect_app_setting("cpu = \"12.5%\";", NULL);
	CHECK(cfg.apps[0].cpu_us == 12500);
	expect_app_setting("cpu = \"250%\";", NULL);
	CHECK(cfg.apps[0].cpu_us == 250000);
	expect_app_setting("cpu = \"0.33333\";", NULL);
	CHECK(cfg.apps[0].cpu_us == 33333);
	expect_app_setting("cpu = \"max\";", NULL);
	CHECK(cfg.apps[0].cpu_us == SG_LIMIT_NONE);
	expect_app_setting("cpu = 1024.0;", NULL);
	CHECK(cfg.apps[0].cpu_us == 102400000);
}

#define SIZE_WANTED "expected a size in bytes, or with K, M, G or T (1024-based) such as 512M, " \
		    "at least 1M, or max; got "
#define CPU_WANTED "expected a fraction of one CPU (0.5) or a percentage (50%), 0.01-1024 " \
		   "CPUs, or max; got "

static void test_limit_bad(void)
{
	const char *pre = "test.conf:2: app \"a\": ";
	char want[512];
	static const char *const memory_bad[] = { "0", "1048575", "512X", "512MB", "-1", "1.5G",
						  " 1G", "M", "", "9999999999999999999", "8388608T" };
	for (size_t i = 0; i < sizeof memory_bad / sizeof memory_bad[0]; i++) {
		char setting[96];
		snprintf(setting, sizeof setting, "memory = \"%s\";", memory_bad[i]);
		snprintf(want, sizeof want, "%smemory: %s\"%s\"", pre, SIZE_WANTED, memory_bad[i]);
		expect_app_setting(setting, want);
	}
	expect_app_setting("memory = 1024;", "test.conf:2: app \"a\": memory: " SIZE_WANTED "\"1024\"");
	expect_app_setting("memory = 1.5;", "test.conf:2: app \"a\": memory must be bytes (an integer) "
					   "or a string such as \"512M\", not a number with a fraction");
	expect_app_setting("pids = 0;",
			   "test.conf:2: app \"a\": pids: expected an integer 1-4194304 or max, got \"0\"");
	expect_app_setting("pids = 4194305;", "test.conf:2: app \"a\": pids: expected an integer "
					      "1-4194304 or max, got \"4194305\"");
	expect_app_setting("pids = \"32.0\";", "test.conf:2: app \"a\": pids: expected an integer "
					       "1-4194304 or max, got \"32.0\"");
	expect_app_setting("pids = 2.5;", "test.conf:2: app \"a\": pids must be an integer or \"max\", "
					  "not a number with a fraction");
	/* Room for the zygote and its workers. */
	expect_app_setting("processes = 4; pids = 4;", "test.conf:2: app \"a\": pids: pids 4 leaves no "
						    "room for the zygote and 4 workers: it must be at least 5");
	expect_app_setting("processes = 4; pids = 5;", NULL);
	static const char *const cpu_bad[] = { "0", "0.009", "0.000001", "1025", "50", "-0.5",
					       "0.5%", "1.%", ".5", "50 %", "max%", "%", "1e3" };
	for (size_t i = 0; i < sizeof cpu_bad / sizeof cpu_bad[0]; i++) {
		char setting[96];
		snprintf(setting, sizeof setting, "cpu = \"%s\";", cpu_bad[i]);
		snprintf(want, sizeof want, "%scpu: %s\"%s\"", pre, CPU_WANTED, cpu_bad[i]);
		if (strcmp(cpu_bad[i], "50") == 0) /* 50 CPUs are fine; "50" is too */
			expect_app_setting(setting, NULL);
		else
			expect_app_setting(setting, want);
	}
	expect_app_setting("cpu = 0.0;", "test.conf:2: app \"a\": cpu must be 0.01..1024 CPUs, got 0");
	expect_app_setting("cpu = 2000.0;",
			   "test.conf:2: app \"a\": cpu must be 0.01..1024 CPUs, got 2000");
	expect_app_setting("cpu = 0;", "test.conf:2: app \"a\": cpu: " CPU_WANTED "\"0\"");
	expect_app_setting("cpu = true;", "test.conf:2: app \"a\": cpu must be a number such as 0.5 or a "
					  "string such as \"50%\", not a boolean");
}

static void test_limit_parsers(void)
{
	long long bytes = 0;
	int n = 0;
	struct sg_error err;
	CHECK(sg_config_parse_memory("1M", &bytes, &err) == 0 && bytes == 1 << 20);
	CHECK(sg_config_parse_memory("1048576", &bytes, &err) == 0 && bytes == 1 << 20);
	CHECK(sg_config_parse_memory("8388607T", &bytes, &err) == 0 && bytes == 8388607LL << 40);
	CHECK(sg_config_parse_memory("9223372036854775807", &bytes, &err) == 0 &&
	      bytes == LLONG_MAX);
	CHECK(sg_config_parse_memory("9223372036854775808", &bytes, &err) == -1);
	CHECK(sg_config_parse_memory("99999999999999999999999999", &bytes, &err) == -1);
	CHECK(sg_config_parse_pids("1", &n, &err) == 0 && n == 1);
	CHECK(sg_config_parse_pids("max", &n, &err) == 0 && n == SG_LIMIT_NONE);
	CHECK(sg_config_parse_pids("+5", &n, &err) == -1);
	CHECK(sg_config_parse_pids("99999999999999999999", &n, &err) == -1);
	CHECK(sg_config_parse_cpu("1", &n, &err) == 0 && n == 100000);
	CHECK(sg_config_parse_cpu("1.00000", &n, &err) == 0 && n == 100000);
	CHECK(sg_config_parse_cpu("1.000001", &n, &err) == -1);
	CHECK(sg_config_parse_cpu("1%", &n, &err) == 0 && n == 1000);
	CHECK(sg_config_parse_cpu("0.999%", &n, &err) == -1);
	CHECK(sg_config_parse_cpu("102400%", &n, &err) == 0 && n == 102400000);
	CHECK(sg_config_parse_cpu("102400.001%", &n, &err) == -1);
	CHECK(sg_config_parse_cpu("1024", &n, &err) == 0 && n == 102400000);
	CHECK(sg_config_parse_cpu("99999999999999999999", &n, &err) == -1);
	CHECK(sg_config_check_pids(SG_LIMIT_NONE, 128, &err) == 0);
	CHECK(sg_config_check_pids(3, 2, &err) == 0);
	CHECK(sg_config_check_pids(1, 1, &err) == -1);
	CHECK_STR(err.msg, "pids 1 leaves no room for the zygote and 1 worker: it must be at least 2");
}

/* Not set: as root pids = 512, memory and cpu none; as a normal user no
 * limit at all. Set ones are kept either way. */
static void test_resolve_limit_defaults(void)
{
	const struct passwd *nobody = getpwnam("nobody");
	CHECK(nobody != NULL);
	if (nobody == NULL)
		return;
	CHECK(resolve(APP, 0) == 0);
	CHECK(cfg.apps[0].pids == SG_DEFAULT_PIDS && cfg.apps[0].pids == 512);
	CHECK(cfg.apps[0].memory == SG_LIMIT_NONE && cfg.apps[0].cpu_us == SG_LIMIT_NONE);
	CHECK(resolve(APP, nobody->pw_uid) == 0);
	CHECK(cfg.apps[0].pids == SG_LIMIT_NONE && cfg.apps[0].memory == SG_LIMIT_NONE);
	CHECK(cfg.apps[0].cpu_us == SG_LIMIT_NONE);
	const char *limited = "apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
			      "  memory = \"64M\"; pids = 32; cpu = \"50%\"; } );\n";
	CHECK(resolve(limited, nobody->pw_uid) == 0);
	CHECK(cfg.apps[0].memory == 64LL << 20 && cfg.apps[0].pids == 32);
	CHECK(cfg.apps[0].cpu_us == 50000);
	CHECK(resolve("apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		      "  pids = \"max\"; } );\n", 0) == 0);
	CHECK(cfg.apps[0].pids == SG_LIMIT_NONE);
}

/* ---- shared value checks ---------------------------------------------------------- */

static void test_module_spec(void)
{
	struct sg_module_spec m;
	struct sg_error err;
	CHECK(sg_module_spec_parse("a/b.py:app", &m, &err) == 0);
	CHECK(m.is_file);
	CHECK_STR(m.target, "a/b.py");
	CHECK_STR(m.callable, "app");
	CHECK(sg_module_spec_parse("app.py", &m, &err) == 0 && m.is_file && m.callable[0] == '\0');
	CHECK(sg_module_spec_parse("pkg.sub.mod:_x1", &m, &err) == 0 && !m.is_file);
	CHECK_STR(m.target, "pkg.sub.mod");
	CHECK(sg_module_spec_parse(".py", &m, &err) == -1);
	CHECK(sg_module_spec_parse("pkg.:x", &m, &err) == -1);
	CHECK(sg_module_spec_parse("a/b.py:x.y", &m, &err) == -1);
	CHECK_STR(err.msg, "module \"a/b.py:x.y\": callable \"x.y\" is not a Python identifier");
}

static void test_check_group(void)
{
	struct sg_error err;
	CHECK(sg_config_check_group("www-data", &err) == 0);
	CHECK(sg_config_check_group("Domain Users", &err) == -1);
	CHECK(sg_config_check_group("0", &err) == 0);
	CHECK(sg_config_check_group("4294967294", &err) == 0);
	CHECK(sg_config_check_group("4294967295", &err) == -1);
	CHECK_STR(err.msg, "gid 4294967295 must be 0-4294967294");
	CHECK(sg_config_check_group("99999999999999999999999", &err) == -1);
	CHECK(sg_config_check_group("12ab", &err) == 0); /* a name */
	CHECK(sg_config_check_group("-1", &err) == -1);
	CHECK(sg_config_check_group("a/b", &err) == -1);
	CHECK(sg_config_check_group("a,b", &err) == -1);
	CHECK(sg_config_check_group("a\tb", &err) == -1);
	CHECK(sg_config_check_group("", &err) == -1);
	CHECK_STR(err.msg, "\"\" is not a group name or gid");
}

static void test_parse_mode(void)
{
	int mode = -1;
	struct sg_error err;
	CHECK(sg_config_parse_mode("0660", &mode, &err) == 0 && mode == 0660);
	CHECK(sg_config_parse_mode("7", &mode, &err) == 0 && mode == 07);
	CHECK(sg_config_parse_mode("0777", &mode, &err) == 0 && mode == 0777);
	CHECK(sg_config_parse_mode("1000", &mode, &err) == -1);
	CHECK(sg_config_parse_mode("00000", &mode, &err) == -1);
	CHECK(sg_config_parse_mode("0x1b0", &mode, &err) == -1);
	CHECK(sg_config_parse_mode("66 ", &mode, &err) == -1);
}

/* Found by fuzz_config: a text ending in an identifier or a number made the
 * pre-scan read past the terminating NUL (strchr finds the NUL itself).
 * Exact-size heap copies let ASan (make asan-check) see any over-read. */
static void test_text_ending_in_a_word_or_number(void)
{
	const char *texts[] = { "apps = ( ); x", "apps = ( ); 12", "x = 1.5e" };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *copy = strdup(texts[i]);
		reset();
		CHECK(sg_config_parse_at(copy, "test.conf", "/etc/sg", &cfg, &diags) == -1);
		free(copy);
	}
}

int main(void)
{
	RUN(test_text_ending_in_a_word_or_number);
	sg_log_init("test", SG_LOG_ERROR); /* keep "runs as nobody" out of the output */
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sg-test-config-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_minimal_defaults);
	RUN(test_defaults_app);
	RUN(test_full_file);
	RUN(test_unknown_setting_in_app);
	RUN(test_unknown_setting_top);
	RUN(test_unknown_setting_listener_route);
	RUN(test_wrong_types);
	RUN(test_syntax_errors);
	RUN(test_include_refused);
	RUN(test_wrapping_integer);
	RUN(test_ranges);
	RUN(test_socket_mode_forms);
	RUN(test_socket_mode_bad);
	RUN(test_socket_mode_needs_unix_socket);
	RUN(test_socket_group);
	RUN(test_socket_group_bad);
	RUN(test_socket_group_needs_unix_socket);
	RUN(test_listener_defaults);
	RUN(test_listener_bad);
	RUN(test_listener_cgi);
	RUN(test_allow_uids);
	RUN(test_too_many_listeners);
	RUN(test_names);
	RUN(test_duplicate_names);
	RUN(test_module_forms);
	RUN(test_module_bad);
	RUN(test_relative_paths);
	RUN(test_parse_uses_file_directory);
	RUN(test_path_bad);
	RUN(test_user_setting);
	RUN(test_prefix);
	RUN(test_host);
	RUN(test_route_collision);
	RUN(test_listener_names);
	RUN(test_route_listeners);
	RUN(test_limit_forms);
	RUN(test_limit_bad);
	RUN(test_limit_parsers);
	RUN(test_resolve_limit_defaults);
	RUN(test_route_listeners_bit_31);
	RUN(test_route_collision_listeners);
	RUN(test_reachability);
	RUN(test_address_collision);
	RUN(test_too_many_apps);
	RUN(test_many_problems_capped);
	RUN(test_diags_add);
	RUN(test_load);
	RUN(test_load_bad_files);
	RUN(test_resolve_root);
	RUN(test_resolve_self);
	RUN(test_resolve_allow_names);
	RUN(test_resolve_socket_group);
	RUN(test_resolve_socket_group_not_root);
	RUN(test_resolve_command_line);
	RUN(test_module_spec);
	RUN(test_check_group);
	RUN(test_parse_mode);
	reset();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("  (could not remove %s)\n", tmpdir);
	UNIT_END();
}
