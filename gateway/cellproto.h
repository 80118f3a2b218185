/* The contract between the gateway and a cell (sandgate-worker).
 *
 * The gateway builds the cell's namespaces, then execs sandgate-worker as
 * the app's user with these descriptors in place and a cleared environment:
 *
 *   0  /dev/null
 *   1  the app log (append-only file or the gateway's stderr)
 *   2  the app log
 *   3  SG_FD_CTL       SOCK_SEQPACKET, gateway <-> zygote control messages
 *   4  SG_FD_DISPATCH  SOCK_SEQPACKET, routed requests in (struct
 *                      sg_dispatch + env block + body prefix, the client
 *                      socket as SCM_RIGHTS), struct sg_done out
 *   5  SG_FD_SCOREBOARD memfd holding struct sg_scoreboard (MAP_SHARED)
 *   6  SG_FD_LISTEN    optional: the app's own SCGI listening socket
 *                      (direct path); absent when --listen-fd is not given
 *   7  SG_FD_ACCESS    optional: access log (combined format), with
 *                      --access-log
 *   8  SG_FD_SECCOMP   optional: the compiled seccomp program (a memfd of
 *                      struct sock_filter), loaded by the zygote after the
 *                      app import, with --seccomp
 *
 * Everything else the worker needs comes on its command line; see
 * `sandgate-worker --help` and gateway/worker/args.c.
 */
#ifndef SG_CELLPROTO_H
#define SG_CELLPROTO_H

#include <stdatomic.h>
#include <stdint.h>

enum {
	SG_FD_CTL = 3,
	SG_FD_DISPATCH = 4,
	SG_FD_SCOREBOARD = 5,
	SG_FD_LISTEN = 6,
	SG_FD_ACCESS = 7,
	SG_FD_SECCOMP = 8,
};

/* ---- control messages (SG_FD_CTL), fixed size ---- */

enum sg_ctl_type {
	/* zygote -> gateway */
	SG_CTL_READY = 1,         /* app imported, workers forked */
	SG_CTL_IMPORT_FAILED = 2, /* traceback went to the app log; zygote exits */
	SG_CTL_WORKER_EXIT = 3,   /* slot, pid, status, request_id, response_started */
	/* gateway -> zygote */
	SG_CTL_TIMEOUT = 10, /* kill worker slot/pid: traceback to log, 504 if nothing sent */
	SG_CTL_DRAIN = 11,   /* stop taking requests, finish in-flight ones, exit 0 */
};

struct sg_ctl_msg {
	uint32_t type;
	int32_t slot;
	int32_t pid;    /* pid inside the cell */
	int32_t status; /* wait status for SG_CTL_WORKER_EXIT */
	uint64_t request_id;
	uint32_t response_started;
	uint32_t reserved;
};

/* ---- routed requests (SG_FD_DISPATCH) ---- */

enum sg_proto {
	SG_PROTO_SCGI = 1, /* respond with "Status: ..." CGI-style head */
	SG_PROTO_HTTP = 2, /* respond with "HTTP/1.1 ..." and Connection: close */
	/* CGI (README "Replacing suEXEC"): the message also carries a struct
	 * sg_cgi_script after the env block, and the env block is already
	 * the script's environment, cleaned by the gateway. */
	SG_PROTO_CGI_LAUNCH = 3, /* from sandgate-cgi: three descriptors, the web
				  * server's stdin, stdout, stderr; the script's
				  * output goes to stdout unparsed (the web
				  * server parses it); the body ends at EOF or
				  * CONTENT_LENGTH (E1) */
	SG_PROTO_CGI_SCGI = 4,   /* from an SCGI listener with cgi = true: one
				  * descriptor, the client socket; the body is
				  * CONTENT_LENGTH bytes of it; the output is
				  * parsed (C7-C10) and answered as SCGI */
};

#define SG_CGI_SCRIPT_MAGIC 0x53474353u /* "SGCS" */

