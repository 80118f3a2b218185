/* An app's status as JSON and as text (pure). Text goes through the JSON
 * writer's buffer too, with every string from the scoreboard or the log
 * made printable first: a request line cannot forge table lines or
 * terminal escapes. */
#include "control_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void key_str(struct sg_json *j, const char *key, const char *value)
{
	sg_json_key(j, key);
	sg_json_str(j, value);
}

static void key_uint(struct sg_json *j, const char *key, unsigned long long value)
{
	sg_json_key(j, key);
	sg_json_uint(j, value);
}

static void worker_json(struct sg_json *j, const struct sg_status_worker *w)
{
	bool busy = strcmp(w->state, "busy") == 0;
	sg_json_open(j, '{');
	key_uint(j, "slot", (unsigned)w->slot);
	sg_json_key(j, "pid");
	sg_json_int(j, w->pid);
	key_str(j, "state", w->state);
	sg_json_key(j, "request");
	if (busy)
		sg_json_str(j, w->request);
	else
		sg_json_null(j);
	sg_json_key(j, "busy_s");
	if (busy)
		sg_json_uint(j, w->busy_ms / 1000);
	else
		sg_json_null(j);
	key_uint(j, "requests", w->requests);
	sg_json_close(j, '}');
}

void sg_status_json(struct sg_json *j, const struct sg_status_app *a)
{
	sg_json_open(j, '{');
	key_str(j, "name", a->name);
	key_str(j, "state", a->state);
	key_str(j, "user", a->user);
	key_uint(j, "uid", a->uid);
	sg_json_key(j, "zygote_pid");
	if (a->zygote_pid > 0)
		sg_json_int(j, a->zygote_pid);
	else
		sg_json_null(j);
	key_uint(j, "uptime_s", a->up_ms / 1000);
	key_uint(j, "draining_cells", (unsigned)a->draining_cells);
	key_uint(j, "requests", a->requests);
	key_uint(j, "restarts", a->restarts);
	key_uint(j, "failures", (unsigned)a->failures);
	sg_json_key(j, "retry_in_s");
	if (a->retry_in_ms > 0)
		sg_json_uint(j, (a->retry_in_ms + 999) / 1000);
	else
		sg_json_null(j);
	sg_json_key(j, "last_error");
	if (a->has_error)
		sg_json_str(j, a->last_error);
	else
		sg_json_null(j);
	sg_json_key(j, "last_error_age_s");
	if (a->has_error)
		sg_json_uint(j, a->last_error_age_ms / 1000);
	else
		sg_json_null(j);
	sg_json_key(j, "memory_bytes");
	if (a->memory >= 0)
		sg_json_int(j, a->memory);
	else
		sg_json_null(j);
	sg_json_key(j, "workers");
	sg_json_open(j, '[');
	for (int i = 0; i < a->n_workers; i++)
		worker_json(j, &a->workers[i]);
	sg_json_close(j, ']');
	sg_json_close(j, '}');
}

/* ---- text ---- */

static void text(struct sg_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text(struct sg_json *j, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		sg_json_raw(j, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Bytes outside printable ASCII become "\xHH". */
static void printable(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *in != '\0' && o + 5 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

void sg_status_bytes(long long bytes, char *out, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	if (bytes < 0) {
		snprintf(out, size, "n/a");
		return;
	}
	if (bytes < 1024) {
		snprintf(out, size, "%lld B", bytes);
		return;
	}
	double v = (double)bytes / 1024;
	int u = 0;
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, "%.1f %s", v, units[u]);
}

static void cell_line(struct sg_json *j, const struct sg_status_app *a)
{
	char mem[32];
	sg_status_bytes(a->memory, mem, sizeof mem);
	if (a->zygote_pid > 0)
		text(j, "  zygote pid %ld, up %llu s, %llu served, memory %s\n", a->zygote_pid,
		     (unsigned long long)(a->up_ms / 1000), (unsigned long long)a->requests, mem);
	if (a->draining_cells > 0)
		text(j, "  %d older cell%s draining\n", a->draining_cells,
		     a->draining_cells == 1 ? "" : "s");
	if (strcmp(a->state, "failed") == 0)
		text(j, "  %d failed starts in a row: no retry until `sandgate reload %s`\n",
		     a->failures, a->name);
	if (a->retry_in_ms > 0)
		text(j, "  %d failed start%s in a row; next try in %llu s\n", a->failures,
		     a->failures == 1 ? "" : "s", (unsigned long long)((a->retry_in_ms + 999) / 1000));
}

static void workers_text(struct sg_json *j, const struct sg_status_app *a)
{
	char req[4 * SG_SLOT_REQUEST_LEN];
	if (a->n_workers == 0)
		return;
	text(j, "  %-6s %-8s %-8s %6s %9s  %s\n", "SLOT", "PID", "STATE", "SECS", "REQUESTS",
	     "REQUEST");
	for (int i = 0; i < a->n_workers; i++) {
		const struct sg_status_worker *w = &a->workers[i];
		bool busy = strcmp(w->state, "busy") == 0;
		char secs[24] = "-";
		if (busy)
			snprintf(secs, sizeof secs, "%llu", (unsigned long long)(w->busy_ms / 1000));
		printable(busy ? w->request : "", req, sizeof req);
		text(j, "  %-6d %-8ld %-8s %6s %9llu%s%s\n", w->slot, w->pid, w->state, secs,
		     (unsigned long long)w->requests, busy ? "  " : "", req);
	}
}

void sg_status_text(struct sg_json *j, const struct sg_status_app *a)
{
	char err[4 * sizeof a->last_error];
	text(j, "%s: %s, user %s (uid %lu), %lu restart%s\n", a->name, a->state, a->user, a->uid,
	     a->restarts, a->restarts == 1 ? "" : "s");
	cell_line(j, a);
	if (a->has_error) {
		printable(a->last_error, err, sizeof err);
		text(j, "  last error, %llu s ago: %s\n",
		     (unsigned long long)(a->last_error_age_ms / 1000), err);
	}
	workers_text(j, a);
}
