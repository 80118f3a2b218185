#include "gateway/worker/signals.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/worker/canned.h"

static struct {
	volatile sig_atomic_t client_fd;
	volatile sig_atomic_t proto;
	volatile sig_atomic_t idle;
	volatile sig_atomic_t stop;
	volatile sig_atomic_t cgi;       /* a --cgi worker: see on_timeout */
	volatile sig_atomic_t cgi_pgid;  /* the running script's process group */
	volatile sig_atomic_t timed_out;
	struct sg_slot *slot;
	char head[160]; /* "[NAME PID] request timed out after N s: " */
} sig = { .client_fd = -1 };

/* Bounded copy for the handler (no libc string functions there). */
static size_t put(char *dst, size_t at, size_t cap, const char *src)
{
	while (*src != '\0' && at < cap)
		dst[at++] = *src++;
	return at;
}

static void on_timeout(int signo)
{
	(void)signo;
	if (sig.client_fd < 0)
		return; /* finished just before the signal came: nothing to time out */
	/* CGI: the script is killed, not the worker; the pump sees the flag,
	 * kills what is left, answers 504 if nothing was sent and carries on. */
	if (sig.cgi) {
		int saved = errno;
		sig.timed_out = 1;
		if (sig.cgi_pgid > 0)
			kill(-(pid_t)sig.cgi_pgid, SIGKILL);
		errno = saved;
		return;
	}
	if (atomic_exchange(&sig.slot->response_started, 1) == 0) {
		const struct sg_canned *c = sg_canned_get(sig.proto, 504);
		sg_canned_write(sig.client_fd, c, false);
	}
	char line[sizeof sig.head + SG_SLOT_REQUEST_LEN + 64];
	size_t n = put(line, 0, sizeof line, sig.head);
	char request[SG_SLOT_REQUEST_LEN];
	memcpy(request, sig.slot->request, sizeof request); /* a plain byte copy */
	request[sizeof request - 1] = '\0';
	n = put(line, n, sizeof line, request);
	n = put(line, n, sizeof line, "; Python stack follows:\n");
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
	abort(); /* faulthandler catches SIGABRT and dumps every thread */
}

/* Idle, the worker may exit at once only if no routed request waits on
 * the dispatch socket: the gateway sends a draining cell nothing new, but
 * what it sent before is still queued there and must be served (a worker
 * that left it would turn each into a 502). Otherwise the worker stops
 * after emptying the queue (worker.c). recv is async-signal-safe. */
static void on_term(int signo)
{
	(void)signo;
	int saved = errno;
	char peek;
	if (sig.idle && recv(SG_FD_DISPATCH, &peek, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	    errno == EAGAIN)
		_exit(0);
	errno = saved;
	sig.stop = 1;
}

static int set_handler(int signo, void (*fn)(int), struct sg_error *err)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return sg_fail_errno(err, "sigaction(%d)", signo);
	return 0;
}

int sg_signals_init(const char *log_prefix, int timeout_s, struct sg_slot *slot,
		    struct sg_error *err)
{
	sig.slot = slot;
	snprintf(sig.head, sizeof sig.head, "%srequest timed out after %d s: ", log_prefix,
		 timeout_s);

	/* abort() on timeout must not leave a core file in the app's directory. */
	struct rlimit no_core = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		return sg_fail_errno(err, "setrlimit(RLIMIT_CORE)");
	if (set_handler(SIGTERM, on_term, err) < 0 || set_handler(SIGUSR1, on_timeout, err) < 0 ||
	    set_handler(SIGPIPE, SIG_IGN, err) < 0 || set_handler(SIGCHLD, SIG_DFL, err) < 0 ||
	    set_handler(SIGINT, SIG_DFL, err) < 0)
		return -1;
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return sg_fail_errno(err, "sigprocmask");
	return 0;
}

void sg_signals_request(int client_fd, int proto)
{
	sig.proto = proto;
	sig.client_fd = client_fd;
}

void sg_signals_idle(bool idle)
{
	sig.idle = idle;
}

bool sg_signals_stop_requested(void)
{
	return sig.stop != 0;
}

void sg_signals_cgi(bool on)
{
	sig.cgi = on;
}

void sg_signals_cgi_begin(void)
{
	sig.cgi_pgid = 0;
	sig.timed_out = 0;
}

void sg_signals_cgi_group(pid_t pgid)
{
	sig.cgi_pgid = pgid;
}

bool sg_signals_timed_out(void)
{
	return sig.timed_out != 0;
}
