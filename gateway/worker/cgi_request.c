/* One CGI request in a --cgi worker: the script is opened again in the
 * cell and must be the file the gateway checked, then it runs in a child
 * of its own while the pump moves the bytes; the done note carries its
 * wait status. */
#include "gateway/worker/cgi_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/log.h"
#include "gateway/worker/access_log.h"
#include "gateway/worker/canned.h"
#include "gateway/worker/io.h"
#include "gateway/worker/reqinfo.h"
#include "gateway/worker/scoreboard.h"
#include "gateway/worker/signals.h"

#define LINGER_MS 1000
#define LINGER_MAX (1024 * 1024)

struct script {
	char path[PATH_MAX];
	char dir[PATH_MAX];
	const char *base;
	int fd, dir_fd;
};

static int open2(int at, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .resolve = resolve };
	return (int)syscall(SYS_openat2, at, path, &how, sizeof how);
}

/* The directory, then the file beneath it, neither through a symbolic
 * link; the file must be the one the gateway checked (st_dev, st_ino):
 * the path may have been swapped for another file since. */
static int open_script(const struct sg_request *req, struct script *sc, struct sg_error *err)
{
	memcpy(sc->path, req->script_path, req->script.path_len);
	sc->path[req->script.path_len] = '\0';
	const char *slash = strrchr(sc->path, '/');
	sc->base = slash + 1;
	snprintf(sc->dir, sizeof sc->dir, "%.*s", slash == sc->path ? 1 : (int)(slash - sc->path),
		 sc->path);
	const uint64_t no_links = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	sc->dir_fd = open2(AT_FDCWD, sc->dir, O_PATH | O_DIRECTORY, no_links);
	if (sc->dir_fd < 0)
		return sg_fail_errno(err, "directory %s", sc->dir);
	sc->fd = open2(sc->dir_fd, sc->base, O_RDONLY | O_NOCTTY, no_links | RESOLVE_BENEATH);
	if (sc->fd < 0)
		return sg_fail_errno(err, "open");
	struct stat st;
	if (fstat(sc->fd, &st) < 0)
		return sg_fail_errno(err, "fstat");
	if (!S_ISREG(st.st_mode))
		return sg_fail(err, "not a regular file");
	if ((uint64_t)st.st_dev != req->script.dev || (uint64_t)st.st_ino != req->script.ino)
		return sg_fail(err, "not the file the gateway checked (device/inode %llu/%llu, "
				    "expected %llu/%llu): replaced since",
			       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			       (unsigned long long)req->script.dev,
			       (unsigned long long)req->script.ino);
	return 0;
}

/* ".py", or a first line "#!" naming python (not python2). */
static bool is_python(const struct script *sc)
{
	size_t len = strlen(sc->path);
	if (len > 3 && strcmp(sc->path + len - 3, ".py") == 0)
		return true;
	char line[256];
	ssize_t n = pread(sc->fd, line, sizeof line - 1, 0);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return false;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	for (char *py = strstr(line, "python"); py != NULL; py = strstr(py + 1, "python"))
		if ((py[-1] == '/' || py[-1] == ' ') && py[6] != '2')
			return true;
	return false;
}

/* The pipes: the child's ends blocking, the worker's non-blocking. */
static int make_pipes(int child[3], int mine[3], struct sg_error *err)
{
	int fds[3][2];
	for (int i = 0; i < 3; i++) {
		if (pipe2(fds[i], O_CLOEXEC) < 0) {
			while (i-- > 0)
				close(fds[i][0]), close(fds[i][1]);
			return sg_fail_errno(err, "pipe2");
		}
	}
	/* [0]: the script's stdin (it reads), [1] stdout, [2] stderr. */
	child[0] = fds[0][0], mine[0] = fds[0][1];
	child[1] = fds[1][1], mine[1] = fds[1][0];
	child[2] = fds[2][1], mine[2] = fds[2][0];
	for (int i = 0; i < 3; i++)
		fcntl(mine[i], F_SETFL, O_NONBLOCK);
	return 0;
}

