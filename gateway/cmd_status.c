/* `sandgate status [--json] [-s PATH] [APP]`, `sandgate reload APP`,
 * `sandgate stop APP`: one request to the gateway's control socket
 * (gateway/control.h), the answer printed. The gateway decides what the
 * caller may see from its uid; this side only formats nothing: text
 * answers come ready to print, JSON answers are passed through.
 *
 * Exit status: 0 done, 1 the gateway refused (no app of that name, ...),
 * 2 bad usage, 3 the gateway could not be reached. */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_path.h"
#include "control_req.h"

#define ANSWER_MAX (32u << 20)
#define IO_TIMEOUT_S 30

struct status_opts {
	const char *cmd;
	bool json;
	const char *socket;
	const char *app;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sandgate status [--json] [-s PATH] [APP]\n"
		"       sandgate reload [--json] [-s PATH] APP\n"
		"       sandgate stop [--json] [-s PATH] APP\n"
		"Asks the running gateway through its control socket: -s PATH, else\n"
		"$SANDGATE_CONTROL, else %s as root and\n"
		"$XDG_RUNTIME_DIR/sandgate/control.sock (or ~/.local/state/sandgate/\n"
		"control.sock) for anyone else. You see and control only the apps that\n"
		"run as you (root: all of them). Exit status: 0 done, 1 refused by the\n"
		"gateway, 2 bad usage, 3 gateway not reachable. See sandgate(1).\n",
		SG_CONTROL_SYSTEM_PATH);
}

static int parse_opts(int argc, char **argv, struct status_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->cmd = argv[0];
	optind = 1;
	while ((c = getopt_long(argc, argv, "+js:h", longopts, NULL)) != -1) {
		if (c == 'j')
			o->json = true;
		else if (c == 's')
			o->socket = optarg;
		else if (c == 'h')
			return 1;
		else
			return -1;
	}
	if (optind < argc)
		o->app = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "sandgate %s: one app name at most\n", o->cmd);
		return -1;
	}
	if (o->app == NULL && strcmp(o->cmd, "status") != 0) {
		fprintf(stderr, "sandgate %s: which app?\n", o->cmd);
		return -1;
	}
	if (o->app != NULL && !sg_control_name_ok(o->app, strlen(o->app))) {
		fprintf(stderr, "sandgate %s: \"%s\" is not an app name\n", o->cmd, o->app);
		return -1;
	}
	return 0;
}

/* -s, else SANDGATE_CONTROL ("unix:" in front allowed), else the default. */
static int socket_path(const struct status_opts *o, char *path, size_t size)
{
	struct sg_error err;
	const char *p = o->socket != NULL ? o->socket : getenv("SANDGATE_CONTROL");
	if (p != NULL && p[0] != '\0') {
		if (strncmp(p, "unix:", 5) == 0)
			p += 5;
		if ((size_t)snprintf(path, size, "%s", p) >= size)
			return fprintf(stderr, "sandgate %s: socket path too long\n", o->cmd), -1;
		return 0;
	}
	if (sg_control_default_path(path, size, &err) < 0)
		return fprintf(stderr, "sandgate %s: %s\n", o->cmd, err.msg), -1;
	return 0;
}

static int connect_to(const char *cmd, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "sandgate %s: socket path too long: %s\n", cmd, path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		fprintf(stderr, "sandgate %s: cannot reach the gateway at %s: %s\n", cmd, path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The whole answer, NUL-terminated; NULL on error (reported). */
static char *exchange(int fd, const struct status_opts *o, size_t *len)
{
	char line[SG_CONTROL_LINE_MAX];
	int n = snprintf(line, sizeof line, "%s%s%s%s\n", o->json ? "" : "text ", o->cmd,
			 o->app ? " " : "", o->app ? o->app : "");
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "sandgate %s: sending the request: %s\n", o->cmd, strerror(errno));
		return NULL;
	}
	size_t cap = 65536;
	char *buf = malloc(cap);
	*len = 0;
	for (ssize_t r; buf != NULL; *len += (size_t)r) {
		if (*len == cap - 1) {
			char *b = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;
			if (b == NULL)
				break;
			buf = b;
			cap *= 2;
		}
		r = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "sandgate %s: reading the answer: %s\n", o->cmd, strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
	}
	if (buf == NULL || *len == 0) {
		fprintf(stderr, "sandgate %s: the gateway closed without an answer\n", o->cmd);
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* JSON: printed as it is; "ok" is always the answer's first member. */
static int show(const struct status_opts *o, const char *answer, size_t len)
{
	if (o->json) {
		fwrite(answer, 1, len, stdout);
		return strncmp(answer, "{\"ok\":true", 10) == 0 ? 0 : 1;
	}
	const char *body = strchr(answer, '\n');
	body = body != NULL ? body + 1 : answer + len;
	if (strncmp(answer, "ok\n", 3) == 0) {
		fputs(body, stdout);
		return 0;
	}
	if (strncmp(answer, "error\n", 6) == 0)
		fprintf(stderr, "sandgate %s: %s", o->cmd, body);
	else
		fprintf(stderr, "sandgate %s: unexpected answer from the gateway\n", o->cmd);
	return 1;
}

int sg_cmd_status(int argc, char **argv)
{
	struct status_opts o = { 0 };
	char path[sizeof ((struct sockaddr_un *)0)->sun_path + 8];
	int rc = parse_opts(argc, argv, &o);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (socket_path(&o, path, sizeof path) < 0)
		return 2;
	int fd = connect_to(o.cmd, path);
	if (fd < 0)
		return 3;
	size_t len;
	char *answer = exchange(fd, &o, &len);
	close(fd);
	if (answer == NULL)
		return 3;
	rc = show(&o, answer, len);
	free(answer);
	return rc;
}
