/* A worker's signals. Handlers only touch the volatile state below and
 * call async-signal-safe functions.
 *
 *   SIGTERM  finish the request in hand and the routed requests already
 *            queued on the dispatch socket, then exit; exit at once if
 *            idle with nothing queued
 *   SIGUSR1  the request timed out (the zygote relays the gateway's
 *            SG_CTL_TIMEOUT): 504 if nothing was sent, a log line, abort(),
 *            and faulthandler dumps the Python stack to the app log
 *            (--cgi: the script's process group is killed instead, and
 *            the worker answers and carries on: sg_signals_cgi)
 *   SIGPIPE  ignored: a vanished client is an EPIPE, not a death
 */
#ifndef SG_WORKER_SIGNALS_H
#define SG_WORKER_SIGNALS_H

#include <stdbool.h>
#include <sys/types.h>

#include "gateway/cellproto.h"
#include "gateway/error.h"

/* Restores the default mask and installs the handlers. log_prefix is the
 * "[NAME PID] " that starts each app log line. */
int sg_signals_init(const char *log_prefix, int timeout_s, struct sg_slot *slot,
		    struct sg_error *err);

/* A request is in hand on client_fd (proto: enum sg_proto), or none (-1). */
void sg_signals_request(int client_fd, int proto);

/* While idle (waiting for a request) SIGTERM exits at once when nothing
 * is queued on the dispatch socket. */
void sg_signals_idle(bool idle);

/* SIGTERM arrived: serve what is queued, then exit. */
bool sg_signals_stop_requested(void);

/* --cgi: SIGUSR1 kills the process group given to sg_signals_cgi_group
 * (0: none) and sets the flag sg_signals_timed_out reads; the worker is
 * not aborted. sg_signals_cgi_begin, as a request starts, clears both. */
void sg_signals_cgi(bool on);
void sg_signals_cgi_begin(void);
void sg_signals_cgi_group(pid_t pgid);
bool sg_signals_timed_out(void);

#endif
