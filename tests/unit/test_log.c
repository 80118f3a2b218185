/* The gateway log: one line per message, control characters escaped so a
 * client-supplied name cannot forge a log line. */
#include <unistd.h>

#include "gateway/log.h"
#include "unit.h"

/* Logs msg with stderr on a pipe and returns what came out. */
static const char *capture(const char *msg)
{
	static char out[2048];
	int p[2], saved = dup(2);
	if (pipe(p) < 0)
		return "";
	dup2(p[1], 2);
	sg_log(SG_LOG_WARN, "%s", msg);
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	ssize_t n = read(p[0], out, sizeof out - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void test_control_characters_escaped(void)
{
	const char *out = capture("name\nFAKE ERROR [gateway] x\r\033[31m");
	CHECK(strstr(out, "name\\x0aFAKE ERROR [gateway] x\\x0d\\x1b[31m") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1);
}

static void test_level_and_tag(void)
{
	sg_log_init("unit", SG_LOG_INFO);
	const char *out = capture("hello");
	CHECK(strstr(out, " WARN [unit] hello\n") != NULL);
}

static void test_level_filter(void)
{
	sg_log_init("unit", SG_LOG_ERROR);
	CHECK_STR(capture("quiet"), "");
	sg_log_init("unit", SG_LOG_INFO);
}

static void test_level_names(void)
{
	CHECK(sg_log_level_parse("debug") == SG_LOG_DEBUG);
	CHECK(sg_log_level_parse("WARNING") == SG_LOG_WARN);
	CHECK(sg_log_level_parse("loud") == -1);
}

int main(void)
{
	RUN(test_control_characters_escaped);
	RUN(test_level_and_tag);
	RUN(test_level_filter);
	RUN(test_level_names);
	UNIT_END();
}
