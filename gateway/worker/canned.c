#include "gateway/worker/canned.h"

#include "gateway/cellproto.h"
#include "gateway/worker/io.h"

/* Each body is "<status line text>\n"; the Content-Length is written by
 * hand and checked at compile time below. */
#define SCGI_HEAD(status, len) \
	"Status: " status "\r\nContent-Type: text/plain\r\nContent-Length: " len "\r\n"
#define HTTP_HEAD(status, len)                                                  \
	"HTTP/1.1 " status "\r\nContent-Type: text/plain\r\nContent-Length: " len \
	"\r\nConnection: close\r\nServer: sandgate\r\n"
#define BODY(status) "\r\n" status "\n"

#define CANNED(proto, status, len)                                                     \
	{ proto##_HEAD(status, len), sizeof proto##_HEAD(status, len) - 1, BODY(status), \
	  sizeof BODY(status) - 1 }

#define CHECK_LEN(status, len) \
	_Static_assert(sizeof(status "\n") - 1 == (len), "Content-Length of " status)

CHECK_LEN("400 Bad Request", 16);
CHECK_LEN("403 Forbidden", 14);
CHECK_LEN("404 Not Found", 14);
CHECK_LEN("413 Content Too Large", 22);
CHECK_LEN("500 Internal Server Error", 26);
CHECK_LEN("502 Bad Gateway", 16);
CHECK_LEN("503 Service Unavailable", 24);
CHECK_LEN("504 Gateway Timeout", 20);

struct canned_entry {
	int status;
	struct sg_canned scgi, http;
};

static const struct canned_entry canned[] = {
	{ 400, CANNED(SCGI, "400 Bad Request", "16"), CANNED(HTTP, "400 Bad Request", "16") },
	{ 403, CANNED(SCGI, "403 Forbidden", "14"), CANNED(HTTP, "403 Forbidden", "14") },
	{ 404, CANNED(SCGI, "404 Not Found", "14"), CANNED(HTTP, "404 Not Found", "14") },
	{ 413, CANNED(SCGI, "413 Content Too Large", "22"),
	  CANNED(HTTP, "413 Content Too Large", "22") },
	{ 500, CANNED(SCGI, "500 Internal Server Error", "26"),
	  CANNED(HTTP, "500 Internal Server Error", "26") },
	{ 502, CANNED(SCGI, "502 Bad Gateway", "16"), CANNED(HTTP, "502 Bad Gateway", "16") },
	{ 503, CANNED(SCGI, "503 Service Unavailable", "24"),
	  CANNED(HTTP, "503 Service Unavailable", "24") },
	{ 504, CANNED(SCGI, "504 Gateway Timeout", "20"),
	  CANNED(HTTP, "504 Gateway Timeout", "20") },
};

const struct sg_canned *sg_canned_get(int proto, int status)
{
	for (size_t i = 0; i < sizeof canned / sizeof canned[0]; i++)
		if (canned[i].status == status)
			return proto == SG_PROTO_HTTP ? &canned[i].http : &canned[i].scgi;
	return NULL;
}

int sg_canned_write(int fd, const struct sg_canned *c, bool head_only)
{
	struct iovec iov[2] = {
		{ (void *)c->head, c->head_len },
		{ (void *)c->body, head_only ? 2 : c->body_len },
	};
	return sg_writev_all(fd, iov, 2);
}
