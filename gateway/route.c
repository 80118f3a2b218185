/* Which app serves a routed request: the app whose host matches (a named
 * host beats "any host") and whose mount prefix is the longest one that
 * covers the request path on a segment boundary. */
#include "gateway.h"

#include <string.h>
#include <strings.h>

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

struct sg_app *sg_route(struct sg_gateway *gw, const struct sg_listener *l, const char *host,
			size_t host_len, const char *uri, size_t uri_len)
{
	(void)l;
	const char *q = memchr(uri, '?', uri_len);
	size_t path_len = q ? (size_t)(q - uri) : uri_len;
	struct sg_app *best = NULL;
	long best_score = -1;
	for (int i = 0; i < gw->n_apps; i++) {
		struct sg_app *app = gw->apps[i];
		if (app->removed)
			continue;
		bool named = app->conf.host[0] != '\0';
		if (named && !host_matches(app->conf.host, host, host_len))
			continue;
		if (!prefix_matches(app->conf.prefix, uri, path_len))
			continue;
		long score = (named ? 1L << 20 : 0) + (long)strlen(app->conf.prefix);
		if (score > best_score) {
			best = app;
			best_score = score;
		}
	}
	return best;
}
