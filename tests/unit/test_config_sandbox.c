/* An app's sandbox settings in a configuration file (config_sandbox.c) and
 * their value checks, shared with the command line. */
#include "config_expect.h"

#define L "test.conf:2: app \"a\": "

static void test_defaults(void)
{
	expect_app_setting("", NULL);
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK(a->network == SG_NET_NONE);
	CHECK(a->n_bind_ports == SG_PORTS_ANY && a->n_connect_ports == SG_PORTS_ANY);
	CHECK(a->n_writable == 0);
	CHECK(a->tmp_size == 64LL << 20);
	CHECK_STR(a->policy, "wsgi");
	CHECK(!a->seccomp_log && a->seccomp);
}

static void test_full(void)
{
	expect_app_setting("network = \"host\"; bind_ports = [8000, 8001]; connect_ports = [];\n"
			   "writable = [\"/srv/data\", \"/var/lib/app\"]; tmp_size = \"16M\";\n"
			   "policy = \"wsgi-exec\"; seccomp_log = true;", NULL);
	const struct sg_app_conf *a = &cfg.apps[0];
	CHECK(a->network == SG_NET_HOST);
	CHECK(a->n_bind_ports == 2 && a->bind_ports[0] == 8000 && a->bind_ports[1] == 8001);
	CHECK(a->n_connect_ports == 0);
	CHECK(a->n_writable == 2);
	CHECK_STR(a->writable[1], "/var/lib/app");
	CHECK(a->tmp_size == 16LL << 20);
	CHECK_STR(a->policy, "wsgi-exec");
	CHECK(a->seccomp_log);
	expect_app_setting("network = \"loopback\"; writable = \"/srv/one\"; tmp_size = 2097152;",
			   NULL);
	CHECK(cfg.apps[0].network == SG_NET_LOOPBACK && cfg.apps[0].n_writable == 1);
	CHECK(cfg.apps[0].tmp_size == 2LL << 20);
	expect_app_setting("seccomp = false;", NULL);
	CHECK(!cfg.apps[0].seccomp);
}

static void test_network_bad(void)
{
	expect_app_setting("network = \"lan\";",
			   L "network \"lan\" must be \"none\" (no network), \"loopback\" (its own "
			   "lo only) or \"host\" (the host's network)");
	expect_app_setting("network = 1;", L "network must be a string, not an integer");
}

static void test_ports_bad(void)
{
	expect_app_setting("network = \"host\"; bind_ports = [0];",
			   L "bind_ports must be 1..65535, got 0");
	expect_app_setting("network = \"host\"; connect_ports = [65536];",
			   L "connect_ports must be 1..65535, got 65536");
	expect_app_setting("network = \"host\"; bind_ports = 80;",
			   L "bind_ports must be an array of TCP ports such as [8000, 8001], not "
			   "an integer");
	expect_app_setting("bind_ports = [80];",
			   L "bind_ports needs network = \"host\": with \"none\" the cell has no "
			   "network beyond its own");
	expect_app_setting("network = \"loopback\"; connect_ports = [80];",
			   L "connect_ports needs network = \"host\": with \"loopback\" the cell "
			   "has no network beyond its own");
}

static void test_writable_bad(void)
{
	expect_app_setting("writable = [\"data\"];", L "writable \"data\" must be an absolute path");
	expect_app_setting("writable = [\"/\"];",
			   L "writable \"/\" would hand the cell the whole filesystem");
	expect_app_setting("writable = [\"/srv/x/\"];",
			   L "writable \"/srv/x/\" must be written without \".\", \"..\", \"//\" "
			   "or a trailing \"/\"");
	expect_app_setting("writable = [\"/srv/../etc\"];",
			   L "writable \"/srv/../etc\" must be written without \".\", \"..\", "
			   "\"//\" or a trailing \"/\"");
	expect_app_setting("writable = [\"/proc/self\"];",
			   L "writable \"/proc/self\" is under /proc, which a cell may never write");
	expect_app_setting("writable = [\"/usr\"];",
			   L "writable \"/usr\" is under /usr, which a cell may never write");
	expect_app_setting("writable = [\"/tmp\"];",
			   L "writable \"/tmp\" is shared by every user of the host; the cell has "
			   "a private /tmp (tmp_size)");
	expect_app_setting("writable = [\"/usrdata\"];", NULL); /* a prefix, not under /usr */
	expect_app_setting("writable = 3;",
			   L "writable must be a string or an array of absolute directories, not "
			   "an integer");
}

