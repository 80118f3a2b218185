/* The configuration model: what `sandgate serve` runs, whether it came from
 * a libconfig file (config.c) or from the command line (cli.c).
 * The file format and every setting are documented in README.md and
 * examples/sandgate.conf. */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "addr.h"
#include "error.h"

#define SG_NAME_MAX 64
#define SG_MAX_PYTHONPATH 16
#define SG_MAX_ALLOW_UIDS 16

enum sg_listener_kind { SG_LISTEN_HTTP, SG_LISTEN_SCGI };

struct sg_listener_conf {
	enum sg_listener_kind kind;
	struct sg_addr addr;
	int socket_mode;        /* Unix sockets: 0600 for HTTP, 0660 for SCGI by default */
	int n_allow_uids;       /* HTTP on a Unix socket: SO_PEERCRED allow-list; */
	uid_t allow_uids[SG_MAX_ALLOW_UIDS]; /* 0 entries = the socket owner only */
	int line;               /* 0 when from the command line */
};

struct sg_app_conf {
	char name[SG_NAME_MAX];  /* [A-Za-z0-9_.-]+, unique */
	char module[PATH_MAX];   /* "path/file.py[:callable]" or "pkg.mod[:callable]" */
	char chdir[PATH_MAX];    /* "" = none */
	int n_pythonpath;
	char pythonpath[SG_MAX_PYTHONPATH][PATH_MAX];
	char venv[PATH_MAX];     /* "" = none */
	char user[SG_NAME_MAX];  /* resolved into uid/gid by sg_config_resolve */
	uid_t uid;
	gid_t gid;
	int processes;           /* 1..SG_MAX_WORKERS/2, default 2 */
	int max_requests;        /* 0 = never recycle */
	int timeout;             /* seconds per request, default 60 */
	int queue;               /* routed requests waiting beyond busy workers, default 100 */
	long long max_body;      /* bytes, 413 above; default 1 GiB */
	bool has_socket;         /* direct path: the app's own SCGI socket */
	struct sg_addr socket;
	int socket_mode;         /* default 0660 */
	char prefix[256];        /* route.prefix: "" or "/x" without trailing '/' */
	char host[256];          /* route.host: "" = any */
	char log[PATH_MAX];      /* "" = the gateway's stderr */
	char access_log[PATH_MAX]; /* "" = none */
	int line;
};

struct sg_config {
	char source[PATH_MAX]; /* file path, or "command line" */
	int log_level;         /* enum sg_log_level */
	bool syslog;
	int graceful_timeout;  /* seconds to let in-flight requests finish on stop/reload */
	int n_listeners;
	struct sg_listener_conf *listeners;
	int n_apps;
	struct sg_app_conf *apps;
};

/* Every problem found in a configuration, each "FILE:LINE: message". */
struct sg_diags {
	int n;
	int cap;
	char (*msg)[512];
};

void sg_diags_add(struct sg_diags *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sg_diags_free(struct sg_diags *d);

/* Parses and validates a configuration held in memory (pure: no I/O; user
 * names are not looked up here). file names the source in messages.
 * Returns 0 when d->n == 0. */
int sg_config_parse(const char *text, const char *file, struct sg_config *cfg,
		    struct sg_diags *d);

/* Reads path, then sg_config_parse. */
int sg_config_load(const char *path, struct sg_config *cfg, struct sg_diags *d);

/* Looks up each app's user (getpwnam) and applies the run-as rules: as root
 * every app needs a non-root user (default "nobody", logged); as a normal
 * user every app runs as that user and `user` must be absent or the same.
 * Problems go to d with the app's line. */
int sg_config_resolve(struct sg_config *cfg, uid_t gateway_uid, struct sg_diags *d);

void sg_config_defaults_app(struct sg_app_conf *app);
void sg_config_free(struct sg_config *cfg);

/* `sandgate serve [options] APP` -> cfg. Returns 0, or -1 with err. */
int sg_cli_parse_serve(int argc, char **argv, struct sg_config *cfg, const char **config_file,
		       struct sg_error *err);

#endif
