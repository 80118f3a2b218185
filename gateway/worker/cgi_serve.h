/* A --cgi worker (README "Replacing suEXEC", docs/architecture.md "CGI in
 * the cell"): one routed request names one script, which runs in a child
 * forked for that request and nothing else. The worker itself never runs
 * script code: it verifies the script (cgi_request.c), forks the child
 * (cgi_child.c), pumps the request's descriptors and the child's pipes
 * (cgi_pump.c), and kills whatever the script left behind (cgi_reap.c). */
#ifndef SG_WORKER_CGI_SERVE_H
#define SG_WORKER_CGI_SERVE_H

#include "gateway/worker/py.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gateway/error.h"
#include "gateway/worker/request.h"

/* Output held while the web server does not read (Apache's mod_cgid writes
 * the whole body before it reads any output); the script blocks past it. */
#define SG_CGI_OUT_MAX (8u << 20)

/* ---- cgi_request.c ---- */

/* Serves one CGI request and closes its descriptors. Returns the done
 * note's status; *exit_status is the script's wait status, -1 if none ran. */
int sg_cgi_serve(const struct sg_server *srv, struct sg_request *req, int *exit_status);

/* ---- cgi_child.c ---- */

/* Compiles the runner of Python scripts, in the zygote (pyinit.c has
 * started the interpreter). Returns it, or NULL with err. */
PyObject *sg_cgi_python_setup(struct sg_error *err);

struct sg_cgi_child {
	int script_fd;       /* the verified script, O_RDONLY */
	int dir_fd;          /* its directory (C11: the working directory) */
	const char *path;    /* NUL-terminated */
	const char *dir;     /* NUL-terminated */
	bool python;
	const char *env;     /* the script's environment, an env block */
	size_t env_len;
	PyObject *runner;    /* sg_cgi_python_setup's */
	int in_fd, out_fd, err_fd; /* the child's ends of its pipes */
};

/* Forks the script's process: its own process group, fds 0-2 the pipes,
 * nothing else of the worker's open. Returns its pid or -1 with err. */
pid_t sg_cgi_spawn(const struct sg_cgi_child *c, struct sg_error *err);

/* ---- cgi_reap.c ---- */

/* SIGKILL to the script's process group, then to every child of this
 * worker left (a subreaper: orphans of the script come here) except
 * `keep`, reaping them, until none is left. */
void sg_cgi_kill_all(pid_t pgid, pid_t keep);

/* The zygote of a CGI cell: SIGKILL to each of its children that is not
 * one of the n workers (a script that killed its worker, and what it
 * started). */
void sg_cgi_kill_strays(const pid_t *workers, int n);

/* Whether this kernel lists a process's children in /proc, which the
 * killing above depends on: a CGI cell does not start without it. */
int sg_cgi_children_check(struct sg_error *err);

/* The worker becomes a child subreaper. Returns 0 or -1 with err. */
int sg_cgi_reap_setup(struct sg_error *err);

/* ---- cgi_wiped.c ---- */

/* len bytes that read as zeros in a forked child (MADV_WIPEONFORK), for
 * every buffer that holds a request's data. NULL with err on failure. */
void *sg_cgi_wiped_alloc(size_t len, struct sg_error *err);

/* Zeroes such memory (its pages are given back), so that the worker itself
 * no longer holds a finished request's data either. */
void sg_cgi_wiped_clear(void *p, size_t len);

/* ---- cgi_pump.c ---- */

struct sg_cgi_pump {
	/* the request's side */
	int req_in, req_out, req_err; /* req_err -1: the cell's log (fd 2) */
	bool body_to_eof;             /* LAUNCH without CONTENT_LENGTH (E1) */
	uint64_t body_left;           /* else: bytes of body still to read */
	const char *prefix;           /* body bytes that came with the message */
	size_t prefix_len;
	bool parse;                   /* C7-C10 through cgi_response.c: SCGI, and an
				       * nph- script on the launcher path, whose
				       * status line the web server would refuse */
	bool nph, is_head;
	bool body_first;              /* SCGI: nothing goes out before the whole body
				       * is in (see cgi_pump.c) */
	const char *what;             /* the script's path, for log lines */
	_Atomic uint32_t *response_started; /* the slot's */
	/* the child's side */
	pid_t pid;
	int pidfd;
	int child_in, child_out, child_err;
	/* results */
	int status;          /* the status of the head sent */
	bool canned;         /* the worker wrote its own error response */
	int wait_status;
	bool timed_out;
	uint64_t bytes_out;  /* written to req_out */
};

/* Allocates the pump's buffers, once per worker, with sg_cgi_wiped_alloc. */
int sg_cgi_pump_setup(struct sg_error *err);

/* A buffer of *len bytes for input that is read only to be dropped. */
char *sg_cgi_sink(size_t *len);

/* After a request: every pump buffer zeroed (sg_cgi_wiped_clear). */
void sg_cgi_pump_forget(void);

/* Moves bytes until the script has exited, its descendants are killed,
 * and its output is drained and written (or the request timed out). Closes
 * the child's pipes and pidfd; not the request's descriptors. */
void sg_cgi_pump_run(struct sg_cgi_pump *p);

#endif
