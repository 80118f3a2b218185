/* Listener addresses: "HOST:PORT", "[V6]:PORT", "unix:/path". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "gateway/addr.h"
#include "unit.h"

static struct sg_addr addr;
static struct sg_error err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof err);
	return sg_addr_parse(text, &addr, &err);
}

static void test_ipv4(void)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addr.ss;

	CHECK(parse("10.0.0.1:8080") == 0);
	CHECK(sin->sin_family == AF_INET && ntohs(sin->sin_port) == 8080);
	CHECK(sin->sin_addr.s_addr == htonl(0x0a000001));
	CHECK(addr.len == sizeof(struct sockaddr_in) && !addr.is_unix);
	CHECK_STR(addr.text, "10.0.0.1:8080");
	CHECK(parse("0.0.0.0:1") == 0 && ntohs(sin->sin_port) == 1);
	CHECK(parse("255.255.255.255:65535") == 0 && ntohs(sin->sin_port) == 65535);
}

static void test_localhost(void)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addr.ss;

	CHECK(parse("localhost:80") == 0);
	CHECK(sin->sin_family == AF_INET && sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
}

static void test_ipv6(void)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&addr.ss;

	CHECK(parse("[::1]:8080") == 0);
	CHECK(sin6->sin6_family == AF_INET6 && ntohs(sin6->sin6_port) == 8080);
	CHECK(memcmp(&sin6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0);
	CHECK(addr.len == sizeof(struct sockaddr_in6));
	CHECK(parse("[::]:443") == 0);
	CHECK(parse("[2001:db8::1]:1") == 0);
}

static void test_unix(void)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&addr.ss;

	CHECK(parse("unix:/run/sandgate/blog.sock") == 0);
	CHECK(addr.is_unix && un->sun_family == AF_UNIX);
	CHECK_STR(un->sun_path, "/run/sandgate/blog.sock");
	CHECK(addr.len == offsetof(struct sockaddr_un, sun_path) + strlen(un->sun_path) + 1);
}

static void test_unix_path_must_be_absolute(void)
{
	CHECK(parse("unix:run/x.sock") == -1);
	CHECK(strstr(err.msg, "absolute") != NULL);
	CHECK(parse("unix:") == -1);
	CHECK(parse("unix:./x") == -1);
}

/* sun_path holds 108 bytes including the NUL: 107 fit, 108 do not. */
static void test_unix_path_must_fit_sun_path(void)
{
	char text[200] = "unix:/";
	struct sockaddr_un un;
	size_t max = sizeof un.sun_path - 1;

	memset(text + 6, 'a', max - 1);
	text[5 + max] = '\0';
	CHECK(parse(text) == 0);
	text[5 + max] = 'a';
	text[6 + max] = '\0';
	CHECK(parse(text) == -1);
	CHECK(strstr(err.msg, "longer than 107") != NULL);
}

static void test_port_range(void)
{
	CHECK(parse("10.0.0.1:99999") == -1);
	CHECK_STR(err.msg, "\"10.0.0.1:99999\": port must be 1-65535");
	CHECK(parse("10.0.0.1:65536") == -1);
	CHECK(parse("10.0.0.1:0") == -1);
	CHECK(parse("10.0.0.1:99999999999999999999999") == -1);
	CHECK(strstr(err.msg, "1-65535") != NULL);
	CHECK(parse("[::1]:70000") == -1);
}

static void test_port_junk(void)
{
	CHECK(parse("10.0.0.1:80x") == -1);
	CHECK(parse("10.0.0.1: 80") == -1);
	CHECK(parse("10.0.0.1:+80") == -1);
	CHECK(parse("10.0.0.1:-1") == -1);
	CHECK(parse("10.0.0.1:080") == -1);
	CHECK(parse("10.0.0.1:") == -1);
	CHECK(strstr(err.msg, "missing port") != NULL);
	CHECK(parse("10.0.0.1") == -1);
	CHECK(parse("[::1]") == -1);
	CHECK(parse("[::1]80") == -1);
}

/* No DNS: only numeric addresses and "localhost". */
static void test_host_must_be_numeric(void)
{
	CHECK(parse("example.com:80") == -1);
	CHECK(strstr(err.msg, "numeric") != NULL);
	CHECK(parse("10.0.0:80") == -1);
	CHECK(parse("10.0.0.256:80") == -1);
	CHECK(parse(":80") == -1);
	CHECK(parse("::1:80") == -1);
	CHECK(strstr(err.msg, "[V6]") != NULL);
	CHECK(parse("[localhost]:80") == -1);
	CHECK(parse("[]:80") == -1);
	CHECK(parse("[::1:80") == -1);
	CHECK(parse("") == -1);
}

/* The message quotes the address, cut short if it is huge. */
static void test_long_text_cut_in_messages(void)
{
	char text[400];

	memset(text, '1', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	CHECK(parse(text) == -1);
	CHECK(strlen(err.msg) < 200);
	CHECK(strlen(addr.text) == sizeof addr.text - 1);
}

int main(void)
{
	RUN(test_ipv4);
	RUN(test_localhost);
	RUN(test_ipv6);
	RUN(test_unix);
	RUN(test_unix_path_must_be_absolute);
	RUN(test_unix_path_must_fit_sun_path);
	RUN(test_port_range);
	RUN(test_port_junk);
	RUN(test_host_must_be_numeric);
	RUN(test_long_text_cut_in_messages);
	UNIT_END();
}
