/* The control socket's pure parts: the request line, JSON escaping, the
 * status forms (a hostile request line from the scoreboard), default
 * paths, the cell-cgroup check, and the `control` configuration key. */
#include "gateway/config.h"
#include "gateway/control_path.h"
#include "gateway/control_req.h"
#include "gateway/control_status.h"
#include "gateway/json.h"

#include <stdlib.h>

#include "unit.h"

/* ---- request line ---- */

static int parse(const char *line, struct sg_control_req *req, struct sg_error *err)
{
	return sg_control_parse(line, strlen(line), req, err);
}

static void test_req_commands(void)
{
	struct sg_control_req r;
	struct sg_error err;
	CHECK(parse("status", &r, &err) == 0);
	CHECK(r.cmd == SG_CONTROL_STATUS && r.app[0] == '\0' && !r.text);
	CHECK(parse("status blog", &r, &err) == 0);
	CHECK_STR(r.app, "blog");
	CHECK(parse("text status", &r, &err) == 0 && r.text);
	CHECK(parse("json reload my-app.v2\r", &r, &err) == 0);
	CHECK(r.cmd == SG_CONTROL_RELOAD && !r.text);
	CHECK_STR(r.app, "my-app.v2");
	CHECK(parse("  stop   x  ", &r, &err) == 0 && r.cmd == SG_CONTROL_STOP);
	CHECK_STR(r.app, "x");
}

static void test_req_refused(void)
{
	struct sg_control_req r;
	struct sg_error err;
	CHECK(parse("", &r, &err) < 0);
	CHECK(parse("reload", &r, &err) < 0 && strstr(err.msg, "needs an app name"));
	CHECK(parse("stop a b", &r, &err) < 0);
	CHECK(parse("text status a b", &r, &err) < 0);
	CHECK(parse("status ../etc", &r, &err) < 0 && strstr(err.msg, "not an app name"));
	CHECK(parse("kill blog", &r, &err) < 0 && strstr(err.msg, "unknown command \"kill\""));
	/* Not a plain word: not quoted back. */
	CHECK(parse("k%ll", &r, &err) < 0 && strstr(err.msg, "k%ll") == NULL);
	CHECK(sg_control_parse("status\0x", 8, &r, &err) < 0);
	CHECK(parse("status \x1b[2J", &r, &err) < 0);
	CHECK(parse("status caf\xc3\xa9", &r, &err) < 0);
	char name[SG_NAME_MAX + 8];
	memset(name, 'a', sizeof name);
	memcpy(name, "stop ", 5);
	name[sizeof name - 1] = '\0';
	CHECK(parse(name, &r, &err) < 0);
	char longline[SG_CONTROL_LINE_MAX + 1];
	memset(longline, ' ', sizeof longline);
	memcpy(longline, "status", 6);
	longline[SG_CONTROL_LINE_MAX] = '\0';
	CHECK(parse(longline, &r, &err) < 0 && strstr(err.msg, "too long"));
}

/* ---- JSON ---- */

static void test_json_escaping(void)
{
	struct sg_json j;
	sg_json_init(&j, 0);
	sg_json_open(&j, '{');
	sg_json_key(&j, "s");
	sg_json_strn(&j, "a\"b\\c\n\x01\x7f\xff", 9);
	sg_json_key(&j, "n");
	sg_json_int(&j, -3);
	sg_json_key(&j, "l");
	sg_json_open(&j, '[');
	sg_json_bool(&j, true);
	sg_json_null(&j);
	sg_json_uint(&j, 18446744073709551615ull);
	sg_json_close(&j, ']');
	sg_json_close(&j, '}');
	CHECK_STR(sg_json_finish(&j),
		  "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u007f\\u00ff\",\"n\":-3,"
		  "\"l\":[true,null,18446744073709551615]}");
	sg_json_free(&j);
}

static void test_json_bounded(void)
{
	struct sg_json j;
	sg_json_init(&j, 64);
	for (int i = 0; i < 100; i++)
		sg_json_str(&j, "0123456789");
	CHECK(sg_json_finish(&j) == NULL);
	sg_json_free(&j);
	sg_json_init(&j, 0);
	CHECK_STR(sg_json_finish(&j), "");
	sg_json_free(&j);
}

/* ---- status forms ---- */

static struct sg_status_worker workers[2];

static void sample(struct sg_status_app *a)
{
	*a = (struct sg_status_app){ .state = "ready", .uid = 1001, .zygote_pid = 42,
				     .up_ms = 5500, .requests = 7, .restarts = 1,
				     .memory = -1, .n_workers = 2, .workers = workers };
	strcpy(a->name, "blog");
	strcpy(a->user, "alice");
	workers[0] = (struct sg_status_worker){ .slot = 0, .pid = 2, .state = "idle",
						.requests = 3 };
	workers[1] = (struct sg_status_worker){ .slot = 1, .pid = 3, .state = "busy",
						.busy_ms = 12345, .requests = 4 };
	/* What app code could write into its slot. */
	strcpy(workers[1].request, "GET /\"}],\"x\":\x1b[31m\n\xff");
}

