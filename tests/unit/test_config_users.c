/* Self-service: the system file's `users` group (config_users.c) and a
 * user's own apps file under its ceilings (config_user_apps.c). */
#include "config_expect.h"
#include "gateway/config_users.h"

#define SYS_HEAD "listeners = ( { scgi = \"unix:/run/sg.sock\"; } );\n"

static void test_users_defaults(void)
{
	expect_ok(SYS_HEAD "users = { allow = [\"sg-alice\", \"sg-bob\"]; };\n");
	const struct sg_users_conf *u = cfg.users;
	CHECK(u != NULL && cfg.n_apps == 0);
	if (u == NULL)
		return;
	CHECK(u->n_allow == 2);
	CHECK_STR(u->allow[1], "sg-bob");
	CHECK_STR(u->file, ".config/sandgate/apps.conf");
	CHECK(u->limits.processes == 2 && u->limits.memory == 256LL << 20);
	CHECK(u->limits.pids == 64 && u->limits.cpu_us == 100000 && u->limits.timeout == 60);
	CHECK(u->limits.n_policies == 1 && u->limits.networks == 1u << SG_NET_NONE);
	CHECK(u->limits.n_hosts == 0 && u->limits.max_apps == 4 && !u->limits.clamp);
	/* The new ceilings are at or above the apps' own defaults. */
	CHECK(u->limits.queue == 100 && u->limits.queue_timeout == 120);
	CHECK(u->limits.idle_timeout == 0 && u->limits.max_body == 1LL << 30);
	CHECK(u->limits.tmp_size == 64LL << 20 && u->limits.n_prefixes == 1);
	CHECK_STR(u->limits.prefixes[0], "/~%u");
}

static void test_users_full(void)
{
	expect_ok(SYS_HEAD
		  "users = { allow_group = \"sandgate-users\"; file = \"sg/apps.conf\";\n"
		  "  limits = { processes = 4; memory = \"512M\"; pids = 100; cpu = 0.5;\n"
		  "    timeout = 30; policies = [\"wsgi\", \"wsgi-exec\"];\n"
		  "    networks = [\"none\", \"loopback\"]; hosts = [\"*.users.example.com\"];\n"
		  "    max_apps = 8; over = \"clamp\"; }; };\n");
	const struct sg_users_conf *u = cfg.users;
	if (u == NULL) {
		CHECK(u != NULL);
		return;
	}
	CHECK_STR(u->allow_group, "sandgate-users");
	CHECK_STR(u->file, "sg/apps.conf");
	CHECK(u->limits.processes == 4 && u->limits.memory == 512LL << 20);
	CHECK(u->limits.pids == 100 && u->limits.cpu_us == 50000 && u->limits.timeout == 30);
	CHECK(u->limits.n_policies == 2);
	CHECK_STR(u->limits.policies[1], "wsgi-exec");
	CHECK(u->limits.networks == ((1u << SG_NET_NONE) | (1u << SG_NET_LOOPBACK)));
	CHECK(u->limits.n_hosts == 1 && u->limits.max_apps == 8 && u->limits.clamp);
}

