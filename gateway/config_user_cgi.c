/* A user's own `cgi` group, in their self-service file, within the
 * admin's (config_cgi.h). Pure, like the rest of the parser.
 *
 *   cgi = { roots = ["public_html/cgi-bin"]; extensions = [".py"];
 *           writable = ["repos"]; timeout = 20; };
 *
 *  - each root beneath one of the admin's roots for this user;
 *  - extensions among the admin's;
 *  - writable: directories beneath the home, never inside a CGI root nor
 *    holding one (what a script can write, it must not be able to run),
 *    at most cgi.max_writable of them;
 *  - timeout at most the admin's.
 * A value past a ceiling refuses the file, or with users.limits.over =
 * "clamp" is dropped or lowered with a warning, as for apps. The result,
 * the admin's group narrowed, goes to out->cgi (users.c makes the app). */
#include "config_cgi.h"
#include "config_internal.h"
#include "config_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct user_cgi {
	struct parse_ctx *c;
	const char *owner;
	const struct sg_cgi_conf *admin;
	bool clamp;
	struct sg_diags *warnings;
	struct sg_cgi_conf *mine;
};

/* Above a ceiling: a problem (refuse) or a warning (clamp); true when the
 * value is to be lowered or dropped and the file kept. */
static bool over(struct user_cgi *u, const config_setting_t *s, const char *msg)
{
	if (!u->clamp) {
		cfg_problem(u->c, s, "%s (refused)", msg);
		return false;
	}
	sg_diags_add(u->warnings, u->c->file, cfg_line_of(s), "%s (left out)", msg);
	return true;
}

/* A path from the user's group: relative to the home, or absolute. */
static bool user_path(struct user_cgi *u, const config_setting_t *e, const char *what,
		      char *out)
{
	char text[PATH_MAX];
	if (!cfg_get_string(u->c, e, what, text, sizeof text))
		return false;
	const char *rel = text[0] == '/' ? text + 1 : text;
	if (!cfg_cgi_clean_relative(rel) ||
	    cfg_join_path(u->c->base_dir, text, out, PATH_MAX) < 0) {
		cfg_problem(u->c, e, "%s \"%s\" must be a directory relative to your home (or "
			    "absolute), without \".\", \"..\", \"//\" or a trailing '/'", what, text);
		return false;
	}
	return true;
}

static bool admin_root(const struct user_cgi *u, const char *path)
{
	char root[PATH_MAX];
	for (int i = 0; i < u->admin->n_roots; i++)
		if (sg_cgi_root_path(u->admin->roots[i], u->owner, u->c->base_dir, root,
				     sizeof root) == 0 &&
		    sg_cgi_path_beneath(path, root))
			return true;
	return false;
}

static bool one_root(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct user_cgi *u = arg;
	char path[PATH_MAX];
	(void)c;
	if (!user_path(u, e, "cgi.roots entry", path))
		return false;
	if (!admin_root(u, path)) {
		char msg[PATH_MAX + 64];
		snprintf(msg, sizeof msg, "cgi.roots entry %s is outside the admin's CGI roots",
			 path);
		over(u, e, msg);
		return false;
	}
	snprintf(u->mine->roots[i], sizeof u->mine->roots[i], "%s", path);
	return true;
}

static bool one_extension(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct user_cgi *u = arg;
	char text[64];
	if (!cfg_get_string(c, e, "cgi.extensions entry", text, sizeof text))
		return false;
	for (int k = 0; k < u->admin->n_extensions; k++)
		if (strcmp(u->admin->extensions[k], text) == 0) {
			memcpy(u->mine->extensions[i], u->admin->extensions[k],
			       SG_CGI_EXTENSION_MAX);
			return true;
		}
	char msg[160];
	snprintf(msg, sizeof msg, "cgi.extensions entry \"%.60s\" is not among the admin's "
		 "extensions", text);
	over(u, e, msg);
	return false;
}

