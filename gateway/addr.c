/* Listener addresses: "HOST:PORT", "[V6]:PORT", "unix:/path". No DNS: a
 * name other than "localhost" would make startup depend on the resolver. */
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Messages quote the address; a long one is cut to keep them readable. */
#define QUOTE "\"%.100s\""

static int parse_port(const char *text, const char *port, in_port_t *out,
		      struct sg_error *err)
{
	unsigned long v = 0;
	size_t n = strlen(port);

	if (n == 0)
		return sg_fail(err, QUOTE ": missing port after ':'", text);
	for (size_t i = 0; i < n; i++) {
		if (port[i] < '0' || port[i] > '9')
			return sg_fail(err, QUOTE ": port must be decimal digits", text);
	}
	if (port[0] == '0' && n > 1)
		return sg_fail(err, QUOTE ": port has a leading zero", text);
	for (size_t i = 0; i < n && v <= 65535; i++)
		v = v * 10 + (unsigned long)(port[i] - '0');
	if (v < 1 || v > 65535)
		return sg_fail(err, QUOTE ": port must be 1-65535", text);
	*out = htons((in_port_t)v);
	return 0;
}

static int parse_unix(const char *text, struct sg_addr *out, struct sg_error *err)
{
	const char *path = text + strlen("unix:");
	size_t n = strlen(path);
	struct sockaddr_un *un = (struct sockaddr_un *)&out->ss;

	if (path[0] != '/')
		return sg_fail(err, QUOTE ": a unix socket path must be absolute", text);
	if (n >= sizeof un->sun_path)
		return sg_fail(err, QUOTE ": unix socket path is longer than %zu bytes", text,
			       sizeof un->sun_path - 1);
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n + 1);
	out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	out->is_unix = true;
	return 0;
}

static int parse_ipv6(const char *text, struct sg_addr *out, struct sg_error *err)
{
	char host[INET6_ADDRSTRLEN];
	const char *close = strchr(text, ']');
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	if (close == NULL)
		return sg_fail(err, QUOTE ": missing ']'", text);
	size_t n = (size_t)(close - (text + 1));
	if (n == 0 || n >= sizeof host)
		return sg_fail(err, QUOTE ": not a numeric IPv6 address", text);
	memcpy(host, text + 1, n);
	host[n] = '\0';
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
		return sg_fail(err, QUOTE ": \"%s\" is not a numeric IPv6 address", text, host);
	if (close[1] != ':')
		return sg_fail(err, QUOTE ": expected ':PORT' after ']'", text);
	if (parse_port(text, close + 2, &sin6->sin6_port, err) < 0)
		return -1;
	sin6->sin6_family = AF_INET6;
	out->len = sizeof *sin6;
	return 0;
}

static int parse_ipv4(const char *text, struct sg_addr *out, struct sg_error *err)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(text, ':');
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

	if (colon == NULL)
		return sg_fail(err, QUOTE ": expected HOST:PORT, [V6]:PORT or unix:/path", text);
	if (memchr(text, ':', (size_t)(colon - text)) != NULL)
		return sg_fail(err, QUOTE ": an IPv6 address must be written [V6]:PORT", text);
	size_t n = (size_t)(colon - text);
	if (n == 0)
		return sg_fail(err, QUOTE ": missing host before ':'", text);
	if (n == strlen("localhost") && memcmp(text, "localhost", n) == 0) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		if (n >= sizeof host)
			return sg_fail(err, QUOTE ": host must be a numeric IPv4 address or "
				       "localhost", text);
		memcpy(host, text, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return sg_fail(err, QUOTE ": host must be a numeric IPv4 address or "
				       "localhost", text);
	}
	if (parse_port(text, colon + 1, &sin->sin_port, err) < 0)
		return -1;
	sin->sin_family = AF_INET;
	out->len = sizeof *sin;
	return 0;
}

int sg_addr_parse(const char *text, struct sg_addr *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	snprintf(out->text, sizeof out->text, "%s", text);

	if (strncmp(text, "unix:", 5) == 0)
		return parse_unix(text, out, err);
	if (text[0] == '[')
		return parse_ipv6(text, out, err);
	return parse_ipv4(text, out, err);
}
