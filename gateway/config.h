/* The configuration model: what `sandgate serve` runs, whether it came from
 * a libconfig file (config.c) or from the command line (cli.c).
 * The file format and every setting are documented in README.md and
 * examples/sandgate.conf. */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "addr.h"
#include "error.h"

#define SG_NAME_MAX 64
#define SG_MAX_PYTHONPATH 16
#define SG_MAX_ALLOW_UIDS 16
#define SG_MAX_LISTENERS 32     /* also the width of sg_app_conf.listener_mask */
#define SG_MAX_ROUTE_LISTENERS 8 /* names in an app's route.listeners */
#define SG_MAX_APPS 256
#define SG_MAX_PROCESSES 128     /* SG_MAX_WORKERS / 2 */
#define SG_MAX_TIMEOUT 86400
#define SG_MAX_QUEUE 10000
#define SG_MAX_START_FAILURES 1000
#define SG_MAX_IDLE_TIMEOUT 2592000 /* 30 days */
#define SG_MAX_QUEUE_TIMEOUT 3600
#define SG_DEFAULT_QUEUE_TIMEOUT 30
#define SG_DEFAULT_START_FAILURES 5
#define SG_MAX_GRACEFUL 3600
#define SG_DEFAULT_MAX_BODY (1LL << 30)
#define SG_CONFIG_FILE_MAX (1024 * 1024) /* bytes sg_config_load reads at most */
#define SG_DIAGS_MAX 200         /* problems kept; later ones are dropped */

/* Cell limits (cgroup): memory, pids, cpu. */
#define SG_LIMIT_DEFAULT (-1)    /* not set: sg_config_resolve puts the mode's default */
#define SG_LIMIT_NONE 0          /* "max": no limit */
#define SG_DEFAULT_PIDS 512      /* system mode's pids when not set */
#define SG_MAX_PIDS 4194304      /* the kernel's PID_MAX_LIMIT */
#define SG_MIN_MEMORY (1LL << 20)
#define SG_CPU_PERIOD_US 100000  /* cpu is CPU time per this period */
#define SG_MIN_CPU_US 1000       /* 0.01 CPU: the kernel's smallest quota */
#define SG_MAX_CPU_US 102400000  /* 1024 CPUs */

/* The sandbox's per-app settings (config_sandbox.c). */
#define SG_MAX_WRITABLE 16       /* writable = [...] directories */
#define SG_MAX_PORTS 32          /* entries of bind_ports / connect_ports */
#define SG_PORTS_ANY (-1)        /* n_*_ports when not given: no Landlock port rule */
#define SG_DEFAULT_TMP_SIZE (64LL << 20)
#define SG_DEFAULT_POLICY "wsgi"

enum sg_network {
	SG_NET_NONE,     /* new network namespace, lo down (the default) */
	SG_NET_LOOPBACK, /* new network namespace, lo up */
	SG_NET_HOST,     /* the host's network namespace */
};

/* SG_LISTEN_CGI: the launcher socket sandgate-cgi connects to
 * (gateway/cgi_launch_proto.h; SOCK_SEQPACKET, Unix only). */
enum sg_listener_kind { SG_LISTEN_HTTP, SG_LISTEN_SCGI, SG_LISTEN_CGI };

struct sg_listener_conf {
	char name[SG_NAME_MAX];  /* "" = unnamed; else as an app name, unique among
				  * listeners; apps name it in route.listeners */
	enum sg_listener_kind kind;
	struct sg_addr addr;
	int socket_mode;        /* Unix sockets: 0600 for HTTP, 0660 for SCGI by default */
	char socket_group[SG_NAME_MAX]; /* Unix sockets: a group name or a gid; "" = the
					 * gateway's own group */
	gid_t socket_gid;       /* (gid_t)-1 until sg_config_resolve, and when unset */
	int n_allow_uids;       /* HTTP on a Unix socket: SO_PEERCRED allow-list; */
	uid_t allow_uids[SG_MAX_ALLOW_UIDS]; /* 0 entries = the socket owner only */
	/* Entries given as user names: allow_names[i] is the name and
	 * allow_uids[i] is (uid_t)-1 until sg_config_resolve looks it up;
	 * "" when the entry was a number. */
	char allow_names[SG_MAX_ALLOW_UIDS][SG_NAME_MAX];
	bool cgi;               /* SCGI only: every request is a CGI request for the
				 * script its SCRIPT_FILENAME names (README
				 * "Replacing suEXEC"), never routed to an app */
	int line;               /* 0 when from the command line */
};

