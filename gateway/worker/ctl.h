/* Messages from the zygote to the gateway on SG_FD_CTL. */
#ifndef SG_WORKER_CTL_H
#define SG_WORKER_CTL_H

#include <stdint.h>
#include <sys/types.h>

/* Sends one struct sg_ctl_msg. Returns 0 or -1 (gateway gone), logged. */
int sg_ctl_send(uint32_t type, int slot, pid_t pid, int status, uint64_t request_id,
		uint32_t response_started);

#endif
