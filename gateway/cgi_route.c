/* Which user's script a CGI request runs, and whether it may (README
 * "Replacing suEXEC"; cgi.h). The script's path comes from the front end:
 *
 *  - the launcher (Apache's Action): PATH_TRANSLATED, the URL's file
 *    path with the rest of the URL after it, so the script is the first
 *    regular file on the way and what follows is its PATH_INFO; the URL
 *    is PATH_INFO ("/~alice/cgi-bin/env.py/x/y": mod_actions gives the
 *    launcher the original URL path there, decoded);
 *  - an SCGI listener with cgi = true: SCRIPT_FILENAME names the script
 *    exactly; the URL is SCRIPT_NAME.
 *
 * The user is the NAME of a "/~NAME/..." URL, else the one whose CGI
 * root holds the path; their app "NAME~cgi" runs the script, and the
 * checks (cgi_check.c) hold the script to that user. */
#include "cgi.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell.h"
#include "cgi_apps.h"
#include "cgi_check.h"
#include "cgi_env.h"
#include "config_cgi.h"
#include "config_users.h"
#include "envblock.h"
#include "gateway.h"
#include "log.h"

struct request {
	enum sg_cgi_origin origin;
	char path[PATH_MAX];     /* the script's path, maybe with PATH_INFO after it */
	char url[PATH_MAX];      /* the URL path naming the script (and PATH_INFO) */
	char user[SG_NAME_MAX];  /* NAME of "/~NAME/...", or "" */
};

static int refuse(struct sg_cgi_job *job, const char *path, int code, int status,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Logged once, here; the launcher writes the same line to the web
 * server's error log. */
static int refuse(struct sg_cgi_job *job, const char *path, int code, int status,
		  const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	job->exit_code = code;
	job->http_status = status;
	if (path[0] == '\0')
		path = "(no path)";
	/* The reason sent back is cut to fit; the log has it whole. */
	snprintf(job->reason, sizeof job->reason, "refused %.80s: %.90s (%d)", path, why, code);
	sg_warn("cgi: refused %s: %s (%d)", path, why, code);
	return -1;
}

/* A variable as a C string: false when absent or too long. */
static bool get(const char *env, size_t env_len, const char *name, char *out, size_t size)
{
	size_t len;
	const char *v = sg_envblock_get(env, env_len, name, &len);
	if (v == NULL || len >= size)
		return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

/* "/~NAME" or "/~NAME/...": NAME. */
static void url_user(struct request *rq)
{
	rq->user[0] = '\0';
	if (strncmp(rq->url, "/~", 2) != 0)
		return;
	size_t n = strcspn(rq->url + 2, "/");
	if (n > 0 && n < sizeof rq->user)
		snprintf(rq->user, sizeof rq->user, "%.*s", (int)n, rq->url + 2);
	else
		rq->user[0] = '/'; /* a name no user has: refused as unknown */
}

static struct sg_app *app_named(struct sg_gateway *gw, const char *user)
{
	char name[SG_NAME_MAX];
	if (sg_user_app_name(user, SG_CGI_APP_SUFFIX, name, sizeof name) < 0)
		return NULL;
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *a = gw->apps[i];
		if (!a->removed && a->conf.kind == SG_APP_CGI && strcmp(a->conf.name, name) == 0)
			return a;
	}
	return NULL;
}

/* Without PATH_TRANSLATED: HOME/userdir/REST of a "/~NAME/REST" URL, for a
 * user with a CGI app (its home was looked up when the app was made). */
static bool from_userdir(struct sg_gateway *gw, struct request *rq)
{
	const struct sg_app *app = rq->user[0] != '\0' ? app_named(gw, rq->user) : NULL;
	if (app == NULL)
		return false;
	const char *rest = rq->url + 2 + strlen(rq->user);
	int n = snprintf(rq->path, sizeof rq->path, "%s/%s%s", app->conf.cgi_home,
			 gw->cfg.cgi->userdir, rest);
	return n > 0 && (size_t)n < sizeof rq->path;
}

/* "http://HOST[:PORT]/PATH" (Apache's QualifyRedirectURL On): PATH. */
static void url_path(const char **url, size_t *len)
{
	static const char *const schemes[] = { "http://", "https://" };
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t n = strlen(schemes[i]);
		if (*len < n || strncasecmp(*url, schemes[i], n) != 0)
			continue;
		const char *slash = memchr(*url + n, '/', *len - n);
		if (slash == NULL)
			return;
		*len -= (size_t)(slash - *url);
		*url = slash;
		return;
	}
}

/* Whether Apache's Action made this launcher run: its internal redirect
 * sets REDIRECT_STATUS and REDIRECT_URL, the URL the handler matched, which
 * is our PATH_INFO. A direct GET /sandgate-cgi/~USER/ANY/FILE has neither:
 * it would run any file beneath the CGI roots, past the handler's scope and
 * the real URL's access control (PHP's cgi.force_redirect closes the same). */