/* false for a launcher or cgi = true listener: those run CGI scripts and
 * never route to an app. */
bool sg_listener_routes_apps(const struct sg_listener_conf *l);

/* What a cell runs: a WSGI app, or a user's CGI scripts (one such app per
 * user, "OWNER~cgi", made from the `cgi` group: config_cgi.c). */
enum sg_app_kind { SG_APP_WSGI = 0, SG_APP_CGI = 1 };

#define SG_MAX_CGI_ROOTS 8
#define SG_MAX_CGI_EXTENSIONS 16
#define SG_CGI_EXTENSION_MAX 16 /* bytes with the NUL: ".py" */

struct sg_app_conf {
	char name[SG_NAME_MAX];  /* [A-Za-z0-9_.-]+, unique */
	char module[PATH_MAX];   /* "path/file.py[:callable]" or "pkg.mod[:callable]" */
	char chdir[PATH_MAX];    /* "" = none */
	int n_pythonpath;
	char pythonpath[SG_MAX_PYTHONPATH][PATH_MAX];
	char venv[PATH_MAX];     /* "" = none */
	char user[SG_NAME_MAX];  /* resolved into uid/gid by sg_config_resolve; "" = default */
	uid_t uid;               /* (uid_t)-1 until sg_config_resolve */
	gid_t gid;
	int processes;           /* 1..SG_MAX_WORKERS/2, default 2; with min_workers
				  * and max_workers, max_workers */
	int min_workers;         /* 0 = processes, fixed; else 1..processes, the
				  * workers kept when idle (more while requests wait) */
	int max_requests;        /* 0 = never recycle */
	int timeout;             /* seconds per request, default 60 */
	int queue;               /* routed requests waiting beyond busy workers, default 100 */
	int max_start_failures;  /* failed starts in a row before the app is marked
				  * failed (no retry until a reload); 0 = retry forever */
	int idle_timeout;        /* seconds without a request before the cell stops;
				  * > 0 also means on demand (no cell until the first
				  * request); 0 = never (the default: a cell from the start) */
	int queue_timeout;       /* seconds a routed request may wait for the cell to
				  * start or for a free worker, default 30 */
	long long max_body;      /* bytes, 413 above; default 1 GiB */
	bool has_socket;         /* direct path: the app's own SCGI socket */
	struct sg_addr socket;
	int socket_mode;         /* default 0660 */
	char socket_group[SG_NAME_MAX]; /* as on a listener; "" = the gateway's group */
	gid_t socket_gid;        /* (gid_t)-1 until sg_config_resolve, and when unset */
	char prefix[256];        /* route.prefix: "" or "/x" without trailing '/' */
	char host[256];          /* route.host: "" = any */
	/* route.listeners: bit i = the config's listeners[i] routes to this
	 * app; 0 = every listener (the default). */
	uint32_t listener_mask;
	/* Cell limits: SG_LIMIT_DEFAULT until sg_config_resolve, then a
	 * limit or SG_LIMIT_NONE. */
	long long memory;        /* bytes */
	int pids;                /* processes and threads, > processes */
	int cpu_us;              /* CPU time per SG_CPU_PERIOD_US: 0.5 CPU = 50000 */
	/* The sandbox (config_sandbox.c, README "Sandbox settings"). */
	enum sg_network network;
	int n_bind_ports;        /* network = "host" only; SG_PORTS_ANY when not given */
	uint16_t bind_ports[SG_MAX_PORTS];
	int n_connect_ports;     /* likewise, for TCP connect */
	uint16_t connect_ports[SG_MAX_PORTS];
	int n_writable;          /* absolute directories bound read-write (noexec) */
	char writable[SG_MAX_WRITABLE][PATH_MAX];
	long long tmp_size;      /* bytes of the cell's private /tmp */
	long long rlimit_fsize;  /* bytes; 0 = not set (rlimits.h) */
	long long rlimit_as;     /* bytes; 0 = not set */
	long long rlimit_cpu;    /* seconds; 0 = not set */
	char policy[SG_NAME_MAX]; /* policies/NAME.policy, default "wsgi" */
	bool seccomp_log;        /* denied syscalls are logged (and still denied) */
	bool seccomp;            /* false only through an explicit seccomp = false,
				  * which every cell start logs as a warning */
	char log[PATH_MAX];      /* "" = the gateway's stderr */
	char access_log[PATH_MAX]; /* "" = none */
	char owner[SG_NAME_MAX]; /* "" = the system file; else the user whose
				  * self-service file declared it (config_users.h) */
	enum sg_app_kind kind;   /* SG_APP_CGI: module is "", the worker runs with --cgi */
	int n_cgi_roots;         /* SG_APP_CGI: absolute directories bound read-only
				  * with execute (the user's CGI roots) */
	char cgi_roots[SG_MAX_CGI_ROOTS][PATH_MAX];
	char cgi_home[PATH_MAX]; /* SG_APP_CGI: the owner's home, looked up when the
				  * app is made, so that no request waits on the
				  * user database */
	int n_cgi_extensions;    /* SG_APP_CGI: a script's name ends with one of
				  * these ("" = no extension) */
	char cgi_extensions[SG_MAX_CGI_EXTENSIONS][SG_CGI_EXTENSION_MAX];
	int line;
};

