/* Shared by the configuration unit tests: parse a text as "test.conf" in
 * /etc/sg and compare the problems found with the expected messages. */
#ifndef SG_TEST_CONFIG_EXPECT_H
#define SG_TEST_CONFIG_EXPECT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gateway/config.h"
#include "unit.h"

static struct sg_config cfg;
static struct sg_diags diags;

static inline void reset(void)
{
	sg_config_free(&cfg);
	sg_diags_free(&diags);
}

/* Parses as "test.conf" in /etc/sg; returns the parse's result. */
static inline int parse(const char *text)
{
	reset();
	return sg_config_parse_at(text, "test.conf", "/etc/sg", &cfg, &diags);
}

static inline void show_diags(void)
{
	for (int i = 0; i < diags.n; i++)
		printf("    diag: %s\n", diags.msg[i]);
}

/* The text must give exactly one problem, this one. */
static inline void expect_one(const char *text, const char *want)
{
	CHECK(parse(text) == -1);
	CHECK(diags.n == 1);
	CHECK_STR(diags.n > 0 ? diags.msg[0] : NULL, want);
	if (diags.n != 1)
		show_diags();
}

/* The text must give exactly one problem, starting with prefix. */
static inline void expect_prefix(const char *text, const char *prefix)
{
	CHECK(parse(text) == -1);
	CHECK(diags.n == 1);
	bool ok = diags.n > 0 && strncmp(diags.msg[0], prefix, strlen(prefix)) == 0;
	CHECK(ok);
	if (!ok || diags.n != 1) {
		printf("    want prefix: %s\n", prefix);
		show_diags();
	}
}

static inline void expect_ok(const char *text)
{
	int rc = parse(text);
	CHECK(rc == 0);
	CHECK(diags.n == 0);
	if (rc != 0 || diags.n != 0)
		show_diags();
}

static inline void expect_app_setting(const char *setting, const char *want)
{
	char text[512];
	snprintf(text, sizeof text,
		 "apps = ( { name = \"a\"; module = \"m\"; socket = \"unix:/tmp/a.sock\";\n"
		 "  %s } );\n", setting);
	if (want == NULL)
		expect_ok(text);
	else
		expect_one(text, want);
}

#endif
