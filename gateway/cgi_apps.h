/* The users' CGI apps, "OWNER~cgi" (cgi_apps.c), made where users' apps
 * are merged (users.c): at start, on SIGHUP and when a user's file is
 * read again. */
#ifndef SG_CGI_APPS_H
#define SG_CGI_APPS_H

#include <pwd.h>

#include "config.h"

/* name is in cgi.allow, or a member of cgi.allow_group. */
bool sg_cgi_allowed(const struct sg_cgi_conf *cgi, const char *name);

/* cgi.allow, then the members of cgi.allow_group not named there, into a
 * malloc'd array (free it); returns how many. */
int sg_cgi_names(const struct sg_cgi_conf *cgi, char (**names)[SG_NAME_MAX]);

/* For pw, whose own file (path, "" when none) parsed into mine: when
 * cfg->cgi allows pw (and its uid and gid are at least min_uid and
 * min_gid), appends the app OWNER~cgi to mine, made from cfg->cgi and
 * mine->cgi (the user's own group, or NULL). -1 when the user's file must
 * be refused (an app of theirs named "cgi"), with the problem in problems;
 * else 0 (a user not allowed, or below min_uid, gets no CGI app, said in
 * warnings). */
int sg_cgi_user_app(const struct sg_config *cfg, struct sg_config *mine, const struct passwd *pw,
		    const char *path, struct sg_diags *problems, struct sg_diags *warnings);

/* `sandgate check` (cmd_check_cgi.c): the users and group the cgi group
 * names exist; a line on stderr per user who gets a CGI app. Returns the
 * number of problems added to d. */
int sg_cmd_check_cgi(const struct sg_config *cfg, struct sg_diags *d);

#endif
