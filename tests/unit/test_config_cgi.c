/* CGI configuration: the system file's `cgi` group (config_cgi.c), a
 * user's own `cgi` group (config_user_cgi.c) and the OWNER~cgi app made
 * from them (config_cgi_app.c). */
#include "config_expect.h"
#include "gateway/cgi_apps.h"
#include "gateway/config_cgi.h"
#include "gateway/config_users.h"

#define HEAD "listeners = ( { scgi = \"unix:/run/sg.sock\"; } );\n"

static void test_cgi_defaults(void)
{
	expect_ok(HEAD "cgi = { allow = [\"sg-alice\", \"sg-bob\"]; };\n");
	const struct sg_cgi_conf *g = cfg.cgi;
	CHECK(g != NULL && cfg.n_apps == 0);
	if (g == NULL)
		return;
	CHECK(g->n_allow == 2 && g->line == 2);
	CHECK_STR(g->allow[1], "sg-bob");
	CHECK(g->min_uid == 1000 && g->min_gid == 100);
	CHECK_STR(g->userdir, "public_html");
	CHECK(g->n_roots == 1);
	CHECK_STR(g->roots[0], "public_html/cgi-bin");
	CHECK(g->n_extensions == 4);
	CHECK_STR(g->extensions[3], ".sh");
	CHECK(!g->pass_authorization && g->timeout == 30 && g->processes == 2);
	CHECK(g->queue == 16 && g->idle_timeout == 60 && g->memory == 256LL << 20);
	CHECK(g->pids == 64 && g->cpu_us == 100000 && g->network == SG_NET_NONE);
	CHECK(g->tmp_size == 64LL << 20 && g->max_writable == 4);
	CHECK(!g->memory_given && !g->pids_given && !g->cpu_given);
}

static void test_cgi_full(void)
{
	expect_ok(HEAD "cgi = { allow_group = \"cgi-users\"; min_uid = 2000; min_gid = 500;\n"
		  "  userdir = \"www\"; roots = [\"www/cgi-bin\", \"/srv/www/%u/cgi\"];\n"
		  "  extensions = [\".py\", \"\"]; pass_authorization = true; timeout = 10;\n"
		  "  processes = 3; queue = 4; idle_timeout = 5; memory = \"128M\"; pids = 20;\n"
		  "  cpu = 0.5; network = \"loopback\"; tmp_size = \"16M\"; max_writable = 0; };\n");
	const struct sg_cgi_conf *g = cfg.cgi;
	if (g == NULL) {
		CHECK(g != NULL);
		return;
	}
	CHECK_STR(g->allow_group, "cgi-users");
	CHECK(g->n_allow == 0 && g->min_uid == 2000 && g->min_gid == 500);
	CHECK_STR(g->userdir, "www");
	CHECK(g->n_roots == 2 && g->n_extensions == 2);
	CHECK_STR(g->roots[1], "/srv/www/%u/cgi");
	CHECK_STR(g->extensions[1], "");
	CHECK(g->pass_authorization && g->timeout == 10 && g->processes == 3 && g->queue == 4);
	CHECK(g->idle_timeout == 5 && g->memory == 128LL << 20 && g->pids == 20);
	CHECK(g->cpu_us == 50000 && g->network == SG_NET_LOOPBACK && g->tmp_size == 16LL << 20);
	CHECK(g->max_writable == 0);
	CHECK(g->memory_given && g->pids_given && g->cpu_given);
}

