/* An app's log and access log (app_logs.c). */
#ifndef SG_APP_LOGS_H
#define SG_APP_LOGS_H

#include "gateway.h"

struct sg_app_log_files {
	int log;    /* -1: the gateway's log */
	int access; /* -1: none */
};

/* Opens the files of app->conf as the app's user: the administrator's log
 * and access_log paths, else in system mode ~USER/.local/state/sandgate/
 * NAME.log when the user has a home. Fails only for a path that was
 * given; a default that cannot be opened falls back to the gateway's log
 * (logged). */
int sg_app_logs_open_files(const struct sg_app *app, struct sg_app_log_files *f,
			   struct sg_error *err);

/* Gives app its relays (old's, which its draining cells still write to,
 * or new ones) pointed at f's files, which they take. On failure the
 * files are closed and old keeps its relays. */
int sg_app_logs_attach(struct sg_app *app, struct sg_app *old, struct sg_app_log_files *f,
		       struct sg_error *err);

/* Closes f's files (those not attached). */
void sg_app_log_files_close(struct sg_app_log_files *f);

/* Undoes attach: old gets back the relays app took from it. */
void sg_app_logs_give_back(struct sg_app *app, struct sg_app *old);

/* SIGUSR1: every app's files opened again (logrotate moved them). */
void sg_app_logs_reopen_all(struct sg_gateway *gw);

/* Closes the relays (what is left in the pipes is copied first). */
void sg_app_logs_release(struct sg_app *app);

#endif
