/* A CGI script's environment, cleaned the way suEXEC cleans it
 * (cgi_env.c, pure: an env block in, an env block out). */
#ifndef SG_CGI_ENV_H
#define SG_CGI_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "envblock.h"
#include "error.h"

#define SG_CGI_PATH "/usr/local/bin:/usr/bin:/bin"
#define SG_CGI_ENV_MAX_VARS 1024 /* variables from the front end, as SCGI's */

struct sg_cgi_env_opts {
	const char *script;      /* SCRIPT_FILENAME: the checked script */
	const char *script_name; /* SCRIPT_NAME to set; NULL keeps the front end's */
	const char *path_info;   /* PATH_INFO to set ("" = none); NULL keeps it */
	bool drop_translated;    /* PATH_TRANSLATED is the launcher's: dropped */
	bool pass_authorization; /* HTTP_AUTHORIZATION reaches the script */
};

/* in/in_len: the variables the front end sent. Keeps suEXEC's safe list,
 * HTTP_* and SSL_* names of [A-Z0-9_] (never HTTP_PROXY; HTTP_AUTHORIZATION
 * only with pass_authorization), each name once (the first); sets PATH,
 * GATEWAY_INTERFACE, SCRIPT_FILENAME and, when given, SCRIPT_NAME and
 * PATH_INFO. An empty CONTENT_LENGTH is dropped (no body length: the body
 * ends at EOF). -1 with err when out's capacity is exceeded or in is not
 * a well-formed env block. */
int sg_cgi_env_build(const char *in, size_t in_len, const struct sg_cgi_env_opts *o,
		     struct sg_envblock *out, struct sg_error *err);

/* name (name_len bytes) may reach a script (the rules above, without the
 * variables the gateway sets). */
bool sg_cgi_env_allowed(const char *name, size_t name_len, bool pass_authorization);

#endif