static void test_users_bad(void)
{
	expect_one(SYS_HEAD "users = { };\n",
		   "test.conf:2: users needs allow = [\"user\", ...] or allow_group = \"group\"");
	expect_one(SYS_HEAD "users = { allow = [\"sg-alice\"]; file = \"/etc/x\"; };\n",
		   "test.conf:2: users.file must be a path relative to each user's home, "
		   "without \"..\", got \"/etc/x\"");
	expect_one(SYS_HEAD "users = { allow = [\"sg-alice\"]; file = \"../x\"; };\n",
		   "test.conf:2: users.file must be a path relative to each user's home, "
		   "without \"..\", got \"../x\"");
	expect_one(SYS_HEAD "users = { allow = [\"a/b\"]; };\n",
		   "test.conf:2: users.allow entry \"a/b\" is not a valid name");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { memory = \"max\"; }; };\n",
		   "test.conf:2: limits.memory must be a limit, not \"max\"");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { over = \"ignore\"; }; };\n",
		   "test.conf:2: limits.over must be \"refuse\" (a user file with a value above a "
		   "limit is not loaded) or \"clamp\" (the value is lowered), got \"ignore\"");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { networks = [\"wifi\"]; }; };\n",
		   "test.conf:2: limits.network \"wifi\" must be \"none\" (no network), "
		   "\"loopback\" (its own lo only) or \"host\" (the host's network)");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { hosts = [\"a b\"]; }; };\n",
		   "test.conf:2: limits.hosts entry \"a b\" must be a host name or \"*.domain\" "
		   "(no port; %u is the user's name)");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { prefixes = [\"/apps\"]; }; };\n",
		   "test.conf:2: limits.prefixes entry \"/apps\" must be a path holding %u, the "
		   "user's name, such as \"/~%u\" or \"/apps/%u\" (absolute, no trailing '/', no "
		   "\"..\")");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { prefixes = [\"/a/%u/\"]; }; };\n",
		   "test.conf:2: limits.prefixes entry \"/a/%u/\" must be a path holding %u, the "
		   "user's name, such as \"/~%u\" or \"/apps/%u\" (absolute, no trailing '/', no "
		   "\"..\")");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { max_body = \"max\"; }; };\n",
		   "test.conf:2: limits.max_body: expected a size in bytes, or with K, M, G or T "
		   "(1024-based) such as 64M, at least 1M; got \"max\"");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { queue_timeout = 0; }; };\n",
		   "test.conf:2: limits.queue_timeout must be 1..3600, got 0");
	expect_one(SYS_HEAD "users = { allow = [\"a\"]; limits = { pids = 2; }; };\n",
		   "test.conf:2: limits.pids (2) must be above limits.processes (2): a cell needs "
		   "its zygote and its workers");
	expect_prefix(SYS_HEAD "users = { allow = [\"a\"]; limits = { memmory = \"1G\"; }; };\n",
		      "test.conf:2: unknown setting \"memmory\"");
	expect_one("users = { allow = [\"a\"]; };\n",
		   "test.conf:1: users: a user's apps are reached through the shared listeners; "
		   "add one (an SCGI listener for the web server)");
	/* Without users, a file with no apps is still a mistake. */
	expect_prefix(SYS_HEAD, "test.conf: no apps");
}

/* ---- a user's file ---- */

static struct sg_config sys, mine;
static struct sg_diags problems, warnings;

static void load_sys(const char *limits)
{
	char text[1024];
	sg_config_free(&sys);
	sg_diags_free(&problems);
	snprintf(text, sizeof text,
		 SYS_HEAD "apps = ( { name = \"site\"; module = \"/srv/site.py\"; "
		 "route = { prefix = \"/~sg-alice/taken\"; }; } );\n"
		 "users = { allow = [\"sg-alice\"]; limits = { %s }; };\n", limits);
	CHECK(sg_config_parse_at(text, "sys.conf", "/etc/sg", &sys, &problems) == 0);
	for (int i = 0; i < problems.n; i++)
		printf("    sys diag: %s\n", problems.msg[i]);
}

#define F "/home/sg-alice/.config/sandgate/apps.conf"

static int user_parse(const char *text)
{
	sg_config_free(&mine);
	sg_diags_free(&problems);
	sg_diags_free(&warnings);
	return sg_config_parse_user_file(text, F, "sg-alice", "/home/sg-alice", &sys, &mine,
					 &problems, &warnings);
}

static void show(void)
{
	for (int i = 0; i < problems.n; i++)
		printf("    problem: %s\n", problems.msg[i]);
	for (int i = 0; i < warnings.n; i++)
		printf("    warning: %s\n", warnings.msg[i]);
}

static void user_refused(const char *text, const char *want)
{
	CHECK(user_parse(text) == -1);
	CHECK(problems.n == 1 && mine.n_apps == 0);
	CHECK_STR(problems.n > 0 ? problems.msg[0] : NULL, want);
	if (problems.n != 1)
		show();
}

static void test_user_ok(void)
{
	load_sys("processes = 2; memory = \"256M\"; pids = 64; cpu = 1; timeout = 60;");
	CHECK(user_parse("apps = (\n { name = \"blog\"; module = \"blog/app.py\"; }\n);\n") == 0);
	CHECK(problems.n == 0 && warnings.n == 0 && mine.n_apps == 1);
	if (mine.n_apps != 1) {
		show();
		return;
	}
	const struct sg_app_conf *a = &mine.apps[0];
	CHECK_STR(a->name, "sg-alice~blog");
	CHECK_STR(a->owner, "sg-alice");
	CHECK_STR(a->user, "sg-alice");
	CHECK_STR(a->module, "/home/sg-alice/blog/app.py");
	CHECK_STR(a->prefix, "/~sg-alice/blog");
	/* Left out: the ceiling. */
	CHECK(a->memory == 256LL << 20 && a->pids == 64 && a->cpu_us == 100000);
	CHECK(a->processes == 2 && a->timeout == 60);
	CHECK(user_parse("apps = ( { name = \"a\"; module = \"a.py\"; user = \"sg-alice\";\n"
			 "  route = { prefix = \"/~sg-alice\"; }; memory = \"100M\"; } );") == 0);
	CHECK(mine.n_apps == 1 && mine.apps[0].memory == 100LL << 20);
	CHECK_STR(mine.apps[0].prefix, "/~sg-alice");
	/* No apps at all: nothing to run, not a problem. */
	CHECK(user_parse("# nothing yet\n") == 0 && mine.n_apps == 0 && problems.n == 0);
}

static void test_user_over_refused(void)
{
	load_sys("processes = 2; memory = \"256M\"; pids = 64; cpu = 1; timeout = 60;");
	user_refused("apps = (\n { name = \"blog\"; module = \"a.py\";\n   memory = \"1G\"; }\n);",
		     F ":3: app \"blog\": memory 1G is above the admin's limit 256M (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; memory = \"max\"; } );",
		     F ":1: app \"b\": memory max is above the admin's limit 256M (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; processes = 3; } );",
		     F ":1: app \"b\": processes 3 is above the admin's limit 2 (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; pids = 100; } );",
		     F ":1: app \"b\": pids 100 is above the admin's limit 64 (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; cpu = 2; } );",
		     F ":1: app \"b\": cpu 2 is above the admin's limit 1 (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; timeout = 61; } );",
		     F ":1: app \"b\": timeout 61 is above the admin's limit 60 (refused)");
	/* One bad app refuses the whole file. */
	user_refused("apps = ( { name = \"a\"; module = \"a.py\"; },\n"
		     "  { name = \"b\"; module = \"a.py\"; timeout = 99; } );",
		     F ":2: app \"b\": timeout 99 is above the admin's limit 60 (refused)");
}

static void test_user_over_clamped(void)
{
	load_sys("memory = \"256M\"; timeout = 60; over = \"clamp\"; max_apps = 1;");
	CHECK(user_parse("apps = (\n { name = \"blog\"; module = \"a.py\";\n   memory = \"1G\";\n"
			 "   timeout = 600; } );") == 0);
	CHECK(problems.n == 0 && warnings.n == 2 && mine.n_apps == 1);
	CHECK_STR(warnings.n > 0 ? warnings.msg[0] : NULL,
		  F ":4: app \"blog\": timeout 600 is above the admin's limit 60 (clamped to 60)");
	CHECK_STR(warnings.n > 1 ? warnings.msg[1] : NULL,
		  F ":3: app \"blog\": memory 1G is above the admin's limit 256M (clamped to 256M)");
	CHECK(mine.n_apps == 1 && mine.apps[0].memory == 256LL << 20 && mine.apps[0].timeout == 60);
	CHECK(user_parse("apps = ( { name = \"a\"; module = \"a.py\"; },\n"
			 "  { name = \"b\"; module = \"a.py\"; } );") == 0);
	CHECK(mine.n_apps == 1 && warnings.n == 1);
	CHECK_STR(warnings.n > 0 ? warnings.msg[0] : NULL,
		  F ":2: 2 apps are above the admin's limit 1 (the apps from this line on are "
		  "left out)");
	load_sys("max_apps = 1;");
	user_refused("apps = ( { name = \"a\"; module = \"a.py\"; },\n"
		     "  { name = \"b\"; module = \"a.py\"; } );",
		     F ":2: 2 apps are above the admin's limit 1 (refused)");
}

static void test_user_rules(void)
{
	load_sys("policies = [\"wsgi\"]; networks = [\"none\", \"loopback\"];\n"
		 "hosts = [\"*.users.example.com\", \"alice.example.org\"];");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n policy = \"wsgi-exec\"; } );",
		     F ":2: app \"b\": policy \"wsgi-exec\" is not allowed by the admin "
		     "(allowed: \"wsgi\")");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; network = \"host\"; } );",
		     F ":1: app \"b\": network \"host\" is not allowed by the admin (allowed: "
		     "\"none\", \"loopback\")");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; user = \"sg-bob\"; } );",
		     F ":1: app \"b\": user \"sg-bob\": an app in sg-alice's file runs as sg-alice");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; seccomp = false; } );",
		     F ":1: app \"b\": seccomp = false is not allowed in a user's file");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; socket = \"unix:/tmp/s\"; } );",
		     F ":1: app \"b\": socket is not allowed in a user's file (the gateway would "
		     "open it with its own rights); apps are reached through the shared listeners");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; log = \"/etc/passwd\"; } );",
		     F ":1: app \"b\": log is not allowed in a user's file (the gateway would open "
		     "it with its own rights); apps are reached through the shared listeners");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n"
		     "  route = { prefix = \"/~sg-bob/b\"; }; } );",
		     F ":2: app \"b\": route.prefix \"/~sg-bob/b\" is outside the admin's "
		     "prefixes (/~sg-alice): a user's apps are routed under those");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n"
		     "  route = { prefix = \"/~sg-alicex\"; }; } );",
		     F ":2: app \"b\": route.prefix \"/~sg-alicex\" is outside the admin's "
		     "prefixes (/~sg-alice): a user's apps are routed under those");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n"
		     "  route = { host = \"bank.example.com\"; }; } );",
		     F ":2: app \"b\": route.host \"bank.example.com\" matches none of the admin's "
		     "hosts (users.limits.hosts: 2 patterns)");
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; network = \"loopback\";\n"
			 "  route = { host = \"Blog.Users.Example.com\"; }; },\n"
			 "  { name = \"c\"; module = \"a.py\"; route = { host = \"alice.example.org\"; "
			 "}; } );") == 0);
	CHECK(mine.n_apps == 2 && mine.apps[0].network == SG_NET_LOOPBACK);
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n"
		     "  route = { host = \"users.example.com\"; }; } );",
		     F ":2: app \"b\": route.host \"users.example.com\" matches none of the admin's "
		     "hosts (users.limits.hosts: 2 patterns)");
	/* The system file's app holds /~sg-alice/taken. */
	user_refused("apps = ( { name = \"taken\"; module = \"a.py\"; } );",
		     F ":1: app \"sg-alice~taken\": route prefix \"/~sg-alice/taken\" is already "
		     "site's");
	user_refused("apps = ( { name = \"a\"; module = \"a.py\"; },\n"
		     " { name = \"a\"; module = \"b.py\"; route = { prefix = \"/~sg-alice/x\"; }; } );",
		     F ":2: app name \"sg-alice~a\" is already used on line 1");
}

