/* Self-service configuration: the admin's `users` group in the system
 * file (config_users.c), and each allowed user's own apps file, parsed and
 * held to the admin's ceilings (config_user_apps.c). Both are pure; the
 * file is read with the user's credentials by user_file.c, and users.c puts
 * the pieces together for `serve` (start and SIGHUP) and `check --user`.
 * README "Shared hosting" and "Configuration file" document the keys. */
#ifndef SG_CONFIG_USERS_H
#define SG_CONFIG_USERS_H

#include "config.h"

#define SG_MAX_USERS 256          /* names in users.allow */
#define SG_MAX_USER_POLICIES 16
#define SG_MAX_USER_HOSTS 16
#define SG_MAX_USER_PREFIXES 8
#define SG_USER_PREFIX_DEFAULT "/~%u"
#define SG_USER_FILE_DEFAULT ".config/sandgate/apps.conf"

/* Each ceiling applies to every app of a user file. */
struct sg_user_limits {
	int processes;
	long long memory;         /* bytes */
	int pids;
	int cpu_us;               /* per SG_CPU_PERIOD_US */
	int timeout;              /* seconds */
	int queue;                /* routed requests waiting beyond busy workers */
	int queue_timeout;        /* seconds */
	int idle_timeout;         /* seconds a cell may stay idle; 0 = no ceiling
				   * (a user may keep a cell up: idle_timeout 0) */
	long long max_body;       /* bytes */
	long long tmp_size;       /* bytes of the cell's /tmp */
	int n_policies;
	char policies[SG_MAX_USER_POLICIES][SG_NAME_MAX];
	unsigned networks;        /* bit (1 << enum sg_network) per allowed mode */
	int n_hosts;              /* route.host patterns: "name" or "*.domain";
				   * %u stands for the user's name */
	char hosts[SG_MAX_USER_HOSTS][256];
	int n_prefixes;           /* route.prefix: at or under one of these; %u
				   * stands for the user's name ("/~%u") */
	char prefixes[SG_MAX_USER_PREFIXES][256];
	int max_apps;             /* apps per user file */
	bool clamp;               /* over = "clamp": lower the value and say so;
				   * else "refuse": the user's file is refused */
};

struct sg_users_conf {
	int line;
	int n_allow;
	char allow[SG_MAX_USERS][SG_NAME_MAX];
	char allow_group[SG_NAME_MAX]; /* "" = none */
	char file[PATH_MAX];       /* relative to each user's home */
	struct sg_user_limits limits;
};

/* pattern with each "%u" replaced by user (limits.hosts, limits.prefixes).
 * Returns -1 when out is too small. */
int sg_user_pattern(const char *pattern, const char *user, char *out, size_t size);

/* The ceilings' defaults, used for a key the admin leaves out. */
void sg_user_limits_defaults(struct sg_user_limits *l);

/* Parses a user's apps file (text, named file in messages) for owner,
 * whose home is home: the same syntax as the system file's `apps`, with
 * the rules of self-service (README "Shared hosting"). listeners are the
 * system file's, for route.listeners. Apps that pass are appended to out
 * (allocated here; free with sg_config_free); problems go to d and
 * clamped values to warnings, as "FILE:LINE: ...". Returns -1 when the
 * file is refused (out is then empty), else 0. sys->users must be set. */
int sg_config_parse_user_file(const char *text, const char *file, const char *owner,
			      const char *home, const struct sg_config *sys,
			      struct sg_config *out, struct sg_diags *d, struct sg_diags *warnings);

/* "OWNER~NAME": the app's name in logs, status and cgroups. */
int sg_user_app_name(const char *owner, const char *name, char *out, size_t size);

#endif