struct sg_users_conf; /* config_users.h */
struct sg_cgi_conf;   /* config_cgi.h */

/* frontends: who may connect to the shared Unix listeners (README
 * "Front ends"; config_frontends.c, peer_check.c). */
struct sg_frontends {
	bool set;                /* the key was given, even as an empty list */
	int n;
	uid_t uids[SG_MAX_ALLOW_UIDS]; /* (uid_t)-1 for a name until sg_config_resolve */
	char names[SG_MAX_ALLOW_UIDS][SG_NAME_MAX];
	int line;
};

struct sg_config {
	char source[PATH_MAX]; /* file path, or "command line" */
	int log_level;         /* enum sg_log_level */
	bool syslog;
	int graceful_timeout;  /* seconds to let in-flight requests finish on stop/reload */
	struct sg_frontends frontends;
	char control[128];     /* control = "unix:/path" or "none"; "" = the default
				* (gateway/control_path.h) */
	int n_listeners;
	struct sg_listener_conf *listeners;
	int n_apps;
	struct sg_app_conf *apps;
	struct sg_users_conf *users; /* the `users` group; NULL = no self-service */
	struct sg_cgi_conf *cgi;     /* the `cgi` group; NULL = no CGI */
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

/* The same, resolving relative paths against base_dir (absolute) rather
 * than the directory part of file. cfg is filled as far as it could be
 * even when problems were found, so that more of them can be reported;
 * free it with sg_config_free either way. */
int sg_config_parse_at(const char *text, const char *file, const char *base_dir,
		       struct sg_config *cfg, struct sg_diags *d);

/* Reads path (at most SG_CONFIG_FILE_MAX bytes), then sg_config_parse_at
 * with the file's real directory. Messages name path as given. */
int sg_config_load(const char *path, struct sg_config *cfg, struct sg_diags *d);

/* Looks up each app's user (getpwnam) and applies the run-as rules: as root
 * every app needs a non-root user (default "nobody", logged); as a normal
 * user every app runs as that user and `user` must be absent or the same.
 * Also looks up allow_uids names, and each socket_group into socket_gid
 * (sg_config_lookup_group). Problems go to d with the entry's line. */
int sg_config_resolve(struct sg_config *cfg, uid_t gateway_uid, struct sg_diags *d);

/* A socket_group (checked by sg_config_check_group) -> a gid: digits are a
 * gid, anything else a name for getgrnam. Unless gateway_uid is 0 the gid
 * must be the process's effective group or one of its supplementary groups
 * (fchown would refuse any other). */
int sg_config_lookup_group(const char *group, uid_t gateway_uid, gid_t *gid,
			   struct sg_error *err);

void sg_config_defaults_app(struct sg_app_conf *app);
void sg_config_free(struct sg_config *cfg);

/* ---- value checks shared by the file and the command line (pure) ---- */

/* An app's module: "file.py", "dir/file.py[:callable]" or
 * "pkg.mod[:callable]". A spec containing '/' or ending in ".py" is a file. */
struct sg_module_spec {
	bool is_file;
	char target[PATH_MAX]; /* the file path as given, or the dotted module name */
	char callable[128];    /* "" = the worker's default */
};
int sg_module_spec_parse(const char *spec, struct sg_module_spec *out, struct sg_error *err);

/* [A-Za-z0-9_.-]{1,63}, not "." or "..". */
int sg_config_check_name(const char *name, struct sg_error *err);
/* "" or "/a/b": no trailing '/', no "//", no "." or ".." segment. */
int sg_config_check_prefix(const char *prefix, struct sg_error *err);
/* Letters, digits, '-', '.', then an optional ":port". */
int sg_config_check_host(const char *host, struct sg_error *err);
/* An octal mode given as text ("0660", "660"), 0..0777. */
int sg_config_parse_mode(const char *text, int *mode, struct sg_error *err);
/* A socket_group: a group name (1-63 bytes, no '-' first, no blank, ':',
 * ',' or '/'), or a gid in digits, 0..4294967294. */
int sg_config_check_group(const char *group, struct sg_error *err);

/* Cell limits, as text (pure). Each also takes "max": no limit
 * (SG_LIMIT_NONE). memory: bytes, or a number with K, M, G or T (powers of
 * 1024), at least SG_MIN_MEMORY. pids: 1..SG_MAX_PIDS. cpu: a fraction of
 * one CPU ("0.5", at most 5 decimals) or a percentage ("50%", at most 3
 * decimals), 0.01..1024 CPUs, into CPU time per SG_CPU_PERIOD_US. */
int sg_config_parse_memory(const char *text, long long *bytes, struct sg_error *err);
int sg_config_parse_pids(const char *text, int *pids, struct sg_error *err);
int sg_config_parse_cpu(const char *text, int *cpu_us, struct sg_error *err);
/* pids must leave room for the zygote and its workers: more than processes. */
int sg_config_check_pids(int pids, int processes, struct sg_error *err);
/* tmp_size: as memory, at least 1M. */
int sg_config_parse_tmp_size(const char *text, long long *bytes, struct sg_error *err);

/* The sandbox settings' values (config_sandbox_values.c). */
int sg_config_parse_network(const char *text, enum sg_network *out, struct sg_error *err);
const char *sg_config_network_name(enum sg_network mode);
int sg_config_check_policy(const char *name, struct sg_error *err);
int sg_config_check_writable(const char *path, struct sg_error *err);
int sg_config_check_port(long long port, struct sg_error *err);

/* ---- the command line ---- */

/* `sandgate serve [options] APP` or `sandgate serve -c FILE` (argv[0] is
 * "serve"). Returns 0 with cfg filled (source "command line", *config_file
 * NULL), or 0 with *config_file set and cfg empty for -c (the caller loads
 * it); 1 after printing the usage for -h/--help (exit 0); -1 with err. */
int sg_cli_parse_serve(int argc, char **argv, struct sg_config *cfg, const char **config_file,
		       struct sg_error *err);
void sg_cli_serve_usage(FILE *out);

#endif