/* queue, queue_timeout, max_body, tmp_size, idle_timeout (issue 5's
 * "timeouts" and every value a user controls). */
static void test_user_more_ceilings(void)
{
	load_sys("queue = 10; queue_timeout = 5; max_body = \"8M\"; tmp_size = \"16M\";\n"
		 "idle_timeout = 600;");
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; } );") == 0);
	if (mine.n_apps == 1) {
		const struct sg_app_conf *a = &mine.apps[0];
		/* Left out: the ceiling (the apps' defaults are higher). */
		CHECK(a->queue == 10 && a->queue_timeout == 5 && a->idle_timeout == 600);
		CHECK(a->max_body == 8LL << 20 && a->tmp_size == 16LL << 20);
	}
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; idle_timeout = 60;\n"
			 "  max_body = 1024; } );") == 0);
	CHECK(mine.n_apps == 1 && mine.apps[0].idle_timeout == 60 && mine.apps[0].max_body == 1024);
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; queue = 11; } );",
		     F ":1: app \"b\": queue 11 is above the admin's limit 10 (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; queue_timeout = 6; } );",
		     F ":1: app \"b\": queue_timeout 6 is above the admin's limit 5 (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; max_body = 9437184; } );",
		     F ":1: app \"b\": max_body 9M is above the admin's limit 8M (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; tmp_size = \"1G\"; } );",
		     F ":1: app \"b\": tmp_size 1G is above the admin's limit 16M (refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; idle_timeout = 0; } );",
		     F ":1: app \"b\": idle_timeout 0 (never) is above the admin's limit 600 "
		     "(refused)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\"; idle_timeout = 601; } );",
		     F ":1: app \"b\": idle_timeout 601 is above the admin's limit 600 (refused)");
	load_sys("idle_timeout = 600; over = \"clamp\";");
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; idle_timeout = 0; } );") == 0);
	CHECK(mine.n_apps == 1 && mine.apps[0].idle_timeout == 600 && warnings.n == 1);
	/* No idle_timeout ceiling (the default): a user may keep a cell up. */
	load_sys("");
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; } );") == 0);
	CHECK(mine.n_apps == 1 && mine.apps[0].idle_timeout == 0);
}

