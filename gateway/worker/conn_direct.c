/* The direct path: an SCGI head read from the app's own socket. */
#include "gateway/worker/conn.h"

#include <errno.h>
#include <string.h>

#include "gateway/cellproto.h"
#include "gateway/scgi.h"
#include "gateway/worker/io.h"

/* Each read takes at most this much: the head (nginx's is under 1 KiB) and
 * the start of the body. The rest of a large body then goes from the socket
 * straight into the bytes that wsgi.input returns, not through buf and a
 * memcpy: on this AMD EPYC a 64 KiB memcpy takes 1.6 us, or 34-40 us when
 * the destination lies 1-31 bytes past the source modulo 4 KiB, which
 * depends on the head's length (docs/performance.md). */
#define READ_MAX 4096

int sg_direct_read_head(struct sg_request *req, char *buf, size_t cap, int timeout_ms,
			struct sg_error *err)
{
	uint64_t deadline = sg_now_ms() + (uint64_t)timeout_ms;
	size_t len = 0;
	for (;;) {
		uint64_t now = sg_now_ms();
		if (now >= deadline)
			return sg_fail(err, "no complete SCGI head within %d ms", timeout_ms);
		if (len == cap)
			return sg_fail(err, "SCGI head larger than %zu bytes", cap);
		size_t want = cap - len < READ_MAX ? cap - len : READ_MAX;
		ssize_t n = sg_read_timeout(req->fd, buf + len, want, (int)(deadline - now));
		if (n < 0 && errno == ETIMEDOUT)
			return sg_fail(err, "no complete SCGI head within %d ms", timeout_ms);
		if (n < 0)
			return sg_fail_errno(err, "reading the SCGI head");
		if (n == 0)
			return sg_fail(err, "connection closed %s the SCGI head",
				       len == 0 ? "before" : "inside");
		len += (size_t)n;

		struct sg_scgi_head head;
		enum sg_scgi_status st =
			sg_scgi_parse(buf, len, SG_SCGI_DEFAULT_MAX_HEAD, &head, err);
		if (st == SG_SCGI_INVALID)
			return -1;
		if (st == SG_SCGI_OK) {
			req->proto = SG_PROTO_SCGI;
			req->request_id = 0;
			req->env = head.headers;
			req->env_len = head.headers_len;
			req->body = buf + head.consumed;
			req->body_len = len - head.consumed;
			return 0;
		}
	}
}
