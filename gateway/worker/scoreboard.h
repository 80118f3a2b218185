/* The cell's view of the shared scoreboard (fd 5, cellproto.h): mapping it,
 * and the state changes of one slot. Workers write their own slot; the
 * zygote and the gateway read it. */
#ifndef SG_WORKER_SCOREBOARD_H
#define SG_WORKER_SCOREBOARD_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/cellproto.h"
#include "gateway/error.h"

/* Maps fd and checks the magic and that it has at least min_slots slots. */
struct sg_scoreboard *sg_scoreboard_map(int fd, int min_slots, struct sg_error *err);

/* Unmaps it: a CGI script's Python process must not write to the slots. */
void sg_scoreboard_unmap(void);

/* A request starts: started_ms, request_id and response_started = 0 are set
 * before the state becomes BUSY, so the gateway never sees a half slot. */
void sg_slot_busy(struct sg_slot *slot, uint64_t request_id);

/* "METHOD URI" into out, truncated, control characters replaced (it ends
 * up in log lines). */
void sg_describe_request(char out[SG_SLOT_REQUEST_LEN], const char *method, size_t method_len,
			 const char *uri, size_t uri_len);

/* Publishes the description for timeouts and `sandgate status`. */
void sg_slot_describe(struct sg_slot *slot, const char what[SG_SLOT_REQUEST_LEN]);

/* The request is over: IDLE, then the per-request fields are cleared. */
void sg_slot_idle(struct sg_slot *slot);

/* The worker owning the slot is gone (served, the slot's total, stays). */
void sg_slot_clear(struct sg_slot *slot);

#endif
