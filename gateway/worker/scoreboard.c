#include "gateway/worker/scoreboard.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "gateway/worker/io.h"

/* The mapping, so that a CGI script's process can drop it (sg_scoreboard_unmap). */
static void *mapped;
static size_t mapped_len;

void sg_scoreboard_unmap(void)
{
	if (mapped != NULL)
		munmap(mapped, mapped_len);
	mapped = NULL;
}

struct sg_scoreboard *sg_scoreboard_map(int fd, int min_slots, struct sg_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		sg_fail_errno(err, "scoreboard: fstat fd %d", fd);
		return NULL;
	}
	if ((uint64_t)st.st_size < sg_scoreboard_size(0)) {
		sg_fail(err, "scoreboard: fd %d is only %lld bytes", fd, (long long)st.st_size);
		return NULL;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		sg_fail_errno(err, "scoreboard: mmap fd %d", fd);
		return NULL;
	}
	struct sg_scoreboard *board = p;
	const char *why = NULL;
	if (board->magic != SG_SCOREBOARD_MAGIC)
		why = "bad magic";
	else if (board->nslots > SG_MAX_WORKERS || board->nslots < (uint32_t)min_slots)
		why = "wrong number of slots";
	else if (sg_scoreboard_size(board->nslots) > (uint64_t)st.st_size)
		why = "smaller than its slots";
	if (why != NULL) {
		sg_fail(err, "scoreboard: %s (magic %#x, %u slots, %lld bytes, need %d slots)", why,
			board->magic, board->nslots, (long long)st.st_size, min_slots);
		munmap(p, (size_t)st.st_size);
		return NULL;
	}
	mapped = p;
	mapped_len = (size_t)st.st_size;
	return board;
}

void sg_slot_busy(struct sg_slot *slot, uint64_t request_id)
{
	atomic_store(&slot->started_ms, sg_now_ms());
	atomic_store(&slot->request_id, request_id);
	atomic_store(&slot->response_started, 0);
	slot->request[0] = '\0';
	atomic_store(&slot->state, SG_SLOT_BUSY);
}

/* Copies at most cap bytes, replacing control characters: the text ends up
 * in log lines. Returns the bytes copied. */
static size_t copy_printable(char *dst, const char *src, size_t len, size_t cap)
{
	size_t n = len < cap ? len : cap;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	return n;
}

void sg_describe_request(char out[SG_SLOT_REQUEST_LEN], const char *method, size_t method_len,
			 const char *uri, size_t uri_len)
{
	size_t cap = SG_SLOT_REQUEST_LEN - 1;
	size_t n = copy_printable(out, method, method_len, cap);
	if (n < cap)
		out[n++] = ' ';
	n += copy_printable(out + n, uri, uri_len, cap - n);
	out[n] = '\0';
}

void sg_slot_describe(struct sg_slot *slot, const char what[SG_SLOT_REQUEST_LEN])
{
	memcpy(slot->request, what, SG_SLOT_REQUEST_LEN);
}

void sg_slot_idle(struct sg_slot *slot)
{
	atomic_store(&slot->state, SG_SLOT_IDLE);
	atomic_store(&slot->started_ms, 0);
	atomic_store(&slot->request_id, 0);
	atomic_fetch_add(&slot->requests, 1);
	atomic_fetch_add(&slot->served, 1);
}

void sg_slot_clear(struct sg_slot *slot)
{
	atomic_store(&slot->state, SG_SLOT_EMPTY);
	atomic_store(&slot->pid, 0);
	atomic_store(&slot->started_ms, 0);
	atomic_store(&slot->request_id, 0);
	atomic_store(&slot->response_started, 0);
	atomic_store(&slot->requests, 0);
	slot->request[0] = '\0';
}
