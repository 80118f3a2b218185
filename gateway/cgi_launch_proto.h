/* The contract between sandgate-cgi (the launcher the web server runs as a
 * CGI program) and the gateway's launcher socket.
 *
 * The launcher connects to a SOCK_SEQPACKET Unix socket (SG_CGI_SOCKET_ENV,
 * else SG_CGI_SOCKET_DEFAULT) and sends ONE message: struct sg_cgi_launch,
 * then env_len bytes of its environment as an env block ("NAME\0VALUE\0"
 * pairs, gateway/envblock.h), with exactly three descriptors as SCM_RIGHTS:
 * its stdin, stdout and stderr, in that order. It then closes its own
 * stdin (the worker alone reads the body) and waits for verdicts, keeping
 * stderr for one line to the web server's error log.
 *
 * The gateway answers with one or two struct sg_cgi_verdict:
 *   - a final verdict (REFUSED, FAILED) when it turned the request down
 *     before handing it to a cell; nothing ran, nothing was written, and
 *     the launcher writes the error response (http_status) to its stdout,
 *     the one copy of it it keeps until the first verdict;
 *   - else SG_CGI_ACCEPTED as soon as the job is in the cell's queue: the
 *     launcher closes its copy of stdout then, so that only the worker
 *     holds it while the script runs, and waits for the final verdict
 *     (RAN, or FAILED when the cell died or the script never ran). After
 *     ACCEPTED the launcher writes nothing to stdout: the worker writes
 *     any error response itself (a timeout's 504); when it could not, the
 *     web server sees output end without a head and answers 500.
 * A connection closed without a final verdict means the gateway died. */
#ifndef SG_CGI_LAUNCH_PROTO_H
#define SG_CGI_LAUNCH_PROTO_H

#include <stdint.h>

#define SG_CGI_SOCKET_DEFAULT "/run/sandgate/cgi.sock"
#define SG_CGI_SOCKET_ENV "SANDGATE_CGI_SOCKET"

#define SG_CGI_LAUNCH_MAGIC 0x53474331u  /* "SGC1" */
#define SG_CGI_VERDICT_MAGIC 0x53474356u /* "SGCV" */
#define SG_CGI_ENV_MAX 65536             /* env block bytes, launcher and gateway */

struct sg_cgi_launch {
	uint32_t magic;
	uint32_t env_len;
};

enum sg_cgi_outcome {
	SG_CGI_RAN = 1,     /* the script ran; wait_status is its wait(2) status */
	SG_CGI_REFUSED = 2, /* a check refused it (exit_code says which) */
	SG_CGI_FAILED = 3,  /* the gateway or the cell could not run it */
	SG_CGI_ACCEPTED = 4, /* not final: in the cell's queue; the launcher
			      * lets go of stdout and waits for the final one */
};

struct sg_cgi_verdict {
	uint32_t magic;
	uint32_t outcome;    /* enum sg_cgi_outcome */
	int32_t wait_status; /* SG_CGI_RAN */
	int32_t http_status; /* any final outcome: when not 0, nothing was
			      * written to stdout and the launcher answers
			      * this status (a refusal's 403, a timeout's
			      * 504, ...) if it still holds stdout, i.e. when
			      * no ACCEPTED came first */
	int32_t exit_code;   /* REFUSED/FAILED: the launcher's exit status */
	uint32_t reserved;
	char reason[200];    /* REFUSED/FAILED: one line for the web server's
			      * error log (the launcher's stderr), NUL-terminated */
};

/* The launcher's exit status: the script's own (WEXITSTATUS, or 128 + the
 * signal that killed it) when it ran; else one of these. The refusal codes
 * are suEXEC's for the same check (httpd support/suexec.c), so an admin's
 * knowledge carries over; the others are sysexits(3) values. */
enum sg_cgi_exit {
	SG_CGI_EXIT_USAGE = 64,       /* EX_USAGE: not run as a CGI program */
	SG_CGI_EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: gateway unreachable, 503 */
	SG_CGI_EXIT_SOFTWARE = 70,    /* EX_SOFTWARE: protocol error, cell failed, 502/504 */
	SG_CGI_EXIT_OSERR = 71,       /* EX_OSERR: a call failed in the launcher */
	SG_CGI_EXIT_NOPERM = 77,      /* EX_NOPERM: this uid may not use the launcher
				       * socket (frontends, allow_uids), 403 */
	SG_CGI_EXIT_BAD_USER = 102,   /* the target user is unknown / not allowed */
	SG_CGI_EXIT_BAD_PATH = 104,   /* relative path, "..", or not a CGI request */
	SG_CGI_EXIT_LOW_UID = 107,    /* uid below min_uid (or 0) */
	SG_CGI_EXIT_LOW_GID = 108,    /* gid below min_gid (or 0) */
	SG_CGI_EXIT_OUTSIDE = 114,    /* script outside the user's CGI roots, or a
				       * symbolic link on the way */
	SG_CGI_EXIT_NO_DIR = 115,     /* the directory cannot be opened */
	SG_CGI_EXIT_DIR_WRITABLE = 116, /* directory writable by group or others */
	SG_CGI_EXIT_NO_FILE = 117,    /* the script does not exist / is not a file */
	SG_CGI_EXIT_FILE_WRITABLE = 118, /* script writable by group or others */
	SG_CGI_EXIT_SETID = 119,      /* script setuid or setgid */
	SG_CGI_EXIT_OWNER = 120,      /* owner of script/directory is not the target */
	SG_CGI_EXIT_NOT_EXEC = 121,   /* script without the owner's execute bit */
	SG_CGI_EXIT_EXTENSION = 122,  /* extension not allowed (sandgate's own check) */
};

#endif
