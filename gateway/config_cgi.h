/* The system file's `cgi` group (config_cgi.c) and a user's own `cgi`
 * group in their self-service file (config_user_cgi.c): who may run CGI
 * scripts, where they may live, and the limits of each user's CGI app
 * "OWNER~cgi" (cgi_apps.c). Both parsers are pure. README "Replacing
 * suEXEC" documents the keys. */
#ifndef SG_CONFIG_CGI_H
#define SG_CONFIG_CGI_H

#include "config.h"

#define SG_CGI_MAX_ALLOW 256
#define SG_CGI_APP_SUFFIX "cgi"   /* the app's name: OWNER~cgi */
/* The CGI app's seccomp policy: wsgi-exec plus what running scripts
 * needs (policies/cgi-exec.policy). */
#define SG_CGI_POLICY "cgi-exec"
#define SG_CGI_DEFAULT_MIN_UID 1000
#define SG_CGI_DEFAULT_MIN_GID 100

struct sg_cgi_conf {
	int line;
	int n_allow;
	char allow[SG_CGI_MAX_ALLOW][SG_NAME_MAX];
	char allow_group[SG_NAME_MAX]; /* "" = none */
	long long min_uid;              /* suEXEC's AP_UID_MIN; uid 0 never */
	long long min_gid;              /* AP_GID_MIN; gid 0 never */
	char userdir[256];              /* relative to each home: /~USER/ */
	/* The admin's: patterns, relative to each home or absolute with %u.
	 * A user's (config_user_cgi.c): absolute paths, each beneath one of
	 * the admin's for that user. */
	int n_roots;
	char roots[SG_MAX_CGI_ROOTS][PATH_MAX];
	int n_extensions;               /* "" = files without an extension */
	char extensions[SG_MAX_CGI_EXTENSIONS][SG_CGI_EXTENSION_MAX];
	bool pass_authorization;        /* HTTP_AUTHORIZATION reaches scripts */
	/* The OWNER~cgi app. */
	int timeout, processes, queue, idle_timeout;
	long long memory;
	int pids;
	int cpu_us;
	enum sg_network network;
	long long tmp_size;
	/* memory, pids, cpu given in the file: in user mode the ones left
	 * out are not set (no cgroup delegation is needed, as for apps). */
	bool memory_given, pids_given, cpu_given;
	int max_writable;               /* writable dirs a user may ask for */
	/* A user's only (config_user_cgi.c): absolute, beneath the home. */
	int n_writable;
	char writable[SG_MAX_WRITABLE][PATH_MAX];
	bool user_roots;                /* roots are a user's, already absolute */
};

void sg_cgi_conf_defaults(struct sg_cgi_conf *cgi);

/* pattern (an admin's root) for user: "%u" replaced, a relative one
 * joined to home. -1 when it does not fit in size. */
int sg_cgi_root_path(const char *pattern, const char *user, const char *home, char *out,
		     size_t size);

/* path is at or beneath dir (both absolute, tidy: no "//", no trailing
 * '/' but for "/"). */
bool sg_cgi_path_beneath(const char *path, const char *dir);

/* The user's CGI app, from the admin's group and the user's own (mine,
 * NULL when they have none): name OWNER~cgi, kind SG_APP_CGI, run as the
 * user, on demand. -1 with err when a root does not fit. */
int sg_cgi_app_make(const struct sg_cgi_conf *admin, const struct sg_cgi_conf *mine,
		    const char *user, const char *home, struct sg_app_conf *app,
		    struct sg_error *err);

/* The user is named in allow (allow_group is looked up by the caller). */
bool sg_cgi_conf_names(const struct sg_cgi_conf *cgi, const char *user);

#endif
