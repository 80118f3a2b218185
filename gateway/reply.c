#include "reply.h"

#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

const char *sg_reply_reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

size_t sg_reply_format(enum sg_proto proto, int status, char *buf, size_t cap)
{
	const char *reason = sg_reply_reason(status);
	char body[128];
	int blen = snprintf(body, sizeof body, "%d %s\n", status, reason);
	int n;
	if (proto == SG_PROTO_HTTP) {
		char date[64];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		n = snprintf(buf, cap,
			     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: sandgate\r\n"
			     "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
			     "Connection: close\r\n\r\n%s",
			     status, reason, date, blen, body);
	} else {
		n = snprintf(buf, cap,
			     "Status: %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			     "Content-Length: %d\r\n\r\n%s",
			     status, reason, blen, body);
	}
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void sg_reply_verdict(int fd, enum sg_cgi_outcome outcome, int http_status, int wait_status,
		      int exit_code, const char *reason)
{
	struct sg_cgi_verdict v = { .magic = SG_CGI_VERDICT_MAGIC, .outcome = (uint32_t)outcome,
				    .wait_status = wait_status, .http_status = http_status,
				    .exit_code = exit_code };
	snprintf(v.reason, sizeof v.reason, "%s", reason);
	ssize_t w = send(fd, &v, sizeof v, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)w;
	if (outcome != SG_CGI_ACCEPTED)
		shutdown(fd, SHUT_WR);
}

void sg_reply_send(int fd, enum sg_proto proto, int status)
{
	if (proto == SG_PROTO_CGI_LAUNCH) {
		char reason[96];
		snprintf(reason, sizeof reason, "the gateway answered %d %s (its log says why)",
			 status, sg_reply_reason(status));
		sg_reply_verdict(fd, SG_CGI_FAILED, status, 0,
				 status == 503 ? SG_CGI_EXIT_UNAVAILABLE : SG_CGI_EXIT_SOFTWARE, reason);
		return;
	}
	char buf[512];
	size_t n = sg_reply_format(proto, status, buf, sizeof buf);
	if (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
	}
	shutdown(fd, SHUT_WR);
}