static void close3(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The end of the request's descriptors. SCGI: the client socket is ours,
 * shut down and lingered on like the WSGI path's; LAUNCH: our copies are
 * closed, so that the web server sees EOF once the launcher's are too. */
static void finish(struct sg_request *req, uint64_t unread)
{
	if (req->proto == SG_PROTO_CGI_SCGI) {
		shutdown(req->fd, SHUT_WR);
		size_t cap;
		char *sink = sg_cgi_sink(&cap);
		uint64_t left = unread < LINGER_MAX ? unread : LINGER_MAX;
		uint64_t deadline = sg_now_ms() + LINGER_MS;
		for (uint64_t now = sg_now_ms(); left > 0 && now < deadline; now = sg_now_ms()) {
			ssize_t n = sg_read_timeout(req->fd, sink, left < cap ? left : cap,
						    (int)(deadline - now));
			if (n <= 0)
				break;
			left -= (uint64_t)n;
		}
	}
	close(req->fd);
	if (req->out_fd >= 0)
		close(req->out_fd);
	if (req->err_fd >= 0)
		close(req->err_fd);
}

/* Refused before anything ran: the answer goes to the client socket
 * (SCGI) or the web server's stdout (the launcher, which lets go of it
 * once the gateway has queued the job, writes nothing itself), as a CGI
 * head the web server parses; the done note carries the status. */
static int answer_early(struct sg_request *req, int status)
{
	int fd = req->proto == SG_PROTO_CGI_LAUNCH ? req->out_fd : req->fd;
	sg_canned_write(fd, sg_canned_get(SG_PROTO_SCGI, status), false);
	finish(req, 0);
	return status;
}

static void log_exit(const char *path, int st)
{
	if (WIFSIGNALED(st))
		sg_info("cgi: %s killed by signal %d", path, WTERMSIG(st));
	else if (WEXITSTATUS(st) != 0)
		sg_info("cgi: %s exited with %d", path, WEXITSTATUS(st));
}

/* Forks the script and pumps until it is over. */
static int run_script(const struct sg_server *srv, struct sg_request *req,
		      const struct sg_reqinfo *info, struct script *sc, int *exit_status)
{
	struct sg_error err;
	int child[3], mine[3];
	if (make_pipes(child, mine, &err) < 0) {
		sg_error("cgi: %s: %s", sc->path, err.msg);
		return answer_early(req, 500);
	}
	struct sg_cgi_child c = {
		.script_fd = sc->fd, .dir_fd = sc->dir_fd, .path = sc->path, .dir = sc->dir,
		.python = is_python(sc), .env = req->env, .env_len = req->env_len,
		.runner = srv->app, .in_fd = child[0], .out_fd = child[1], .err_fd = child[2],
	};
	uint64_t t0 = sg_now_ms();
	pid_t pid = sg_cgi_spawn(&c, &err);
	close3(child);
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pid > 0 && pidfd < 0) {
		sg_fail_errno(&err, "pidfd_open");
		sg_cgi_kill_all(pid, 0);
	}
	if (pidfd < 0) {
		sg_error("cgi: %s: %s", sc->path, err.msg);
		close3(mine);
		return answer_early(req, 500);
	}
	sg_signals_cgi_group(pid);
	bool launch = req->proto == SG_PROTO_CGI_LAUNCH, nph = req->script.flags & SG_CGI_NPH;
	bool to_eof = launch && info->content_length.s == NULL;
	struct sg_cgi_pump p = {
		.req_in = req->fd, .req_out = req->out_fd >= 0 ? req->out_fd : req->fd,
		.req_err = req->err_fd, .body_to_eof = to_eof, .body_left = info->body_len,
		.prefix = req->body, .prefix_len = req->body_len,
		/* The web server runs sandgate-cgi, not an nph- script: it would
		 * refuse the "HTTP/1.1 NNN" line, so that becomes Status (C10). */
		.parse = !launch || nph, .nph = nph, .body_first = !launch,
		.is_head = !launch && info->is_head, .what = sc->path,
		.response_started = &srv->slot->response_started,
		.pid = pid, .pidfd = pidfd, .child_in = mine[0], .child_out = mine[1],
		.child_err = mine[2],
	};
	sg_cgi_pump_run(&p);
	sg_signals_cgi_group(0);
	sg_debug("cgi: %s (%s) ran %llu ms", sc->path, c.python ? "python" : "exec",
		 (unsigned long long)(sg_now_ms() - t0));
	log_exit(sc->path, p.wait_status);
	*exit_status = p.wait_status;
	finish(req, launch ? 0 : p.body_left);
	if (srv->access_log_fd >= 0)
		sg_access_log(srv->access_log_fd, info, p.status, p.bytes_out);
	/* Launcher: the web server answers with the script's head; the done
	 * note names only a response of the worker's own. */
	return launch && !p.canned ? 0 : p.status;
}

int sg_cgi_serve(const struct sg_server *srv, struct sg_request *req, int *exit_status)
{
	*exit_status = -1;
	sg_signals_cgi_begin();
	sg_signals_request(req->out_fd >= 0 ? req->out_fd : req->fd, req->proto);
	struct sg_reqinfo info;
	struct sg_error err;
	char what[SG_SLOT_REQUEST_LEN] = "-";
	int status;
	struct script sc = { .fd = -1, .dir_fd = -1 };
	if (sg_reqinfo_scan(req->env, req->env_len, &info, &err) < 0) {
		sg_info("cgi: 400 for a bad request: %s", err.msg);
		sg_signals_request(-1, 0);
		return answer_early(req, 400);
	}
	sg_describe_request(what, info.method.s, info.method.len, info.uri.s, info.uri.len);
	sg_slot_describe(srv->slot, what);
	if (sg_request_too_late(req)) {
		status = answer_early(req, 503);
	} else if (open_script(req, &sc, &err) < 0) {
		sg_warn("cgi: refused %.*s: %s", (int)req->script.path_len, req->script_path,
			err.msg);
		status = answer_early(req, 403);
	} else {
		status = run_script(srv, req, &info, &sc, exit_status);
	}
	if (sc.fd >= 0)
		close(sc.fd);
	if (sc.dir_fd >= 0)
		close(sc.dir_fd);
	sg_signals_request(-1, 0);
	return status;
}
