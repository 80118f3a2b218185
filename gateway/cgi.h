/* CGI requests (README "Replacing suEXEC"): they come from the launcher
 * socket (cgi_conn.c, sandgate-cgi) or from an SCGI listener with
 * cgi = true (conn.c); cgi_route.c decides whose script runs and checks
 * it (cgi_check.c, suEXEC's checks), cgi_env.c builds the script's
 * environment, and dispatch.c hands the job to the owner's CGI app
 * ("OWNER~cgi", a cell whose worker runs with --cgi). */
#ifndef SG_CGI_H
#define SG_CGI_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "cellproto.h"
#include "cgi_launch_proto.h"

struct sg_gateway;
struct sg_app;

enum sg_cgi_origin {
	SG_CGI_FROM_LAUNCHER, /* the front end's CGI environment, sent by sandgate-cgi */
	SG_CGI_FROM_SCGI,     /* an SCGI head; SCRIPT_FILENAME names the script */
};

struct sg_cgi_job {
	/* Accepted (http_status == 0): */
	struct sg_app *app;    /* the owner's CGI app */
	char *env;             /* the script's environment as an env block,
				* malloc'd, at most SG_CGI_ENV_MAX bytes */
	size_t env_len;
	char script[PATH_MAX]; /* absolute; the same path inside the cell */
	uint64_t dev, ino;     /* of the file the checks passed */
	uint32_t flags;        /* SG_CGI_NPH */
	/* Refused (http_status != 0): */
	int http_status;       /* 403, 404, 500 or 503 */
	int exit_code;         /* enum sg_cgi_exit, the launcher's exit status */
	char reason[200];      /* already logged; also sent to the launcher */
};

/* Decides which user's script a CGI request runs, checks it like suEXEC
 * would, and builds its environment. env/env_len are the variables the
 * front end sent (launcher: its whole CGI environment; SCGI: the head).
 * Returns 0 with the accepted fields filled, or -1 with the refused ones
 * (logged here, once, naming the reason). Free with sg_cgi_job_free
 * either way. */
int sg_cgi_prepare(struct sg_gateway *gw, enum sg_cgi_origin origin, const char *env,
		   size_t env_len, struct sg_cgi_job *job);
void sg_cgi_job_free(struct sg_cgi_job *job);

/* dispatch.c: sends an accepted job to job->app's cell (started on demand)
 * with fds as SCM_RIGHTS (SG_PROTO_CGI_LAUNCH: stdin, stdout, stderr;
 * SG_PROTO_CGI_SCGI: the client socket), then closes them. keep_fd is what
 * the gateway holds until the worker's done note and answers on if the
 * cell fails (the launcher connection, or the client socket: a dup of
 * fds[0]); it is owned by the call either way, as with sg_dispatch. */
void sg_dispatch_cgi(struct sg_app *app, enum sg_proto proto, const int *fds, int nfds,
		     int keep_fd, const struct sg_cgi_job *job);

#endif
