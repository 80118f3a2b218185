/* The zygote: pid 1 of the cell. Imports the app once, forks the workers,
 * then supervises them on behalf of the gateway (SG_FD_CTL). */
#ifndef SG_WORKER_ZYGOTE_H
#define SG_WORKER_ZYGOTE_H

#include "gateway/worker/args.h"

/* Never returns: exits 0 after a drain, 1 when the gateway goes away, 2 when
 * the app cannot be started (after SG_CTL_IMPORT_FAILED). */
_Noreturn void sg_zygote_run(const struct sg_worker_args *args, const char *argv0);

#endif
