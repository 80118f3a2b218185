/* The control socket in the gateway's loop: listening, the connections'
 * request lines, deadlines, and writing the answers. What a request does
 * is control_cmd.c's. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_path.h"
#include "control_req.h"
#include "json.h"
#include "listener.h"
#include "log.h"

#define MAX_CONNS 16              /* control connections at once */
/* So that local users cannot keep the admin out, or one another: */
#define ROOT_RESERVED 2           /* slots only uid 0 may take */
#define PER_UID_CONNS 4           /* at once per uid other than 0 */
#define ACCEPTS_PER_EVENT 16
#define READ_DEADLINE_MS 2000     /* to send the request line */
#define WRITE_DEADLINE_MS 10000   /* to take the answer */
#define ANSWER_MAX (16u << 20)    /* every app's every worker fits well below */

struct control_conn {
	struct sg_watch w;
	struct sg_control *ctl;
	bool in_use;
	uid_t uid;
	uint64_t deadline_ms;
	size_t len;
	char in[SG_CONTROL_LINE_MAX];
	struct sg_json out; /* the answer, being written */
	size_t sent;
};

struct sg_control {
	struct sg_watch listen;
	struct sg_gateway *gw;
	struct sg_addr addr;
	dev_t dev; /* the socket file we made, so that we never */
	ino_t ino; /* remove another gateway's at exit */
	struct control_conn conns[MAX_CONNS];
};

static void conn_close(struct control_conn *k)
{
	if (!k->in_use)
		return;
	sg_loop_del(&k->ctl->gw->loop, &k->w);
	close(k->w.fd);
	k->w.fd = -1;
	sg_json_free(&k->out);
	k->in_use = false;
}

static void conn_write(struct control_conn *k)
{
	while (k->sent < k->out.len) {
		ssize_t n = send(k->w.fd, k->out.buf + k->sent, k->out.len - k->sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return; /* EPOLLOUT brings us back */
		if (n <= 0)
			break;
		k->sent += (size_t)n;
	}
	/* Bytes left unread would turn the close into a reset that the
	 * client may see before the answer. */
	char discard[4096];
	for (int i = 0; i < 16 && recv(k->w.fd, discard, sizeof discard, MSG_DONTWAIT) > 0; i++)
		;
	conn_close(k);
}

/* The request is complete (len bytes, no "\n"): answer, then write. */
static void conn_answer(struct control_conn *k, size_t len)
{
	struct sg_error err;
	sg_json_init(&k->out, ANSWER_MAX);
	sg_control_answer(k->ctl->gw, k->uid, k->in, len, &k->out);
	if (sg_json_finish(&k->out) == NULL) {
		sg_json_free(&k->out);
		sg_json_init(&k->out, 0);
		sg_json_raw(&k->out, "{\"ok\":false,\"error\":\"answer too large\"}\n", 40);
	}
	k->sent = 0;
	k->deadline_ms = sg_now_ms() + WRITE_DEADLINE_MS;
	sg_loop_del(&k->ctl->gw->loop, &k->w);
	if (sg_loop_add(&k->ctl->gw->loop, &k->w, EPOLLOUT, &err) < 0) {
		sg_warn("control: %s", err.msg);
		conn_close(k);
		return;
	}
	conn_write(k);
}

static void conn_read(struct control_conn *k)
{
	for (;;) {
		ssize_t n = recv(k->w.fd, k->in + k->len, sizeof k->in - k->len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* EOF: a request without its "\n" is still a request. */
			if (n == 0 && k->len > 0)
				conn_answer(k, k->len);
			else
				conn_close(k);
			return;
		}
		char *nl = memchr(k->in + k->len, '\n', (size_t)n);
		k->len += (size_t)n;
		if (nl != NULL) {
			conn_answer(k, (size_t)(nl - k->in));
			return;
		}
		if (k->len == sizeof k->in) {
			/* The parser refuses it as too long. */
			conn_answer(k, k->len);
			return;
		}
	}
}

static void conn_ready(struct sg_watch *w, uint32_t events)
{
	struct control_conn *k = sg_container_of(w, struct control_conn, w);
	if (w->fd < 0 || !k->in_use)
		return;
	if (k->out.buf != NULL)
		conn_write(k);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(k);
}

static struct control_conn *conn_slot(struct sg_control *ctl, uid_t uid)
{
	struct control_conn *free_slot = NULL;
	int used = 0, mine = 0;
	for (int i = 0; i < MAX_CONNS; i++) {
		if (!ctl->conns[i].in_use)
			free_slot = free_slot != NULL ? free_slot : &ctl->conns[i];
		else if (used++, ctl->conns[i].uid == uid)
			mine++;
	}
	if (uid != 0 && (mine >= PER_UID_CONNS || used >= MAX_CONNS - ROOT_RESERVED))
		return NULL;
	return free_slot;
}

static void accept_ready(struct sg_watch *w, uint32_t events)
{
	struct sg_control *ctl = sg_container_of(w, struct sg_control, listen);
	struct sg_error err;
	(void)events;
	for (int i = 0; i < ACCEPTS_PER_EVENT && w->fd >= 0; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		uid_t uid;
		struct control_conn *k = NULL;
		if (sg_peer_uid(fd, &uid) < 0) {
			close(fd);
			continue;
		}
		k = conn_slot(ctl, uid);
		if (k == NULL) {
			static const char busy[] = "{\"ok\":false,\"error\":\"busy; try again\"}\n";
			if (send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				sg_debug("control: %s", strerror(errno));
			close(fd);
			continue;
		}
		*k = (struct control_conn){ .w = { .fd = fd, .fn = conn_ready }, .ctl = ctl,
					    .in_use = true, .uid = uid,
					    .deadline_ms = sg_now_ms() + READ_DEADLINE_MS };
		if (sg_loop_add(&ctl->gw->loop, &k->w, EPOLLIN, &err) < 0) {
			sg_warn("control: %s", err.msg);
			close(fd);
			k->in_use = false;
		}
	}
}

void sg_control_tick(struct sg_gateway *gw, uint64_t now)
{
	struct sg_control *ctl = gw->control;
	if (ctl == NULL)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		if (ctl->conns[i].in_use && now > ctl->conns[i].deadline_ms)
			conn_close(&ctl->conns[i]);
}

void sg_control_close(struct sg_gateway *gw)
{
	struct sg_control *ctl = gw->control;
	struct stat st;
	if (ctl == NULL)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		conn_close(&ctl->conns[i]);
	if (ctl->listen.fd >= 0) {
		sg_loop_del(&gw->loop, &ctl->listen);
		close(ctl->listen.fd);
		ctl->listen.fd = -1;
	}
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&ctl->addr.ss;
	if (lstat(sun->sun_path, &st) == 0 && st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(sun->sun_path);
	gw->control = NULL;
	free(ctl);
}

/* ---- opening ---- */

/* The parent directories of path, made where missing: 0755 as root (so
 * that every user reaches the socket), 0700 otherwise. */
static int make_parents(const char *path, struct sg_error *err)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	mode_t mode = geteuid() == 0 ? 0755 : 0700;
	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, mode) < 0 && errno != EEXIST)
			return sg_fail_errno(err, "mkdir %s", dir);
		*p = '/';
	}
	return 0;
}

