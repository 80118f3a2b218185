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

int main(void)
{
	RUN(test_defaults);
	RUN(test_values);
	RUN(test_bad);
	reset();
	UNIT_END();
}
