#include "gateway/worker/ctl.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "gateway/cellproto.h"
#include "gateway/log.h"

int sg_ctl_send(uint32_t type, int slot, pid_t pid, int status, uint64_t request_id,
		uint32_t response_started)
{
	struct sg_ctl_msg m = {
		.type = type,
		.slot = slot,
		.pid = pid,
		.status = status,
		.request_id = request_id,
		.response_started = response_started,
	};
	ssize_t n;
	do
		n = send(SG_FD_CTL, &m, sizeof m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof m) {
		sg_error("cannot send control message %u: %s", type,
			 n < 0 ? strerror(errno) : "short send");
		return -1;
	}
	return 0;
}
