/* sandgate-cgi: the CGI program a web server runs (Apache's Action, say)
 * in place of a user's script. It holds no privilege and decides nothing:
 * it hands its CGI environment and its stdin, stdout and stderr to the
 * gateway's launcher socket, and the gateway checks the script and runs it
 * in its owner's cell (README "Replacing suEXEC", cgi_launch_proto.h).
 *
 * The one subtle point is stdout. The web server ends the response when
 * every copy of the script's stdout is closed, so this process must not
 * keep one while the script runs; yet when the gateway turns the request
 * down before anything ran, someone must write the error response. So the
 * launcher keeps its stdout until the gateway's first verdict: a final one
 * (refused, failed) is answered on it; SG_CGI_ACCEPTED lets go of it.
 *
 * Of its environment it reads GATEWAY_INTERFACE and SANDGATE_CGI_SOCKET;
 * the exit status is the script's, or enum sg_cgi_exit (sandgate-cgi(1)).
 * A user's .htaccess can set SANDGATE_CGI_SOCKET (SetEnv), so the launcher
 * tells nothing to a listener that is not run by root or by its own uid. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/cgi_launch_proto.h"

extern char **environ;

/* One line to the web server's error log. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sandgate-cgi: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char *reason_of(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

/* A CGI response head and a one-line body on fd (the web server parses it). */
static void answer(int fd, int status)
{
	if (fd < 0)
		return;
	if (status < 100 || status > 599)
		status = 500;
	char buf[256];
	const char *r = reason_of(status);
	int n = snprintf(buf, sizeof buf,
			 "Status: %d %s\r\nContent-Type: text/plain\r\n\r\n%d %s\n", status, r,
			 status, r);
	for (int off = 0; n > 0 && off < n;) {
		ssize_t w = write(fd, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (int)w;
	}
}

/* The environment as an env block ("NAME\0VALUE\0"), at most cap bytes.
 * An entry without '=' or one past the cap is left out, and said. */
static size_t build_env(char *buf, size_t cap)
{
	size_t len = 0;
	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		size_t n = strlen(*e);
		if (eq == NULL || eq == *e) {
			say("left out an environment entry that is not NAME=VALUE");
			continue;
		}
		if (n + 1 > cap - len) {
			int name_len = eq - *e < 64 ? (int)(eq - *e) : 64;
			say("left out %.*s: the environment is over %zu bytes", name_len, *e, cap);
			continue;
		}
		memcpy(buf + len, *e, n + 1);
		buf[len + (size_t)(eq - *e)] = '\0';
		len += n + 1;
	}
	return len;
}

/* Whether the listener at fd is a gateway's: run by root (system mode) or
 * by our own uid (user mode). A socket another user runs would get the web
 * server's whole environment (server-wide SetEnv, HTTP_AUTHORIZATION with
 * CGIPassAuth) and the request's descriptors, past the gateway's filter. */
static bool trusted_peer(int fd, const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		say("%s: SO_PEERCRED: %s", path, strerror(errno));
		return false;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	say("refusing %s: its listener runs as uid %u, not root or uid %u (a "
	    "SANDGATE_CGI_SOCKET set by a .htaccess?)", path, (unsigned)cred.uid,
	    (unsigned)geteuid());
	return false;
}

static int connect_gateway(void)
{
	const char *path = getenv(SG_CGI_SOCKET_ENV);
	if (path == NULL || path[0] == '\0')
		path = SG_CGI_SOCKET_DEFAULT;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		say("%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		say("cannot reach the gateway at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!trusted_peer(fd, path)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One message: the header and the env block, fds 0, 1, 2 as SCM_RIGHTS. */
static int send_launch(int sock, const char *env, size_t env_len)
{
	struct sg_cgi_launch h = { .magic = SG_CGI_LAUNCH_MAGIC, .env_len = (uint32_t)env_len };
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)env, env_len } };
	int fds[3] = { 0, 1, 2 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof fds)];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)(sizeof h + env_len) ? 0 : -1;
}

