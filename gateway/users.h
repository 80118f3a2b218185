/* Self-service at load time (users.c): every allowed user's apps file,
 * read as that user, parsed under the admin's ceilings, merged into the
 * configuration `serve` runs. */
#ifndef SG_USERS_H
#define SG_USERS_H

#include "config.h"

#ifndef SG_SYSTEM_CONFIG
#define SG_SYSTEM_CONFIG "/etc/sandgate/sandgate.conf"
/* The names users.allow and users.allow_group give, each once, into a
 * malloc'd array (free it); returns how many. */
struct sg_users_conf;
int sg_users_names(const struct sg_users_conf *u, char (**names)[SG_NAME_MAX]);

/* One user's file changed (users_watch.c): that user's apps read again and
 * reloaded, each other app left as it is. 0, or -1 with the problems
 * logged (the gateway keeps what it served). */
struct sg_gateway;
int sg_users_reload_one(struct sg_gateway *gw, const char *name);

/* `sandgate check [-c FILE] --user NAME` (cmd_check_user.c): NAME's file
 * read and parsed as serve would; problems and clamped values on stderr,
 * "PATH: ok" or "PATH: N problems" on stdout. Exit status 0 or 1. */
int sg_cmd_check_user(const char *system_file, const char *user);

#endif

/* For each user cfg->users allows (or only that one, when only is not
 * NULL): reads and parses their file and appends their apps to cfg. A user
 * whose file is refused keeps the apps prev had for them (a reload; prev
 * may be NULL) and nobody else is affected. Refusals go to problems,
 * clamped values to warnings, each "FILE:LINE: ...". Returns the number
 * of users whose file was refused. */
int sg_users_load(struct sg_config *cfg, const struct sg_config *prev, const char *only,
		  struct sg_diags *problems, struct sg_diags *warnings);

/* The same for `serve`, logging each message (problems as errors, clamped
 * values as warnings). */
void sg_users_load_logged(struct sg_config *cfg, const struct sg_config *prev);

/* The names users.allow and users.allow_group give, each once, into a
 * malloc'd array (free it); returns how many. */
struct sg_users_conf;
int sg_users_names(const struct sg_users_conf *u, char (**names)[SG_NAME_MAX]);

/* One user's file changed (users_watch.c): that user's apps read again and
 * reloaded, each other app left as it is. 0, or -1 with the problems
 * logged (the gateway keeps what it served). */
struct sg_gateway;
int sg_users_reload_one(struct sg_gateway *gw, const char *name);

/* `sandgate check [-c FILE] --user NAME` (cmd_check_user.c): NAME's file
 * read and parsed as serve would; problems and clamped values on stderr,
 * "PATH: ok" or "PATH: N problems" on stdout. Exit status 0 or 1. */
int sg_cmd_check_user(const char *system_file, const char *user);

#endif
