#include "gateway/worker/request.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/log.h"
#include "gateway/path_split.h"
#include "gateway/scgi.h"
#include "gateway/worker/access_log.h"
#include "gateway/worker/io.h"
#include "gateway/worker/log_stream.h"
#include "gateway/worker/reqinfo.h"
#include "gateway/worker/scoreboard.h"
#include "gateway/worker/signals.h"
#include "gateway/worker/wsgi_environ.h"
#include "gateway/worker/wsgi_input.h"
#include "gateway/worker/wsgi_response.h"
#include "gateway/worker/wsgi_run.h"

#define FILL_CAP 65536
/* An unread body is read and dropped for this long after the response, so
 * closing does not reset the connection under the client's feet. */
#define DRAIN_MS 1000
#define DRAIN_MAX (1024 * 1024)

/* Per-worker buffers: one request at a time, nothing allocated per request. */
static char *fill_buf;     /* wsgi.input reads */
static char *path_buf;     /* decoded path, as long as an env block + 1 */
static struct sg_response *response;

int sg_request_setup(struct sg_error *err)
{
	fill_buf = malloc(FILL_CAP);
	path_buf = malloc(SG_DISPATCH_MAX + SG_SCGI_DEFAULT_MAX_HEAD + 1);
	response = malloc(sizeof *response);
	if (fill_buf == NULL || path_buf == NULL || response == NULL)
		return sg_fail(err, "out of memory for request buffers");
	return 0;
}

struct checked {
	struct sg_reqinfo info;
	/* "GET /x" for log lines: our copy, as the scoreboard's is writable by
	 * the app. */
	char what[SG_SLOT_REQUEST_LEN];
	const char *path_info;
	size_t path_info_len;
};

/* The path being served. A front end that sends SCRIPT_NAME (Apache,
 * lighttpd) gives it decoded, and after an Apache internal redirect it is
 * the only place the new path appears: REQUEST_URI stays the client's
 * original (A3, A6). Otherwise (nginx, the HTTP listener) it comes from
 * REQUEST_URI (F1). Either way SCRIPT_NAME becomes the app's prefix. */
static enum sg_split_status split_path(const struct sg_server *srv, const struct sg_reqinfo *info,
				       struct checked *c, struct sg_error *err)
{
	if (info->script_name.s != NULL)
		return sg_path_split_decoded(info->script_name.s, info->script_name.len,
					     info->path_info.s ? info->path_info.s : "",
					     info->path_info.len, srv->args->prefix, path_buf,
					     &c->path_info, &c->path_info_len, err);
	return sg_path_split(info->uri.s, info->uri.len, srv->args->prefix, path_buf,
			     &c->path_info, &c->path_info_len, err);
}

/* Everything decided before the app runs. Returns 0 or a status to answer
 * with: 400 (malformed, F1 %2F), 404 (outside the mount prefix), 413 (B5). */
static int check_request(const struct sg_server *srv, const struct sg_request *req,
			 struct checked *c)
{
	struct sg_error err;
	strcpy(c->what, "-");
	if (sg_reqinfo_scan(req->env, req->env_len, &c->info, &err) < 0) {
		sg_info("400 for a bad request: %s", err.msg);
		return 400;
	}
	sg_describe_request(c->what, c->info.method.s, c->info.method.len, c->info.uri.s,
			    c->info.uri.len);
	sg_slot_describe(srv->slot, c->what);
	enum sg_split_status split = split_path(srv, &c->info, c, &err);
	if (split == SG_SPLIT_BAD_REQUEST) {
		sg_info("400 for %s: %s", c->what, err.msg);
		return 400;
	}
	if (split == SG_SPLIT_NOT_MOUNTED)
		return 404;
	if (c->info.body_len > srv->args->max_body) {
		sg_info("413 for %s: body of %llu bytes, the limit is %llu", c->what,
			(unsigned long long)c->info.body_len,
			(unsigned long long)srv->args->max_body);
		return 413;
	}
	return 0;
}