/* One verdict; 0, or -1 when the gateway closed or sent garbage. No
 * timeout of our own: the gateway times the script. */
static int recv_verdict(int sock, struct sg_cgi_verdict *v)
{
	ssize_t n;
	do
		n = recv(sock, v, sizeof *v, 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof *v || v->magic != SG_CGI_VERDICT_MAGIC)
		return -1;
	v->reason[sizeof v->reason - 1] = '\0';
	return 0;
}

/* Points fd at /dev/null, so the descriptor number stays taken. */
static void to_null(int fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0 && null != fd) {
		dup2(null, fd);
		close(null);
	}
}

static int exit_code_of(const struct sg_cgi_verdict *v)
{
	if (v->outcome == SG_CGI_RAN) {
		if (WIFEXITED(v->wait_status))
			return WEXITSTATUS(v->wait_status);
		if (WIFSIGNALED(v->wait_status))
			return 128 + WTERMSIG(v->wait_status);
		return SG_CGI_EXIT_SOFTWARE;
	}
	return v->exit_code > 0 && v->exit_code < 256 ? v->exit_code : SG_CGI_EXIT_SOFTWARE;
}

static int finish(const struct sg_cgi_verdict *v, int out)
{
	if (v->outcome != SG_CGI_RAN && v->outcome != SG_CGI_REFUSED &&
	    v->outcome != SG_CGI_FAILED) {
		say("the gateway sent an unknown verdict");
		answer(out, 502);
		return SG_CGI_EXIT_SOFTWARE;
	}
	if (v->http_status != 0)
		answer(out, v->http_status);
	if (v->outcome != SG_CGI_RAN)
		say("%s", v->reason[0] != '\0' ? v->reason : "refused (no reason given)");
	return exit_code_of(v);
}

/* Arguments are ignored: a web server passes a query string without '='
 * as argv (CGI/1.1 section 4.4, the ISINDEX search string); the script
 * gets QUERY_STRING in its environment all the same. */
int main(void)
{
	if (getenv("GATEWAY_INTERFACE") == NULL) {
		fprintf(stderr, "usage: sandgate-cgi (run by a web server as a CGI program, "
				"with GATEWAY_INTERFACE set; see sandgate-cgi(1))\n");
		return SG_CGI_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	static char env[SG_CGI_ENV_MAX];
	size_t env_len = build_env(env, sizeof env);
	int out = dup(1); /* kept until the first verdict (see the top) */
	if (out < 0) {
		say("dup of stdout: %s", strerror(errno));
		return SG_CGI_EXIT_OSERR;
	}
	int sock = connect_gateway();
	if (sock < 0) {
		answer(out, 503);
		return SG_CGI_EXIT_UNAVAILABLE;
	}
	struct sg_cgi_verdict v;
	if (send_launch(sock, env, env_len) < 0) {
		/* The gateway may have turned the connection down at once
		 * (too many launchers): its verdict is then waiting. */
		int e = errno;
		if (recv_verdict(sock, &v) == 0 && v.outcome != SG_CGI_ACCEPTED)
			return finish(&v, out);
		say("sending the request to the gateway failed: %s", strerror(e));
		answer(out, 503);
		return SG_CGI_EXIT_UNAVAILABLE;
	}
	/* The script reads the body from the worker's copy of stdin alone. */
	to_null(0);
	to_null(1);
	if (recv_verdict(sock, &v) < 0) {
		say("the gateway closed the connection without a verdict");
		answer(out, 503);
		return SG_CGI_EXIT_UNAVAILABLE;
	}
	if (v.outcome == SG_CGI_ACCEPTED) {
		close(out); /* only the worker's copy stays: the web server's EOF is its */
		out = -1;
		if (recv_verdict(sock, &v) < 0) {
			say("the gateway closed the connection before the script finished");
			return SG_CGI_EXIT_SOFTWARE;
		}
	}
	return finish(&v, out);
}
