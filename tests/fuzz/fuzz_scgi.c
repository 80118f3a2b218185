/* libFuzzer harness for the SCGI head parser (protocols.md S1-S4).
 *
 * Besides "no crash", it checks what the parser promises: an accepted head
 * lies inside the input, its block iterates cleanly from CONTENT_LENGTH
 * to the end with no name twice, SCGI is "1", and one byte less would have
 * been PARTIAL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/envblock.h"
#include "gateway/scgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No name of the block appears again after pos (S2's duplicate check). */
static void check_unique(const struct sg_scgi_head *h, size_t pos, const char *name,
			 size_t name_len)
{
	const char *other, *value;
	size_t other_len, value_len;

	while (sg_envblock_next(h->headers, h->headers_len, &pos, &other, &other_len, &value,
				&value_len))
		if (other_len == name_len && memcmp(other, name, name_len) == 0)
			abort();
}

static void check_block(const struct sg_scgi_head *h)
{
	const char *name, *value;
	size_t name_len, value_len, pos = 0, pairs = 0;

	while (sg_envblock_next(h->headers, h->headers_len, &pos, &name, &name_len, &value,
				&value_len)) {
		if (pairs == 0 && (name_len != 14 || memcmp(name, "CONTENT_LENGTH", 14) != 0))
			abort();
		check_unique(h, pos, name, name_len);
		pairs++;
	}
	if (pos != h->headers_len || pairs == 0 || pairs > SG_SCGI_MAX_VARS)
		abort();
	const char *scgi = sg_envblock_get(h->headers, h->headers_len, "SCGI", &value_len);
	if (scgi == NULL || value_len != 1 || scgi[0] != '1')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sg_scgi_head h;
	struct sg_error err;

	if (sg_scgi_parse(buf, size, SG_SCGI_DEFAULT_MAX_HEAD, &h, &err) != SG_SCGI_OK)
		return 0;
	if (h.consumed > size || h.headers < buf ||
	    h.headers + h.headers_len + 1 != buf + h.consumed || buf[h.consumed - 1] != ',')
		abort();
	check_block(&h);
	if (sg_scgi_parse(buf, h.consumed - 1, SG_SCGI_DEFAULT_MAX_HEAD, &h, &err) !=
	    SG_SCGI_PARTIAL)
		abort();
	return 0;
}