/* Another gateway answering on the path keeps it: replacing its socket
 * would cut its users off their apps. */
static bool in_use(const struct sg_addr *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool used = connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0;
	close(fd);
	return used;
}

/* The address in effect: the configuration's, else SANDGATE_CONTROL's,
 * else the default. 0 and *given, 1 for "none", -1 with err. */
static int control_addr(const struct sg_gateway *gw, struct sg_addr *a, bool *given,
			struct sg_error *err)
{
	char text[sizeof a->text + 8];
	const char *env = getenv("SANDGATE_CONTROL");
	*given = true;
	if (gw->cfg.control[0] != '\0')
		snprintf(text, sizeof text, "%s", gw->cfg.control);
	else if (env != NULL && env[0] != '\0')
		snprintf(text, sizeof text, "%s%s", env[0] == '/' ? "unix:" : "", env);
	else {
		char path[sizeof text - 5];
		*given = false;
		if (sg_control_default_path(path, sizeof path, err) < 0)
			return -1;
		snprintf(text, sizeof text, "unix:%s", path);
	}
	if (strcmp(text, "none") == 0)
		return 1;
	if (sg_addr_parse(text, a, err) < 0)
		return -1;
	if (!a->is_unix)
		return sg_fail(err, "the control socket must be a Unix socket, not %s", text);
	return 0;
}

static int control_listen(struct sg_control *ctl, struct sg_error *err)
{
	const char *path = ((const struct sockaddr_un *)&ctl->addr.ss)->sun_path;
	struct stat st;
	if (make_parents(path, err) < 0)
		return -1;
	if (in_use(&ctl->addr))
		return sg_fail(err, "%s: another gateway answers there", path);
	ctl->listen.fd = sg_listen_open(&ctl->addr, geteuid() == 0 ? 0666 : 0600, (gid_t)-1, err);
	if (ctl->listen.fd < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
	}
	return sg_loop_add(&ctl->gw->loop, &ctl->listen, EPOLLIN, err);
}

int sg_control_open(struct sg_gateway *gw, struct sg_error *err)
{
	struct sg_control *ctl = calloc(1, sizeof *ctl);
	bool given;
	if (ctl == NULL)
		return sg_fail(err, "out of memory");
	ctl->gw = gw;
	ctl->listen = (struct sg_watch){ .fd = -1, .fn = accept_ready };
	int rc = control_addr(gw, &ctl->addr, &given, err);
	if (rc == 0)
		rc = control_listen(ctl, err);
	if (rc != 0) {
		if (ctl->listen.fd >= 0) {
			close(ctl->listen.fd);
			sg_listen_unlink(&ctl->addr);
		}
		free(ctl);
		if (rc > 0)
			return 0;
		sg_error_prefix(err, "control socket");
		if (given)
			return -1;
		sg_warn("%s; serving without one", err->msg);
		return 0;
	}
	gw->control = ctl;
	sg_info("control socket on %s (`sandgate status`)", ctl->addr.text);
	return 0;
}
