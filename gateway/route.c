/* Which app serves a routed request: among the apps the accepting listener
 * may route to (route.listeners), the app whose host matches (a named
 * host beats "any host") and whose mount prefix is the longest one that
 * covers the request path on a segment boundary.
 *
 * The path is the one the worker will serve: REQUEST_URI split by
 * sg_path_split (percent-decoded, absolute-form authority dropped, dot
 * segments refused), or the front end's SCRIPT_NAME + PATH_INFO. Matching the raw URI instead would let "/%61dmin/x"
 * or "http://h/admin/x" pass the catch-all app's route and then be served
 * as "/admin/x" there. */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envblock.h"
#include "path_split.h"

static bool host_matches(const char *want, const char *host, size_t host_len)
{
	if (host == NULL)
		return false;
	size_t want_len = strlen(want);
	/* Host without its port matches a host configured without one. */
	const char *colon = memchr(host, ':', host_len);
	if (colon != NULL && strchr(want, ':') == NULL && host[0] != '[')
		host_len = (size_t)(colon - host);
	return want_len == host_len && strncasecmp(want, host, host_len) == 0;
}

static bool prefix_matches(const char *prefix, const char *path, size_t path_len)
{
	size_t n = strlen(prefix);
	if (n == 0)
		return true;
	if (path_len < n || memcmp(prefix, path, n) != 0)
		return false;
	return path_len == n || path[n] == '/';
}

static bool same_listener(const struct sg_listener_conf *a, const struct sg_listener_conf *b)
{
	return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->addr.text, b->addr.text) == 0;
}

/* l's bit in the apps' listener_mask, or -1 when it has none. The masks
 * index the current configuration's listeners; a reload replaces that
 * configuration but keeps the open listeners (cmd_serve.c), so the
 * position l has among them is only trusted when the entry there is l's. */
static int listener_bit(const struct sg_gateway *gw, const struct sg_listener *l)
{
	long at = l - gw->listeners;
	if (at >= 0 && at < gw->cfg.n_listeners && same_listener(&gw->cfg.listeners[at], &l->conf))
		return (int)at;
	for (int i = 0; i < gw->cfg.n_listeners && i < SG_MAX_LISTENERS; i++)
		if (same_listener(&gw->cfg.listeners[i], &l->conf))
			return i;
	return -1;
}

static bool routes_from(const struct sg_app *app, int bit)
{
	uint32_t mask = app->conf.listener_mask;
	return mask == 0 || (bit >= 0 && (mask & ((uint32_t)1 << bit)) != 0);
}

static struct sg_app *best_app(struct sg_gateway *gw, int bit, const char *host, size_t host_len,
			       const char *path, size_t path_len)
{
	struct sg_app *best = NULL;
	long best_score = -1;
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		/* A CGI app (OWNER~cgi) is reached only through CGI (cgi_route.c). */
		if (app->removed || app->conf.kind == SG_APP_CGI || !routes_from(app, bit))
			continue;
		bool named = app->conf.host[0] != '\0';
		if (named && !host_matches(app->conf.host, host, host_len))
			continue;
		if (!prefix_matches(app->conf.prefix, path, path_len))
			continue;
		long score = (named ? 1L << 20 : 0) + (long)strlen(app->conf.prefix);
		if (score > best_score) {
			best = app;
			best_score = score;
		}
	}
	return best;
}

/* The path the worker will serve (gateway/worker/request.c split_path):
 * SCRIPT_NAME + PATH_INFO when the front end sent them (Apache, whose
 * REQUEST_URI stays the original one after an internal redirect), else
 * REQUEST_URI. buf holds at least env_len + 1 bytes. */
static enum sg_split_status request_path(const char *env, size_t env_len, char *buf,
					 const char **path, size_t *path_len)
{
	struct sg_error err;
	size_t sn_len, pi_len = 0, uri_len;
	const char *sn = sg_envblock_get(env, env_len, "SCRIPT_NAME", &sn_len);
	if (sn != NULL) {
		const char *pi = sg_envblock_get(env, env_len, "PATH_INFO", &pi_len);
		return sg_path_split_decoded(sn, sn_len, pi ? pi : "", pi_len, "", buf, path,
					     path_len, &err);
	}
	const char *uri = sg_envblock_get(env, env_len, "REQUEST_URI", &uri_len);
	if (uri == NULL)
		return SG_SPLIT_BAD_REQUEST;
	return sg_path_split(uri, uri_len, "", buf, path, path_len, &err);
}

struct sg_app *sg_route(struct sg_gateway *gw, const struct sg_listener *l, const char *env,
			size_t env_len, int *status)
{
	char *buf = malloc(env_len + 1);
	if (buf == NULL) {
		*status = 503;
		return NULL;
	}
	const char *path, *host;
	size_t path_len, host_len = 0;
	struct sg_app *app = NULL;
	host = sg_envblock_get(env, env_len, "HTTP_HOST", &host_len);
	if (request_path(env, env_len, buf, &path, &path_len) != SG_SPLIT_OK) {
		*status = 400; /* the worker would refuse it as well */
	} else {
		app = best_app(gw, listener_bit(gw, l), host, host_len, path, path_len);
		*status = app != NULL ? 0 : 404;
	}
	free(buf);
	return app;
}
