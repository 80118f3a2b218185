/* One line per request in the combined log format (--access-log, fd 7):
 * REMOTE_ADDR - REMOTE_USER [date] "METHOD URI PROTO" status bytes
 * "Referer" "User-Agent". Fields from the client are escaped. */
#ifndef SG_WORKER_ACCESS_LOG_H
#define SG_WORKER_ACCESS_LOG_H

#include <stdint.h>

#include "gateway/worker/reqinfo.h"

void sg_access_log(int fd, const struct sg_reqinfo *info, int status, uint64_t bytes);

#endif