static void test_status_json(void)
{
	struct sg_status_app a;
	struct sg_json j;
	sample(&a);
	sg_json_init(&j, 0);
	sg_status_json(&j, &a);
	const char *s = sg_json_finish(&j);
	CHECK(s != NULL);
	CHECK(strstr(s, "\"name\":\"blog\",\"state\":\"ready\",\"user\":\"alice\",\"uid\":1001,"
			"\"zygote_pid\":42,\"uptime_s\":5,") != NULL);
	CHECK(strstr(s, "\"memory_bytes\":null") != NULL);
	CHECK(strstr(s, "\"last_error\":null") != NULL);
	CHECK(strstr(s, "{\"slot\":0,\"pid\":2,\"state\":\"idle\",\"request\":null,"
			"\"busy_s\":null,\"requests\":3}") != NULL);
	CHECK(strstr(s, "\"request\":\"GET /\\\"}],\\\"x\\\":\\u001b[31m\\n\\u00ff\","
			"\"busy_s\":12,") != NULL);
	sg_json_free(&j);
}

static void test_status_text(void)
{
	struct sg_status_app a;
	struct sg_json j;
	sample(&a);
	a.has_error = true;
	strcpy(a.last_error, "cannot start its cell: x\ny");
	a.last_error_age_ms = 3000;
	sg_json_init(&j, 0);
	sg_status_text(&j, &a);
	const char *s = sg_json_finish(&j);
	CHECK(s != NULL);
	CHECK(strstr(s, "blog: ready, user alice (uid 1001), 1 restart\n") == s);
	CHECK(strstr(s, "memory n/a") != NULL);
	CHECK(strstr(s, "last error, 3 s ago: cannot start its cell: x\\x0ay\n") != NULL);
	CHECK(strstr(s, "GET /\"}],\"x\":\\x1b[31m\\x0a\\xff\n") != NULL);
	CHECK(strchr(s, '\x1b') == NULL);
	sg_json_free(&j);
}

static void test_bytes(void)
{
	char b[32];
	sg_status_bytes(-1, b, sizeof b);
	CHECK_STR(b, "n/a");
	sg_status_bytes(512, b, sizeof b);
	CHECK_STR(b, "512 B");
	sg_status_bytes(3 << 20, b, sizeof b);
	CHECK_STR(b, "3.0 MiB");
}

/* ---- paths and cgroups ---- */

static void test_default_paths(void)
{
	char p[128];
	struct sg_error err;
	CHECK(sg_control_path_for(0, "/run/user/0", "/root", p, sizeof p, &err) == 0);
	CHECK_STR(p, "/run/sandgate/control.sock");
	CHECK(sg_control_path_for(1000, "/run/user/1000", "/home/a", p, sizeof p, &err) == 0);
	CHECK_STR(p, "/run/user/1000/sandgate/control.sock");
	CHECK(sg_control_path_for(1000, "", "/home/a", p, sizeof p, &err) == 0);
	CHECK_STR(p, "/home/a/.local/state/sandgate/control.sock");
	CHECK(sg_control_path_for(1000, "relative", "/home/a", p, sizeof p, &err) == 0);
	CHECK_STR(p, "/home/a/.local/state/sandgate/control.sock");
	CHECK(sg_control_path_for(1000, NULL, NULL, p, sizeof p, &err) < 0);
	CHECK(sg_control_path_for(1000, "/x", NULL, p, 10, &err) < 0);
}

static void test_cell_cgroup_dir(void)
{
	CHECK(sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/sandgate/blog-3", "blog"));
	CHECK(sg_cgroup_dir_is_cell("/sys/fs/cgroup/x/sandgate/b.v-2-17", "b.v-2"));
	CHECK(!sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/", "blog"));
	CHECK(!sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/user.slice", "blog"));
	CHECK(!sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/sandgate/blog-", "blog"));
	CHECK(!sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/sandgate/blogx-1", "blog"));
	CHECK(!sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/other/blog-1", "blog"));
	CHECK(!sg_cgroup_dir_is_cell("/sys/fs/cgroup/memory/xsandgate/blog-1", "blog"));
}

/* ---- the configuration key ---- */

#define APP "apps = ( { name = \"a\"; module = \"app.py\"; socket = \"unix:/tmp/a.sock\"; } );\n"

static int config(const char *text, struct sg_config *cfg, struct sg_diags *d)
{
	memset(d, 0, sizeof *d);
	return sg_config_parse(text, "/etc/sg/test.conf", cfg, d);
}

static void test_config_control(void)
{
	struct sg_config cfg;
	struct sg_diags d;
	CHECK(config(APP, &cfg, &d) == 0);
	CHECK_STR(cfg.control, "");
	sg_config_free(&cfg);
	sg_diags_free(&d);
	CHECK(config("control = \"unix:/run/x/control.sock\";\n" APP, &cfg, &d) == 0);
	CHECK_STR(cfg.control, "unix:/run/x/control.sock");
	sg_config_free(&cfg);
	sg_diags_free(&d);
	CHECK(config("control = \"none\";\n" APP, &cfg, &d) == 0);
	CHECK_STR(cfg.control, "none");
	sg_config_free(&cfg);
	sg_diags_free(&d);
	const char *bad[] = { "control = \"127.0.0.1:9000\";\n", "control = \"unix:rel.sock\";\n",
			      "control = 1;\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, "%s%s", bad[i], APP);
		CHECK(config(text, &cfg, &d) < 0);
		CHECK(d.n == 1 && strstr(d.msg[0], "/etc/sg/test.conf:1: ") == d.msg[0]);
		CHECK(d.n == 1 && strstr(d.msg[0], "control") != NULL);
		sg_config_free(&cfg);
		sg_diags_free(&d);
	}
}

int main(void)
{
	RUN(test_req_commands);
	RUN(test_req_refused);
	RUN(test_json_escaping);
	RUN(test_json_bounded);
	RUN(test_status_json);
	RUN(test_status_text);
	RUN(test_bytes);
	RUN(test_default_paths);
	RUN(test_cell_cgroup_dir);
	RUN(test_config_control);
	UNIT_END();
}
