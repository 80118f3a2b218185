/* Listener addresses: "HOST:PORT", "[V6]:PORT" or "unix:/path". Pure. */
#ifndef SG_ADDR_H
#define SG_ADDR_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "error.h"

struct sg_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool is_unix;
	char text[128]; /* the address as given, for messages */
};

/* HOST must be a numeric IPv4/IPv6 literal or "localhost"; no DNS. */
int sg_addr_parse(const char *text, struct sg_addr *out, struct sg_error *err);

#endif