static bool one_writable(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct user_cgi *u = arg;
	char path[PATH_MAX];
	struct sg_error err;
	if (!user_path(u, e, "cgi.writable entry", path))
		return false;
	if (i >= u->admin->max_writable) {
		char msg[PATH_MAX + 96];
		snprintf(msg, sizeof msg, "cgi.writable entry %s is above the admin's limit of %d "
			 "writable directories (cgi.max_writable)", path, u->admin->max_writable);
		over(u, e, msg);
		return false;
	}
	if (!sg_cgi_path_beneath(path, c->base_dir) || strcmp(path, c->base_dir) == 0) {
		cfg_problem(c, e, "cgi.writable entry %s must be beneath your home %s", path,
			    c->base_dir);
		return false;
	}
	if (sg_config_check_writable(path, &err) < 0) {
		cfg_problem(c, e, "cgi.%s", err.msg);
		return false;
	}
	for (int k = 0; k < u->mine->n_roots; k++)
		if (sg_cgi_path_beneath(path, u->mine->roots[k]) ||
		    sg_cgi_path_beneath(u->mine->roots[k], path)) {
			cfg_problem(c, e, "cgi.writable entry %s overlaps the CGI root %s: a script "
				    "could run what a script wrote", path, u->mine->roots[k]);
			return false;
		}
	snprintf(u->mine->writable[i], sizeof u->mine->writable[i], "%s", path);
	return true;
}

static void parse_timeout(struct user_cgi *u, const config_setting_t *s)
{
	int timeout = u->mine->timeout;
	cfg_get_int_into(u->c, s, "cgi.timeout", 1, SG_MAX_TIMEOUT, &timeout);
	if (timeout <= u->admin->timeout) {
		u->mine->timeout = timeout;
		return;
	}
	char what[64];
	snprintf(what, sizeof what, "%d is above the admin's %d", timeout, u->admin->timeout);
	if (!u->clamp)
		cfg_problem(u->c, s, "cgi.timeout %s (refused)", what);
	else
		sg_diags_add(u->warnings, u->c->file, cfg_line_of(s), "cgi.timeout %s (clamped "
			     "to %d)", what, u->admin->timeout);
}

/* The admin's roots, made absolute for this user: what the user's own
 * writable entries are checked against when they keep the admin's. */
static void admin_roots(struct user_cgi *u)
{
	struct sg_cgi_conf *m = u->mine;
	m->n_roots = 0;
	for (int i = 0; i < u->admin->n_roots; i++)
		if (sg_cgi_root_path(u->admin->roots[i], u->owner, u->c->base_dir,
				     m->roots[m->n_roots], sizeof m->roots[0]) == 0)
			m->n_roots++;
}

void cfg_parse_user_cgi(struct parse_ctx *c, const config_setting_t *s, const char *owner,
			const struct sg_config *sys, struct sg_config *out,
			struct sg_diags *warnings)
{
	const config_setting_t *roots = NULL, *extensions = NULL, *writable = NULL,
			       *timeout = NULL;
	struct cfg_key keys[] = { { "roots", &roots }, { "extensions", &extensions },
				  { "writable", &writable }, { "timeout", &timeout } };
	if (sys->cgi == NULL) {
		cfg_problem(c, s, "cgi: this gateway runs no CGI scripts (the system file has no "
			    "cgi group)");
		return;
	}
	if (!config_setting_is_group(s)) {
		cfg_problem(c, s, "cgi must be a group { roots = [\"public_html/cgi-bin\"]; ... }, "
			    "not %s", cfg_type_name(s));
		return;
	}
	struct sg_cgi_conf *mine = malloc(sizeof *mine);
	if (mine == NULL) {
		cfg_problem(c, s, "out of memory");
		return;
	}
	*mine = *sys->cgi;
	mine->line = cfg_line_of(s);
	out->cgi = mine;
	struct user_cgi u = { .c = c, .owner = owner, .admin = sys->cgi, .mine = mine,
			      .clamp = sys->users != NULL && sys->users->limits.clamp,
			      .warnings = warnings };
	cfg_match_keys(c, s, keys, CFG_N_KEYS(keys), "a user's cgi group");
	admin_roots(&u);
	mine->user_roots = true;
	if (roots != NULL) {
		mine->n_roots = cfg_each_string(c, roots, "cgi.roots", SG_MAX_CGI_ROOTS, one_root,
						&u);
		if (mine->n_roots == 0 && c->problems == 0)
			cfg_problem(c, roots, "cgi.roots: no root left within the admin's");
	}
	if (extensions != NULL) {
		mine->n_extensions = cfg_each_string(c, extensions, "cgi.extensions",
						     SG_MAX_CGI_EXTENSIONS, one_extension, &u);
		if (mine->n_extensions == 0 && c->problems == 0)
			cfg_problem(c, extensions, "cgi.extensions: no extension left within the "
				    "admin's");
	}
	if (writable != NULL)
		mine->n_writable = cfg_each_string(c, writable, "cgi.writable", SG_MAX_WRITABLE,
						   one_writable, &u);
	if (timeout != NULL)
		parse_timeout(&u, timeout);
}
