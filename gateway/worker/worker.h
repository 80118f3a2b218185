/* A worker: forked from the zygote, serves one request at a time from the
 * app's own socket (fd 6) or the dispatch socket (fd 4) until it has served
 * --max-requests or is told to stop. */
#ifndef SG_WORKER_WORKER_H
#define SG_WORKER_WORKER_H

#include "gateway/worker/py.h"

#include "gateway/cellproto.h"
#include "gateway/worker/args.h"

/* Runs in the child after fork (and PyOS_AfterFork_Child); never returns.
 * slot is the scoreboard's slot[slot_index]. */
_Noreturn void sg_worker_run(const struct sg_worker_args *args, struct sg_slot *slot,
			     int slot_index, PyObject *app);

#endif
