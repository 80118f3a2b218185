/* An app's lifecycle settings (issue 5): idle_timeout, which also makes
 * the app on demand, and queue_timeout. */
#include "config_expect.h"

#define L "test.conf:2: app \"a\": "

static void test_defaults(void)
{
	expect_app_setting("", NULL);
	CHECK(cfg.apps[0].idle_timeout == 0);
	CHECK(cfg.apps[0].queue_timeout == 30);
}

static void test_values(void)
{
	expect_app_setting("idle_timeout = 600; queue_timeout = 5;", NULL);
	CHECK(cfg.apps[0].idle_timeout == 600);
	CHECK(cfg.apps[0].queue_timeout == 5);
	expect_app_setting("idle_timeout = 0;", NULL);
	CHECK(cfg.apps[0].idle_timeout == 0);
	expect_app_setting("idle_timeout = 2592000; queue_timeout = 3600;", NULL);
}

static void test_bad(void)
{
	expect_app_setting("idle_timeout = -1;", L "idle_timeout must be 0..2592000, got -1");
	expect_app_setting("idle_timeout = 2592001;",
			   L "idle_timeout must be 0..2592000, got 2592001");
	expect_app_setting("queue_timeout = 0;", L "queue_timeout must be 1..3600, got 0");
	expect_app_setting("queue_timeout = 3601;", L "queue_timeout must be 1..3600, got 3601");
	expect_app_setting("idle_timeout = \"1h\";",
			   L "idle_timeout must be an integer, not a string");
	expect_app_setting("idle_timout = 5;", "test.conf:2: unknown setting \"idle_timout\" in app "
					      "\"a\" (did you mean \"idle_timeout\"?)");
}

/* processes = N is a fixed count; min_workers/max_workers a range, kept
 * as processes = max_workers and min_workers (0 when the two are equal). */
static void test_workers(void)
{
	expect_app_setting("", NULL);
	CHECK(cfg.apps[0].processes == 2 && cfg.apps[0].min_workers == 0);
	expect_app_setting("min_workers = 1; max_workers = 3;", NULL);
	CHECK(cfg.apps[0].processes == 3 && cfg.apps[0].min_workers == 1);
	expect_app_setting("max_workers = 4;", NULL);
	CHECK(cfg.apps[0].processes == 4 && cfg.apps[0].min_workers == 1);
	expect_app_setting("min_workers = 3;", NULL);
	CHECK(cfg.apps[0].processes == 3 && cfg.apps[0].min_workers == 0);
	expect_app_setting("min_workers = 2; max_workers = 2;", NULL);
	CHECK(cfg.apps[0].processes == 2 && cfg.apps[0].min_workers == 0);
	expect_app_setting("min_workers = 3; max_workers = 2;",
			   L "min_workers (3) is more than max_workers (2)");
	expect_app_setting("processes = 2; max_workers = 4;",
			   L "processes and min_workers/max_workers: give either a fixed count "
			   "(processes) or a range (min_workers, max_workers)");
	expect_app_setting("max_workers = 129;", L "max_workers must be 1..128, got 129");
	expect_app_setting("min_workers = 0;", L "min_workers must be 1..128, got 0");
	expect_app_setting("max_workers = 8; pids = 8;",
			   L "pids: pids 8 leaves no room for the zygote and 8 workers: it must "
			   "be at least 9");
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_values);
	RUN(test_bad);
	RUN(test_workers);
	reset();
	UNIT_END();
}