static void test_tmp_size_bad(void)
{
	expect_app_setting("tmp_size = \"max\";",
			   L "tmp_size: the cell's /tmp needs a size such as 64M (\"max\" is not "
			   "allowed)");
	expect_app_setting("tmp_size = 1000;",
			   L "tmp_size: expected a size in bytes, or with K, M, G or T (1024-based) "
			   "such as 64M, at least 1M; got \"1000\"");
	expect_app_setting("tmp_size = true;",
			   L "tmp_size must be bytes (an integer) or a string such as \"64M\", not "
			   "a boolean");
}

static void test_seccomp_bad(void)
{
	expect_app_setting("policy = \"../etc/x\";",
			   L "policy \"../etc/x\" must be the name of a file in policies/ without "
			   "\".policy\": 1-63 characters from a-z 0-9 _ -");
	expect_app_setting("policy = \"wsgi.policy\";",
			   L "policy \"wsgi.policy\" must be the name of a file in policies/ without "
			   "\".policy\": 1-63 characters from a-z 0-9 _ -");
	expect_app_setting("seccomp_log = 1;", L "seccomp_log must be true or false, not an integer");
	expect_app_setting("seccomp = \"off\";", L "seccomp must be true or false, not a string");
	expect_app_setting("seccomp = false; seccomp_log = true;",
			   L "seccomp_log = true needs the seccomp filter, which seccomp = false "
			   "turns off");
	expect_app_setting("seccomp = false; policy = \"wsgi\";",
			   L "policy is a seccomp policy, which seccomp = false turns off");
}

static void test_rlimits(void)
{
	expect_app_setting("", NULL);
	CHECK(cfg.apps[0].rlimit_fsize == 0 && cfg.apps[0].rlimit_as == 0 &&
	      cfg.apps[0].rlimit_cpu == 0);
	expect_app_setting("rlimit_fsize = \"1M\"; rlimit_as = 4294967296L; rlimit_cpu = 600;",
			   NULL);
	CHECK(cfg.apps[0].rlimit_fsize == 1LL << 20 && cfg.apps[0].rlimit_as == 4LL << 30 &&
	      cfg.apps[0].rlimit_cpu == 600);
	expect_app_setting("rlimit_as = \"max\";", NULL);
	CHECK(cfg.apps[0].rlimit_as == 0);
	expect_app_setting("rlimit_fsize = \"10\";",
			   L "rlimit_fsize: expected a size in bytes, or with K, M, G or T "
			   "(1024-based) such as 512M, at least 1M, or max; got \"10\"");
	expect_app_setting("rlimit_cpu = 0;", L "rlimit_cpu must be 1..2147483647, got 0");
	expect_app_setting("rlimit_as = true;",
			   L "rlimit_as must be bytes (an integer) or a string such as \"1G\", not "
			   "a boolean");
}

static void test_unknown_near_miss(void)
{
	expect_app_setting("netwrk = \"host\";",
			   "test.conf:2: unknown setting \"netwrk\" in app \"a\" (did you mean \"network\"?)");
}

static void test_value_checks(void)
{
	struct sg_error err;
	enum sg_network mode;
	CHECK(sg_config_parse_network("host", &mode, &err) == 0 && mode == SG_NET_HOST);
	CHECK(sg_config_parse_network("", &mode, &err) < 0);
	CHECK_STR(sg_config_network_name(SG_NET_LOOPBACK), "loopback");
	CHECK(sg_config_check_policy("cgi-exec", &err) == 0);
	CHECK(sg_config_check_policy("", &err) < 0);
	CHECK(sg_config_check_writable("/var/www/x", &err) == 0);
	CHECK(sg_config_check_writable("/srv//x", &err) < 0);
	CHECK(sg_config_check_writable("/srv/./x", &err) < 0);
	CHECK(sg_config_check_writable("/dev", &err) < 0);
	CHECK(sg_config_check_writable("/devices", &err) == 0);
	CHECK(sg_config_check_port(1, &err) == 0 && sg_config_check_port(0, &err) < 0);
	long long bytes;
	CHECK(sg_config_parse_tmp_size("1M", &bytes, &err) == 0 && bytes == 1LL << 20);
	CHECK(sg_config_parse_tmp_size("max", &bytes, &err) < 0);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_full);
	RUN(test_network_bad);
	RUN(test_ports_bad);
	RUN(test_writable_bad);
	RUN(test_tmp_size_bad);
	RUN(test_seccomp_bad);
	RUN(test_rlimits);
	RUN(test_unknown_near_miss);
	RUN(test_value_checks);
	reset();
	UNIT_END();
}