static void body_init(struct sg_body *body, const struct sg_server *srv,
		      const struct sg_request *req, const struct sg_reqinfo *info)
{
	size_t prefix = req->body_len < info->body_len ? req->body_len : (size_t)info->body_len;
	body->fd = req->fd;
	body->timeout_ms = srv->read_timeout_ms;
	body->send_continue = req->proto == SG_PROTO_HTTP && info->expect_continue &&
			      info->body_len > prefix;
	body->unread = info->body_len - prefix;
	body->buf = req->body;
	body->pos = 0;
	body->end = prefix;
	body->response_started = &srv->slot->response_started;
	body->fill = fill_buf;
	body->fill_cap = FILL_CAP;
}

static void run_app(const struct sg_server *srv, const struct sg_request *req,
		    const struct checked *c, struct sg_body *body)
{
	const char *what = c->what;
	PyObject *input = sg_input_get(body);
	PyObject *start_response = sg_start_response_get(response);
	PyObject *environ = NULL;
	if (input != NULL && start_response != NULL)
		environ = sg_environ_build(req->env, req->env_len, &c->info, c->path_info,
					   c->path_info_len, input);
	if (environ != NULL) {
		sg_wsgi_run(srv->app, environ, start_response, response, what);
	} else {
		sg_log_exception("cannot build the WSGI environ:");
		sg_response_canned(response, 500);
	}
	/* The app may keep references; they must not reach the next request. */
	if (input != NULL)
		sg_input_detach(input);
	if (start_response != NULL)
		sg_start_response_detach(start_response);
	Py_XDECREF(environ);
	Py_XDECREF(input);
	Py_XDECREF(start_response);
	sg_log_stream_flush_all();
}

/* Lingering close: the client has its EOF (usually since before the app's
 * close(): wsgi_run.c), then what it still sends is read and dropped for a
 * bounded time, so that closing with unread bytes does not reset the
 * connection before the client has read the response. Not when the client
 * still waits for a 100 Continue: it has sent nothing. */
static void end_connection(int fd, const struct sg_body *body)
{
	sg_response_end(response);
	if (!response->broken && body->unread > 0 && !body->send_continue) {
		uint64_t left = body->unread < DRAIN_MAX ? body->unread : DRAIN_MAX;
		uint64_t deadline = sg_now_ms() + DRAIN_MS;
		for (uint64_t now = sg_now_ms(); left > 0 && now < deadline; now = sg_now_ms()) {
			size_t want = left < FILL_CAP ? (size_t)left : FILL_CAP;
			ssize_t n = sg_read_timeout(fd, fill_buf, want, (int)(deadline - now));
			if (n <= 0)
				break;
			left -= (uint64_t)n;
		}
	}
	close(fd);
}

int sg_request_serve(const struct sg_server *srv, struct sg_request *req)
{
	struct checked c;
	struct sg_body body = { .fd = req->fd };
	sg_signals_request(req->fd, req->proto);
	int refuse = check_request(srv, req, &c);
	sg_response_init(response, req->fd, req->proto, c.info.is_head,
			 &srv->slot->response_started);
	if (refuse != 400)
		body_init(&body, srv, req, &c.info);
	if (refuse != 0)
		sg_response_canned(response, refuse);
	else
		run_app(srv, req, &c, &body);
	/* From here a timeout must not write to the descriptor: it is closed. */
	sg_signals_request(-1, 0);
	end_connection(req->fd, &body);
	if (srv->access_log_fd >= 0)
		sg_access_log(srv->access_log_fd, &c.info, response->status_sent,
			      response->body_sent);
	return response->status_sent;
}

bool sg_request_too_late(const struct sg_request *req)
{
	uint64_t now = sg_now_ms();
	if (req->queue_deadline_ms == 0 || now < req->queue_deadline_ms)
		return false;
	sg_warn("request %llu waited %llu ms past its queue_timeout; 503",
		(unsigned long long)req->request_id,
		(unsigned long long)(now - req->queue_deadline_ms));
	return true;
}
