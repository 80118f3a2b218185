/* SCGI request head: netstring(headers) (protocols.md §1, S1-S4).
 *
 * Called again each time more bytes arrive. It answers PARTIAL only while
 * more bytes could still make the head valid, so a peer that has already
 * sent something malformed is dropped at once rather than at the cap. */
#include "scgi.h"

#include <stdbool.h>
#include <string.h>

#define CL_NAME "CONTENT_LENGTH"
#define CL_NAME_LEN (sizeof CL_NAME - 1)

/* Open-addressed set of the names seen so far, for the duplicate check.
 * Slots hold offset + 1 of a NUL-terminated name in the block; 0 is free.
 * Only the first nslots are used (and cleared): a power of two at least
 * twice the names the block can hold, so the set stays at most half full.
 * A typical head of 20 names clears 64 slots, not all 2048 (16 KiB, half
 * the L1 cache, on every request). */
#define NAME_SLOTS (2 * SG_SCGI_MAX_VARS)
#define NAME_SLOTS_MIN 64

struct name_set {
	size_t slot[NAME_SLOTS];
	size_t nslots;
	size_t count;
};

/* Empties the set, sized for the names in block[0..len). */
static void name_set_init(struct name_set *set, const char *block, size_t len)
{
	size_t strings = 1; /* the last one may lack its NUL */
	const char *end = block + len;
	for (const char *p = block; (p = memchr(p, '\0', (size_t)(end - p))) != NULL; p++)
		strings++;
	size_t names = strings / 2 + 1;
	size_t n = NAME_SLOTS_MIN;
	while (n < 2 * names && n < NAME_SLOTS)
		n *= 2;
	memset(set->slot, 0, n * sizeof set->slot[0]);
	set->nslots = n;
	set->count = 0;
}

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Adds the name at block[off..off+n), which is NUL-terminated. Fails on a
 * repeat or when there are too many names. */
static int name_set_add(struct name_set *set, const char *block, size_t off, size_t n,
			struct sg_error *err)
{
	if (set->count == SG_SCGI_MAX_VARS)
		return sg_fail(err, "SCGI header block has more than %d variables",
			       SG_SCGI_MAX_VARS);
	size_t mask = set->nslots - 1;
	size_t i = name_hash(block + off, n) & mask;
	while (set->slot[i] != 0) {
		/* An earlier name lies wholly before this one, so reading n + 1
		 * bytes of it stays inside the block; its NUL ends the compare. */
		const char *other = block + set->slot[i] - 1;
		if (memcmp(other, block + off, n) == 0 && other[n] == '\0')
			return sg_fail(err, "SCGI variable %.*s appears twice (S2)", (int)n,
				       block + off);
		i = (i + 1) & mask;
	}
	set->slot[i] = off + 1;
	set->count++;
	return 0;
}

/* The netstring's length: ASCII decimal, no leading zero, then ':' (S1).
 * The cap applies digit by digit, before anything is buffered (S4). */
static enum sg_scgi_status parse_length(const char *buf, size_t len, size_t max_head,
					size_t *block_len, size_t *colon, struct sg_error *err)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == ':' && i > 0) {
			*block_len = n;
			*colon = i;
			return SG_SCGI_OK;
		}
		if (c < '0' || c > '9') {
			sg_fail(err, "SCGI netstring length has a non-digit 0x%02x (S1)",
				(unsigned char)c);
			return SG_SCGI_INVALID;
		}
		if (i == 0 && c == '0') {
			/* "0N" has a leading zero; "0:" is a block without CONTENT_LENGTH. */
			sg_fail(err, "SCGI netstring length starts with 0 (S1, S2)");
			return SG_SCGI_INVALID;
		}
		size_t d = (size_t)(c - '0');
		if (n > max_head / 10 || max_head - n * 10 < d) {
			sg_fail(err, "SCGI header block is longer than the cap of %zu bytes (S4)",
				max_head);
			return SG_SCGI_INVALID;
		}
		n = n * 10 + d;
	}
	return SG_SCGI_PARTIAL;
}

/* CONTENT_LENGTH's value, or the part of it received so far (S2). */
static int check_content_length(const char *s, size_t n, bool whole, uint64_t *out,
				struct sg_error *err)
{
	uint64_t v = 0;

