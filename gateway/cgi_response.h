/* A CGI script's response head, turned into an SCGI answer's head
 * (protocols.md C7-C10; README "Replacing suEXEC"). Used by the worker on
 * SG_PROTO_CGI_SCGI requests; on the launcher path the web server parses
 * the output itself. Pure: bytes in, bytes out, no I/O, no globals.
 *
 *   C7  "Name: value" lines ending in LF or CRLF, then an empty line; at
 *       least one of Content-Type, Location, Status; none of those three
 *       repeated; no continuation lines; names case-insensitive
 *   C8  the answer always starts with an explicit "Status: NNN reason"
 *       (200 by default); Location without Status is "302 Found"
 *   C9  HEAD: the caller drops the body (send_body is false)
 *   C10 nph- scripts: a first line "HTTP/1.x NNN reason" becomes the
 *       Status line; the header lines after it are passed on
 *
 * Anything else (a bad line, a head longer than SG_CGI_HEAD_MAX, output
 * that ends before the empty line) is the script's fault: a 502. */
#ifndef SG_CGI_RESPONSE_H
#define SG_CGI_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define SG_CGI_HEAD_MAX 65536 /* bytes of script output before the empty line */
/* Room the rewritten head needs: every LF may become CRLF, plus the
 * Status line. */
#define SG_CGI_HEAD_OUT_MAX (2 * SG_CGI_HEAD_MAX + 128)

enum sg_cgi_head_result {
	SG_CGI_HEAD_MORE = 0, /* no empty line yet: read more output */
	SG_CGI_HEAD_OK = 1,
	SG_CGI_HEAD_BAD = -1, /* answer 502; err says why */
};

struct sg_cgi_head {
	int status;       /* the HTTP status answered */
	size_t in_len;    /* bytes of input the head took, empty line included */
	size_t out_len;   /* bytes written to out: the SCGI head, ending "\r\n\r\n" */
	bool send_body;   /* false for HEAD (C9) */
};

/* Parses the script's output in[0..len). eof: the script's output has
 * ended. nph: the script's name starts with "nph-" (C10). is_head: the
 * request's method is HEAD. On SG_CGI_HEAD_OK, out[0..head->out_len) is the
 * head to send and in[head->in_len..len) the first body bytes. out must
 * hold SG_CGI_HEAD_OUT_MAX bytes. */
enum sg_cgi_head_result sg_cgi_response_parse(const char *in, size_t len, bool eof, bool nph,
					      bool is_head, char *out, struct sg_cgi_head *head,
					      struct sg_error *err);

#endif
