/* sandgate-worker's command line. Pure: argv in, struct out. */
#ifndef SG_WORKER_ARGS_H
#define SG_WORKER_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway/error.h"

#define SG_WORKER_MAX_PYTHONPATH 16
#define SG_WORKER_NAME_MAX 64
#define SG_WORKER_PREFIX_MAX 256
#define SG_WORKER_DEFAULT_TIMEOUT 60
#define SG_WORKER_DEFAULT_MAX_BODY (1024ull * 1024 * 1024)
#define SG_WORKER_MAX_TIMEOUT 86400

struct sg_worker_args {
	const char *name;   /* [A-Za-z0-9_.-]+: the app's name, for logs */
	const char *app;    /* "path/file.py[:callable]" or "pkg.mod[:callable]" */
	bool cgi;           /* --cgi: run CGI scripts (cgi_serve.h) instead of an app */
	const char *chdir;  /* NULL = the app file's directory */
	const char *venv;   /* NULL = none */
	const char *prefix; /* mount prefix, "" or "/x/y" (F1) */
	const char *pythonpath[SG_WORKER_MAX_PYTHONPATH];
	int n_pythonpath;
	int processes;         /* workers at most: the scoreboard's slots */
	int min_workers;       /* workers kept when idle; 0 = processes (fixed) */
	uint64_t max_requests; /* 0 = never recycle */
	int timeout;           /* seconds per request */
	uint64_t max_body;     /* bytes; larger CONTENT_LENGTH -> 413 */
	bool listen_fd;        /* fd 6 is the app's own SCGI socket */
	bool access_log;       /* fd 7 is the access log */
	bool seccomp;          /* fd 8 is a seccomp program to load before forking */
	bool seccomp_log;      /* its default action is SIGSYS: log and answer EPERM */
	int log_level;         /* enum sg_log_level */
	bool help;             /* --help: print usage, exit 0 */
};

/* Fills args from argv. Returns 0, or -1 with err saying what is wrong. */
int sg_worker_args_parse(int argc, char **argv, struct sg_worker_args *args,
			 struct sg_error *err);

/* The --help text. */
const char *sg_worker_usage(void);

#endif