static bool from_action(const char *env, size_t env_len, const char *url)
{
	size_t len;
	const char *redirect_url = sg_envblock_get(env, env_len, "REDIRECT_URL", &len);
	if (sg_envblock_get(env, env_len, "REDIRECT_STATUS", NULL) == NULL || redirect_url == NULL)
		return false;
	url_path(&redirect_url, &len);
	return len == strlen(url) && memcmp(redirect_url, url, len) == 0;
}

static int read_request(struct sg_gateway *gw, const char *env, size_t env_len,
			struct request *rq, struct sg_cgi_job *job)
{
	bool launcher = rq->origin == SG_CGI_FROM_LAUNCHER;
	const char *url_var = launcher ? "PATH_INFO" : "SCRIPT_NAME";
	rq->path[0] = rq->url[0] = '\0';
	if (!get(env, env_len, url_var, rq->url, sizeof rq->url)) {
		if (launcher)
			return refuse(job, "", SG_CGI_EXIT_BAD_PATH, 404, "not a CGI request: no "
				      "PATH_INFO (the launcher runs through an Action)");
		rq->url[0] = '\0';
	}
	if (launcher && !from_action(env, env_len, rq->url))
		return refuse(job, rq->url, SG_CGI_EXIT_BAD_PATH, 403, "not run by the web server's "
			      "Action (REDIRECT_STATUS unset or REDIRECT_URL is not PATH_INFO)");
	url_user(rq);
	bool have = get(env, env_len, launcher ? "PATH_TRANSLATED" : "SCRIPT_FILENAME", rq->path,
			sizeof rq->path);
	if (!have && launcher && from_userdir(gw, rq))
		have = true;
	if (!have || rq->path[0] == '\0')
		return refuse(job, rq->url, SG_CGI_EXIT_BAD_PATH, 404, "no script path (%s)",
			      launcher ? "PATH_TRANSLATED" : "SCRIPT_FILENAME");
	return 0;
}

/* No "/~NAME": the user whose CGI root holds the path (the deepest). */
static struct sg_app *app_by_root(struct sg_gateway *gw, const char *path)
{
	struct sg_app *best = NULL;
	size_t best_len = 0;
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *a = gw->apps[i];
		if (a->removed || a->conf.kind != SG_APP_CGI)
			continue;
		for (int r = 0; r < a->conf.n_cgi_roots; r++) {
			size_t n = strlen(a->conf.cgi_roots[r]);
			if (n > best_len && strncmp(path, a->conf.cgi_roots[r], n) == 0 &&
			    path[n] == '/') {
				best = a;
				best_len = n;
			}
		}
	}
	return best;
}

/* No CGI app for the user: say why, as suEXEC would. The user database is
 * asked only about names the admin allowed: another name in a URL is
 * refused without a lookup that a slow name service would hold the whole
 * loop up for. */
static int no_app(struct sg_gateway *gw, const struct request *rq, struct sg_cgi_job *job)
{
	const struct sg_cgi_conf *cgi = gw->cfg.cgi;
	if (rq->user[0] == '\0')
		return refuse(job, rq->path, SG_CGI_EXIT_OUTSIDE, 403, "beneath no user's CGI "
			      "root");
	if (!sg_cgi_allowed(cgi, rq->user))
		return refuse(job, rq->path, SG_CGI_EXIT_BAD_USER, 403, "user not in cgi.allow "
			      "or cgi.allow_group (or no such user)");
	struct passwd *pw = getpwnam(rq->user);
	if (pw == NULL)
		return refuse(job, rq->path, SG_CGI_EXIT_BAD_USER, 403, "no such user");
	if (pw->pw_uid == 0 || (long long)pw->pw_uid < cgi->min_uid)
		return refuse(job, rq->path, SG_CGI_EXIT_LOW_UID, 403, "uid %u is below "
			      "cgi.min_uid %lld", (unsigned)pw->pw_uid, cgi->min_uid);
	if (pw->pw_gid == 0 || (long long)pw->pw_gid < cgi->min_gid)
		return refuse(job, rq->path, SG_CGI_EXIT_LOW_GID, 403, "gid %u is below "
			      "cgi.min_gid %lld", (unsigned)pw->pw_gid, cgi->min_gid);
	return refuse(job, rq->path, SG_CGI_EXIT_BAD_USER, 403, "the user has no CGI app "
		      "(their apps file was refused, see the log)");
}

static int check_ids(struct sg_gateway *gw, const struct sg_app *app, const char *path,
		     struct sg_cgi_job *job)
{
	const struct sg_app_conf *c = &app->conf;
	if (c->uid == 0 || (long long)c->uid < gw->cfg.cgi->min_uid)
		return refuse(job, path, SG_CGI_EXIT_LOW_UID, 403, "uid %u is below cgi.min_uid",
			      (unsigned)c->uid);
	if (c->gid == 0 || (long long)c->gid < gw->cfg.cgi->min_gid)
		return refuse(job, path, SG_CGI_EXIT_LOW_GID, 403, "gid %u is below cgi.min_gid",
			      (unsigned)c->gid);
	return 0;
}

/* The launcher's PATH_INFO ends with the script's own PATH_INFO; what is
 * before it is the script's SCRIPT_NAME. */