static void test_cgi_bad(void)
{
	expect_one(HEAD "cgi = { };\n",
		   "test.conf:2: cgi needs allow = [\"user\", ...] or allow_group = \"group\"");
	expect_one(HEAD "cgi = { allow = [\"a\"];\n alow = 1; };\n",
		   "test.conf:3: unknown setting \"alow\" in cgi (did you mean \"allow\"?)");
	expect_one(HEAD "cgi = { allow = [\"a\"]; min_uid = 0; };\n",
		   "test.conf:2: cgi.min_uid must be 1..4294967294, got 0");
	expect_one(HEAD "cgi = { allow = [\"a\", \"a\"]; };\n",
		   "test.conf:2: cgi.allow names \"a\" twice");
	expect_one(HEAD "cgi = { allow = [\"a/b\"]; };\n",
		   "test.conf:2: cgi.allow entry \"a/b\" is not a valid user name");
	expect_one(HEAD "cgi = { allow = [\"a\"];\n roots = [\"../x\"]; };\n",
		   "test.conf:3: cgi.roots entry \"../x\" must be a directory relative to each "
		   "user's home (\"public_html\") or an absolute one holding %u, the user's name "
		   "(\"/srv/www/%u/cgi-bin\"); no \"..\", no trailing '/'");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; roots = [\"/srv/cgi\"]; };\n",
		      "test.conf:2: cgi.roots entry \"/srv/cgi\" must be");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; roots = [\"x/\"]; };\n",
		      "test.conf:2: cgi.roots entry \"x/\" must be");
	expect_one(HEAD "cgi = { allow = [\"a\"]; roots = [ ]; };\n",
		   "test.conf:2: cgi.roots needs at least one directory");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; extensions = [\"py\"]; };\n",
		      "test.conf:2: cgi.extensions entry \"py\" must be a dot");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; extensions = [\".p/y\"]; };\n",
		      "test.conf:2: cgi.extensions entry \".p/y\" must be a dot");
	expect_one(HEAD "cgi = { allow = [\"a\"]; userdir = \"/www\"; };\n",
		   "test.conf:2: cgi.userdir must be a directory relative to each user's home "
		   "(\"public_html\"), without \"..\", got \"/www\"");
	expect_one(HEAD "cgi = { allow = [\"a\"]; idle_timeout = 0; };\n",
		   "test.conf:2: cgi.idle_timeout must be 1..2592000, got 0");
	expect_one(HEAD "cgi = { allow = [\"a\"]; max_writable = 17; };\n",
		   "test.conf:2: cgi.max_writable must be 0..16, got 17");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; memory = \"lots\"; };\n",
		      "test.conf:2: cgi.memory: expected a size");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; pids = 2; };\n", "test.conf:2: cgi.pids 2");
	expect_one(HEAD "cgi = { allow = [\"a\"]; pass_authorization = 1; };\n",
		   "test.conf:2: cgi.pass_authorization must be true or false, not an integer");
	expect_prefix(HEAD "cgi = { allow = [\"a\"]; network = \"wide\"; };\n",
		      "test.conf:2: cgi.");
	expect_one(HEAD "cgi = [ 1 ];\n",
		   "test.conf:2: cgi must be a group { allow = [\"name\"]; ... }, not an array [ ]");
}

/* CGI alone is enough: its users' apps come at load time. */
static void test_cgi_without_apps(void)
{
	expect_ok(HEAD "cgi = { allow = [\"sg-alice\"]; };\n");
	CHECK(parse(HEAD "\n") == -1);
}

static void test_cgi_app_make(void)
{
	struct sg_cgi_conf admin;
	struct sg_app_conf app;
	struct sg_error err;
	sg_cgi_conf_defaults(&admin);
	admin.n_roots = 2;
	snprintf(admin.roots[1], sizeof admin.roots[1], "/srv/www/%%u/cgi");
	CHECK(sg_cgi_app_make(&admin, NULL, "sg-bob", "/home/sg-bob", &app, &err) == 0);
	CHECK_STR(app.name, "sg-bob~cgi");
	CHECK_STR(app.user, "sg-bob");
	CHECK_STR(app.owner, "sg-bob");
	CHECK_STR(app.module, "");
	CHECK_STR(app.cgi_home, "/home/sg-bob");
	CHECK_STR(app.policy, SG_CGI_POLICY);
	CHECK(app.kind == SG_APP_CGI && app.idle_timeout == 60 && app.timeout == 30);
	CHECK(app.n_cgi_roots == 2 && app.n_cgi_extensions == 4 && app.n_writable == 0);
	CHECK_STR(app.cgi_roots[0], "/home/sg-bob/public_html/cgi-bin");
	CHECK_STR(app.cgi_roots[1], "/srv/www/sg-bob/cgi");
	CHECK_STR(app.cgi_extensions[1], ".py");
	CHECK(sg_cgi_path_beneath("/home/a/public_html/x", "/home/a/public_html"));
	CHECK(sg_cgi_path_beneath("/home/a/public_html", "/home/a/public_html"));
	CHECK(!sg_cgi_path_beneath("/home/a/public_html2/x", "/home/a/public_html"));
}

/* ---- a user's own cgi group ---- */

static struct sg_config sys, mine;
static struct sg_diags problems, warnings;
#define F "/home/sg-alice/.config/sandgate/apps.conf"

static void load_sys(const char *over, const char *cgi)
{
	char text[1024];
	sg_config_free(&sys);
	sg_diags_free(&problems);
	snprintf(text, sizeof text, HEAD "users = { allow = [\"sg-alice\"]; limits = { over = "
		 "\"%s\"; }; };\ncgi = { allow = [\"sg-alice\"]; %s };\n", over, cgi);
	CHECK(sg_config_parse_at(text, "sys.conf", "/etc/sg", &sys, &problems) == 0);
	for (int i = 0; i < problems.n; i++)
		printf("    sys diag: %s\n", problems.msg[i]);
}