/* %u in limits.prefixes and limits.hosts: each user gets routes of their
 * own, and one user cannot claim another's. */
static void test_user_patterns(void)
{
	load_sys("prefixes = [\"/apps/%u\", \"/~%u\"]; hosts = [\"%u.users.example.com\"];");
	CHECK(user_parse("apps = ( { name = \"blog\"; module = \"a.py\";\n"
			 "  route = { host = \"sg-alice.users.example.com\"; }; },\n"
			 " { name = \"wiki\"; module = \"a.py\"; route = { prefix = "
			 "\"/~sg-alice/wiki\"; }; } );") == 0);
	CHECK(mine.n_apps == 2);
	if (mine.n_apps == 2) {
		/* Its own virtual host: the whole host. */
		CHECK_STR(mine.apps[0].prefix, "");
		CHECK_STR(mine.apps[1].prefix, "/~sg-alice/wiki");
	}
	/* Without a host, the default prefix comes from the first pattern. */
	CHECK(user_parse("apps = ( { name = \"blog\"; module = \"a.py\"; } );") == 0);
	CHECK_STR(mine.n_apps == 1 ? mine.apps[0].prefix : NULL, "/apps/sg-alice/blog");
	/* Any path of its own host. */
	CHECK(user_parse("apps = ( { name = \"blog\"; module = \"a.py\";\n"
			 "  route = { host = \"sg-alice.users.example.com\"; prefix = \"/x\"; }; } );")
	      == 0);
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n"
		     "  route = { host = \"sg-bob.users.example.com\"; }; } );",
		     F ":2: app \"b\": route.host \"sg-bob.users.example.com\" matches none of "
		     "the admin's hosts (users.limits.hosts: 1 pattern)");
	user_refused("apps = ( { name = \"b\"; module = \"a.py\";\n"
		     "  route = { prefix = \"/apps/sg-bob\"; }; } );",
		     F ":2: app \"b\": route.prefix \"/apps/sg-bob\" is outside the admin's "
		     "prefixes (/apps/sg-alice, ...): a user's apps are routed under those");
	char out[16];
	CHECK(sg_user_pattern("/~%u/x", "bob", out, sizeof out) == 0);
	CHECK_STR(out, "/~bob/x");
	CHECK(sg_user_pattern("%u%u%u%u", "abcd", out, sizeof out) == -1);
}