enum { SG_CGI_NPH = 1 }; /* sg_cgi_script.flags: the name starts with "nph-" */

/* Follows the env block of a CGI dispatch message (body_len is 0), then
 * path_len bytes of the script's path, no NUL. The path is the same in the
 * cell (CGI roots are bound at their host paths); the worker opens it again
 * there without following symbolic links and refuses it unless st_dev and
 * st_ino are these, the file the gateway checked. */
struct sg_cgi_script {
	uint32_t magic;
	uint32_t flags;
	uint64_t dev;
	uint64_t ino;
	uint32_t path_len; /* 1..PATH_MAX-1 */
	uint32_t reserved;
};

#define SG_DISPATCH_MAGIC 0x53474431u /* "SGD1" */

/* Followed in the same message by env_len bytes of env block (see envblock.h)
 * and body_len bytes of request body read past the head (the gateway reads
 * only the head, so it sends 0; the worker accepts a prefix all the same).
 * Exactly one descriptor, the client socket, rides along as SCM_RIGHTS; it
 * is in blocking mode (the gateway's own calls on it use MSG_DONTWAIT). */
struct sg_dispatch {
	uint32_t magic;
	uint32_t proto;
	uint64_t request_id;
	uint32_t env_len;
	uint32_t body_len;
	/* queue_timeout: CLOCK_MONOTONIC ms (one clock for the host and every
	 * cell) after which a worker answers 503 instead of serving it. */
	uint64_t queue_deadline_ms;
};

/* Largest dispatch message: header + head + already-read body bytes. A CGI
 * message (env block <= 64 KiB, no body, a struct sg_cgi_script and a path
 * < PATH_MAX) fits too. */
#define SG_DISPATCH_MAX (sizeof(struct sg_dispatch) + 65536 + 16384)

/* Worker -> gateway when a routed request is finished (response written,
 * client socket shut down). Sent before the slot is marked idle. */
struct sg_done {
	uint64_t request_id;
	uint32_t status; /* HTTP status sent, 0 if none; SG_PROTO_CGI_LAUNCH: the
			  * status of the error response the worker wrote to
			  * stdout itself because the script wrote nothing
			  * (the launcher let go of stdout on SG_CGI_ACCEPTED,
			  * cgi_launch_proto.h), else 0 */
	int32_t exit_status; /* CGI: the script's wait(2) status, -1 if no script
			      * ran; 0 for WSGI */
};

/* ---- scoreboard (SG_FD_SCOREBOARD) ---- */

enum sg_slot_state {
	SG_SLOT_EMPTY = 0,
	SG_SLOT_IDLE = 1,
	SG_SLOT_BUSY = 2,
};

#define SG_SCOREBOARD_MAGIC 0x53475342u /* "SGSB" */
#define SG_MAX_WORKERS 256
#define SG_SLOT_REQUEST_LEN 96

struct sg_slot {
	_Atomic uint32_t state;
	_Atomic uint32_t response_started;
	_Atomic int32_t pid;          /* pid inside the cell */
	_Atomic uint64_t request_id;  /* routed request, 0 on the direct path */
	_Atomic uint64_t started_ms;  /* CLOCK_MONOTONIC ms at request start */
	_Atomic uint64_t requests;    /* requests this worker has served */
	_Atomic uint64_t served;      /* by every worker this slot had: never reset */
	/* "GET /path", NUL-terminated, best effort; the gateway shows it in
	 * timeout lines and `sandgate status`, copied and escaped. */
	char request[SG_SLOT_REQUEST_LEN];
};

struct sg_scoreboard {
	uint32_t magic;
	uint32_t nslots;
	struct sg_slot slot[];
};

static inline uint64_t sg_scoreboard_size(uint32_t nslots)
{
	return sizeof(struct sg_scoreboard) + (uint64_t)nslots * sizeof(struct sg_slot);
}

#endif