static int user_parse(const char *text)
{
	sg_config_free(&mine);
	sg_diags_free(&problems);
	sg_diags_free(&warnings);
	int rc = sg_config_parse_user_file(text, F, "sg-alice", "/home/sg-alice", &sys, &mine,
					   &problems, &warnings);
	for (int i = 0; i < problems.n; i++)
		printf("    problem: %s\n", problems.msg[i]);
	return rc;
}

static void user_refused(const char *text, const char *want)
{
	CHECK(user_parse(text) == -1);
	CHECK(problems.n == 1 && mine.cgi == NULL);
	CHECK_STR(problems.n > 0 ? problems.msg[0] : NULL, want);
}

static void test_user_cgi_ok(void)
{
	load_sys("refuse", "roots = [\"public_html\", \"/srv/www/%u\"]; timeout = 30;");
	CHECK(user_parse("cgi = { roots = [\"public_html/cgi-bin\", \"/srv/www/sg-alice/x\"];\n"
			 "  extensions = [\".py\"]; writable = [\"repos\", \"/home/sg-alice/data\"];"
			 "\n  timeout = 20; };\n") == 0);
	const struct sg_cgi_conf *m = mine.cgi;
	if (m == NULL) {
		CHECK(m != NULL);
		return;
	}
	CHECK(m->user_roots && m->n_roots == 2 && m->n_extensions == 1 && m->n_writable == 2);
	CHECK_STR(m->roots[0], "/home/sg-alice/public_html/cgi-bin");
	CHECK_STR(m->roots[1], "/srv/www/sg-alice/x");
	CHECK_STR(m->extensions[0], ".py");
	CHECK_STR(m->writable[0], "/home/sg-alice/repos");
	CHECK(m->timeout == 20);
	struct sg_app_conf app;
	struct sg_error err;
	CHECK(sg_cgi_app_make(sys.cgi, m, "sg-alice", "/home/sg-alice", &app, &err) == 0);
	CHECK(app.n_cgi_roots == 2 && app.n_writable == 2 && app.timeout == 20);
	CHECK(app.n_cgi_extensions == 1);
	CHECK_STR(app.cgi_roots[0], "/home/sg-alice/public_html/cgi-bin");
	/* Without roots: the admin's, made absolute, so writable is checked. */
	CHECK(user_parse("cgi = { writable = [\"repos\"]; };") == 0);
	CHECK(mine.cgi != NULL && mine.cgi->n_roots == 2);
	CHECK_STR(mine.cgi != NULL ? mine.cgi->roots[0] : NULL, "/home/sg-alice/public_html");
	/* An apps file with both. */
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; } );\ncgi = { };") == 0);
	CHECK(mine.n_apps == 1 && mine.cgi != NULL);
}

static void test_user_cgi_refused(void)
{
	load_sys("refuse", "timeout = 30; max_writable = 1;");
	user_refused("cgi = {\n roots = [\"www\"]; };",
		     F ":2: cgi.roots entry /home/sg-alice/www is outside the admin's CGI roots "
		     "(refused)");
	user_refused("cgi = {\n roots = [\"public_html/../x\"]; };",
		     F ":2: cgi.roots entry \"public_html/../x\" must be a directory relative to "
		     "your home (or absolute), without \".\", \"..\", \"//\" or a trailing '/'");
	user_refused("cgi = {\n extensions = [\".php\"]; };",
		     F ":2: cgi.extensions entry \".php\" is not among the admin's extensions "
		     "(refused)");
	user_refused("cgi = {\n timeout = 31; };",
		     F ":2: cgi.timeout 31 is above the admin's 30 (refused)");
	user_refused("cgi = {\n writable = [\"public_html/cgi-bin/data\"]; };",
		     F ":2: cgi.writable entry /home/sg-alice/public_html/cgi-bin/data overlaps the "
		     "CGI root /home/sg-alice/public_html/cgi-bin: a script could run what a script "
		     "wrote");
	user_refused("cgi = {\n writable = [\"/srv/x\"]; };",
		     F ":2: cgi.writable entry /srv/x must be beneath your home /home/sg-alice");
	user_refused("cgi = {\n writable = [\"a\", \"b\"]; };",
		     F ":2: cgi.writable entry /home/sg-alice/b is above the admin's limit of 1 "
		     "writable directories (cgi.max_writable) (refused)");
	user_refused("cgi = { writable = [\"a\"];\n memory = \"1G\"; };",
		     F ":2: unknown setting \"memory\" in a user's cgi group");
	/* A root that holds public_html: both directions overlap. */
	load_sys("refuse", "roots = [\"public_html/cgi-bin\"];");
	user_refused("cgi = {\n writable = [\"public_html\"]; };",
		     F ":2: cgi.writable entry /home/sg-alice/public_html overlaps the CGI root "
		     "/home/sg-alice/public_html/cgi-bin: a script could run what a script wrote");
}