static int split_url(const struct request *rq, const char *rest, char *script_name,
		     struct sg_cgi_job *job)
{
	size_t url_len = strlen(rq->url), rest_len = strlen(rest);
	if (rest_len > url_len || strcmp(rq->url + url_len - rest_len, rest) != 0)
		return refuse(job, rq->path, SG_CGI_EXIT_BAD_PATH, 404, "PATH_INFO %.60s does "
			      "not end with the script's PATH_INFO %.60s", rq->url, rest);
	snprintf(script_name, PATH_MAX, "%.*s", (int)(url_len - rest_len), rq->url);
	return 0;
}

static int build_env(struct sg_gateway *gw, const struct request *rq, const char *env,
		     size_t env_len, const char *rest, struct sg_cgi_job *job)
{
	char script_name[PATH_MAX];
	struct sg_error err;
	struct sg_envblock out;
	struct sg_cgi_env_opts o = { .script = job->script,
				     .pass_authorization = gw->cfg.cgi->pass_authorization };
	if (rq->origin == SG_CGI_FROM_LAUNCHER) {
		if (split_url(rq, rest, script_name, job) < 0)
			return -1;
		o.script_name = script_name;
		o.path_info = rest;
		o.drop_translated = true;
	}
	job->env = malloc(SG_CGI_ENV_MAX);
	if (job->env == NULL)
		return refuse(job, rq->path, SG_CGI_EXIT_SOFTWARE, 500, "out of memory");
	sg_envblock_init(&out, job->env, SG_CGI_ENV_MAX);
	if (sg_cgi_env_build(env, env_len, &o, &out, &err) < 0)
		return refuse(job, rq->path, SG_CGI_EXIT_BAD_PATH, 400, "environment: %s",
			      err.msg);
	job->env_len = out.len;
	return 0;
}

/* The checks, as the app's user. */
static int check_script(const struct request *rq, const struct sg_app *app,
			struct sg_cgi_found *found, struct sg_cgi_job *job)
{
	const struct sg_app_conf *c = &app->conf;
	struct sg_cgi_target t = { .uid = c->uid, .gid = c->gid,
				   .home = c->cgi_home[0] != '\0' ? c->cgi_home : NULL,
				   .n_roots = c->n_cgi_roots, .roots = c->cgi_roots,
				   .n_extensions = c->n_cgi_extensions,
				   .extensions = c->cgi_extensions };
	struct sg_cgi_refusal r;
	if (sg_cgi_check(&t, rq->path, rq->origin == SG_CGI_FROM_SCGI, found, &r) < 0)
		return refuse(job, rq->path, r.exit_code, r.http_status, "%s", r.reason);
	return 0;
}

/* A root the user replaced (mv public_html) or created since the cell was
 * built: the cell binds the old directory, or none, and would refuse the
 * script. Drain that cell as idle_timeout does; the request then starts a
 * fresh one, which binds the root as it is now. */
static void renew_stale_cell(struct sg_app *app, const struct sg_cgi_found *f)
{
	struct sg_cell *c = app->cell;
	if (c == NULL || app->next != NULL)
		return;
	for (int i = 0; i < app->conf.n_cgi_roots; i++) {
		if (strcmp(app->conf.cgi_roots[i], f->root) != 0)
			continue;
		if (c->root_dev[i] == f->root_dev && c->root_ino[i] == f->root_ino)
			return;
		sg_info("app %s: the CGI root %s is not the directory its cell binds (replaced "
			"or created since); starting a new cell", app->conf.name, f->root);
		app->idle = true;
		sg_cell_drain(c);
		return;
	}
}

int sg_cgi_prepare(struct sg_gateway *gw, enum sg_cgi_origin origin, const char *env,
		   size_t env_len, struct sg_cgi_job *job)
{
	static struct request rq; /* one request at a time: the loop's thread */
	struct sg_cgi_found found;
	memset(job, 0, sizeof *job);
	if (gw->cfg.cgi == NULL)
		return refuse(job, "", SG_CGI_EXIT_UNAVAILABLE, 503, "CGI is not configured "
			      "(no cgi group)");
	rq.origin = origin;
	if (read_request(gw, env, env_len, &rq, job) < 0)
		return -1;
	struct sg_app *app = rq.user[0] != '\0' ? app_named(gw, rq.user)
						: app_by_root(gw, rq.path);
	if (app == NULL)
		return no_app(gw, &rq, job);
	if (check_ids(gw, app, rq.path, job) < 0 || check_script(&rq, app, &found, job) < 0)
		return -1;
	renew_stale_cell(app, &found);
	snprintf(job->script, sizeof job->script, "%s", found.script);
	job->dev = found.dev;
	job->ino = found.ino;
	if (strncmp(strrchr(job->script, '/') + 1, "nph-", 4) == 0)
		job->flags |= SG_CGI_NPH;
	if (build_env(gw, &rq, env, env_len, found.rest, job) < 0) {
		sg_cgi_job_free(job);
		return -1;
	}
	job->app = app;
	return 0;
}

void sg_cgi_job_free(struct sg_cgi_job *job)
{
	free(job->env);
	job->env = NULL;
}