static void test_user_defaults_follow_admin(void)
{
	/* The defaults "wsgi" and "none" are not allowed: the admin's first. */
	load_sys("policies = [\"wsgi-exec\"]; networks = [\"loopback\"];");
	CHECK(user_parse("apps = ( { name = \"b\"; module = \"a.py\"; } );") == 0);
	CHECK(mine.n_apps == 1 && mine.apps[0].network == SG_NET_LOOPBACK);
	CHECK_STR(mine.n_apps == 1 ? mine.apps[0].policy : NULL, "wsgi-exec");
}

static void test_user_syntax(void)
{
	load_sys("");
	user_refused("apps = (\n { name = \"b\";\n module = \n);\n", F ":4: syntax error");
	user_refused("listeners = ( );\napps = ( { name = \"b\"; module = \"a.py\"; } );",
		     F ":1: unknown setting \"listeners\" in a user's file (it holds apps = ( "
		     "... ); only)");
	user_refused("apps = ( { name = \"a-very-long-app-name-for-this-owner-0123456789abcdefghij\";"
		     " module = \"a.py\"; route = { prefix = \"/~sg-alice/x\"; }; } );",
		     F ":1: app \"a-very-long-app-name-for-this-owner-0123456789abcdefghij\": the name "
		     "sg-alice~a-very-long-app-name-for-this-owner-0123456789abcdefghij is too long "
		     "(at most 63 bytes)");
}

int main(void)
{
	RUN(test_users_defaults);
	RUN(test_users_full);
	RUN(test_users_bad);
	RUN(test_user_ok);
	RUN(test_user_over_refused);
	RUN(test_user_over_clamped);
	RUN(test_user_rules);
	RUN(test_user_more_ceilings);
	RUN(test_user_patterns);
	RUN(test_user_defaults_follow_admin);
	RUN(test_user_syntax);
	reset();
	sg_config_free(&sys);
	sg_config_free(&mine);
	sg_diags_free(&problems);
	sg_diags_free(&warnings);
	UNIT_END();
}