static void test_user_cgi_clamped(void)
{
	load_sys("clamp", "timeout = 30; max_writable = 1;");
	CHECK(user_parse("cgi = {\n roots = [\"www\", \"public_html/cgi-bin/x\"];\n"
			 " extensions = [\".php\", \".py\"];\n timeout = 99;\n"
			 " writable = [\"a\", \"b\"]; };") == 0);
	const struct sg_cgi_conf *m = mine.cgi;
	if (m == NULL) {
		CHECK(m != NULL);
		return;
	}
	CHECK(m->n_roots == 1 && m->n_extensions == 1 && m->timeout == 30 && m->n_writable == 1);
	CHECK(warnings.n == 4);
	CHECK_STR(warnings.n > 2 ? warnings.msg[3] : NULL,
		  F ":4: cgi.timeout 99 is above the admin's 30 (clamped to 30)");
}

static void test_user_cgi_off(void)
{
	sg_config_free(&sys);
	sg_diags_free(&problems);
	CHECK(sg_config_parse_at(HEAD "users = { allow = [\"sg-alice\"]; };\n", "sys.conf",
				 "/etc/sg", &sys, &problems) == 0);
	user_refused("cgi = {\n};", F ":1: cgi: this gateway runs no CGI scripts (the system "
		     "file has no cgi group)");
}

/* Where users' apps are merged (cgi_apps.c): the app for an allowed user,
 * none below min_uid, and a user app named "cgi" refusing the file. */
static void test_user_app(void)
{
	struct sg_diags probs = { 0 }, warns = { 0 };
	char name[] = "sg-x", dir[] = "/home/sg-x";
	struct passwd pw = { .pw_name = name, .pw_dir = dir, .pw_uid = 2000, .pw_gid = 2000 };
	struct sg_config sysc = { 0 }, m = { 0 };
	struct sg_cgi_conf g;
	sg_cgi_conf_defaults(&g);
	g.n_allow = 1;
	snprintf(g.allow[0], sizeof g.allow[0], "sg-x");
	sysc.cgi = &g;
	CHECK(sg_cgi_user_app(&sysc, &m, &pw, "f.conf", &probs, &warns) == 0);
	CHECK(m.n_apps == 1 && probs.n == 0 && warns.n == 0);
	CHECK_STR(m.n_apps == 1 ? m.apps[0].name : NULL, "sg-x~cgi");
	CHECK_STR(m.n_apps == 1 ? m.apps[0].cgi_roots[0] : NULL, "/home/sg-x/public_html/cgi-bin");
	/* Their own app named "cgi" (line 3): the file is refused. */
	m.n_apps = 1;
	snprintf(m.apps[0].name, sizeof m.apps[0].name, "sg-x~cgi");
	m.apps[0].kind = SG_APP_WSGI;
	m.apps[0].line = 3;
	CHECK(sg_cgi_user_app(&sysc, &m, &pw, "f.conf", &probs, &warns) == -1);
	CHECK_STR(probs.n == 1 ? probs.msg[0] : NULL, "f.conf:3: app name \"cgi\" is reserved "
		  "for CGI (the app sg-x~cgi runs your CGI scripts)");
	sg_config_free(&m);
	/* Below min_uid: no app, a warning. */
	pw.pw_uid = 999;
	CHECK(sg_cgi_user_app(&sysc, &m, &pw, "f.conf", &probs, &warns) == 0);
	CHECK(m.n_apps == 0 && warns.n == 1);
	/* Not allowed: nothing. */
	snprintf(g.allow[0], sizeof g.allow[0], "sg-y");
	pw.pw_uid = 2000;
	CHECK(sg_cgi_user_app(&sysc, &m, &pw, "f.conf", &probs, &warns) == 0 && m.n_apps == 0);
	sg_config_free(&m);
	sg_diags_free(&probs);
	sg_diags_free(&warns);
}

int main(void)
{
	RUN(test_cgi_defaults);
	RUN(test_cgi_full);
	RUN(test_cgi_bad);
	RUN(test_cgi_without_apps);
	RUN(test_cgi_app_make);
	RUN(test_user_cgi_ok);
	RUN(test_user_cgi_refused);
	RUN(test_user_cgi_clamped);
	RUN(test_user_cgi_off);
	RUN(test_user_app);
	reset();
	sg_config_free(&sys);
	sg_config_free(&mine);
	UNIT_END();
}