	if (whole && n == 0)
		return sg_fail(err, "SCGI CONTENT_LENGTH is empty (S2)");
	if (n > 1 && s[0] == '0')
		return sg_fail(err, "SCGI CONTENT_LENGTH has a leading zero (S2)");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return sg_fail(err, "SCGI CONTENT_LENGTH is not all digits (S2)");
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return sg_fail(err, "SCGI CONTENT_LENGTH is too large (S2)");
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* The walk over the block's strings: names at even positions, values at odd. */
struct block_walk {
	const char *block;
	bool complete;      /* the whole block is there, not just its start */
	size_t strings;     /* strings seen, the last one possibly cut short */
	bool value_is_cl;   /* the current value belongs to CONTENT_LENGTH */
	bool value_is_scgi; /* ... to SCGI */
	bool scgi_seen;
	uint64_t content_length;
	struct name_set *names;
};

static int check_name(struct block_walk *w, size_t off, size_t n, bool whole,
		      struct sg_error *err)
{
	const char *s = w->block + off;
	bool first = w->strings == 0;

	if (whole && n == 0)
		return sg_fail(err, "SCGI header block has an empty variable name (S2)");
	if (first && (n > CL_NAME_LEN || memcmp(s, CL_NAME, n) != 0 ||
		      (whole && n != CL_NAME_LEN)))
		return sg_fail(err, "SCGI header block does not start with CONTENT_LENGTH (S2)");
	if (whole && name_set_add(w->names, w->block, off, n, err) < 0)
		return -1;
	w->value_is_cl = first;
	w->value_is_scgi = whole && n == 4 && memcmp(s, "SCGI", 4) == 0;
	w->scgi_seen = w->scgi_seen || w->value_is_scgi;
	return 0;
}

static int check_value(struct block_walk *w, size_t off, size_t n, bool whole,
		       struct sg_error *err)
{
	const char *s = w->block + off;

	if (w->value_is_cl)
		return check_content_length(s, n, whole, &w->content_length, err);
	if (w->value_is_scgi && (n > 1 || (n == 1 && s[0] != '1') || (whole && n == 0)))
		return sg_fail(err, "SCGI variable SCGI is not \"1\" (S2)");
	return 0; /* any other value, including "" (S3) */
}

/* Checks the block, or while it is incomplete the part received so far: a
 * string cut short is accepted if it could still grow into a valid one. */
static int check_block(struct block_walk *w, size_t len, struct sg_error *err)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nul = memchr(w->block + pos, '\0', len - pos);
		bool whole = nul != NULL;
		size_t n = whole ? (size_t)(nul - (w->block + pos)) : len - pos;

		if (!whole && w->complete)
			return sg_fail(err, "SCGI header block does not end with NUL (S2)");
		int rc = w->strings % 2 == 0 ? check_name(w, pos, n, whole, err)
					     : check_value(w, pos, n, whole, err);
		if (rc < 0)
			return -1;
		w->strings++;
		pos += n + 1;
	}
	if (!w->complete)
		return 0;
	if (w->strings == 0)
		return sg_fail(err, "SCGI header block is empty: no CONTENT_LENGTH (S2)");
	if (w->strings % 2 != 0)
		return sg_fail(err, "SCGI header block has a name without a value (S2)");
	if (!w->scgi_seen)
		return sg_fail(err, "SCGI header block has no SCGI=1 (S2)");
	return 0;
}

enum sg_scgi_status sg_scgi_parse(const char *buf, size_t len, size_t max_head,
				  struct sg_scgi_head *out, struct sg_error *err)
{
	size_t block_len = 0, colon = 0;
	enum sg_scgi_status st = parse_length(buf, len, max_head, &block_len, &colon, err);
	if (st != SG_SCGI_OK)
		return st;

	struct name_set names; /* not zeroed whole: name_set_init clears what it uses */
	struct block_walk w = { .block = buf + colon + 1, .names = &names };
	size_t have = len - colon - 1;
	w.complete = have >= block_len;
	size_t walk_len = w.complete ? block_len : have;
	name_set_init(&names, w.block, walk_len);
	if (check_block(&w, walk_len, err) < 0)
		return SG_SCGI_INVALID;
	if (have <= block_len)
		return SG_SCGI_PARTIAL; /* the rest of the block, or the ',' */
	if (w.block[block_len] != ',') {
		sg_fail(err, "SCGI netstring does not end with ',' (S1)");
		return SG_SCGI_INVALID;
	}

	out->headers = w.block;
	out->headers_len = block_len;
	out->consumed = colon + 1 + block_len + 1;
	out->content_length = w.content_length;
	return SG_SCGI_OK;
}
