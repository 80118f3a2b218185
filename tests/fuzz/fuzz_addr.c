/* libFuzzer harness for listener addresses (sg_addr_parse): an accepted
 * address has a family and a length that fit its sockaddr. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct sg_addr a;
	struct sg_error err;
	if (sg_addr_parse(text, &a, &err) < 0)
		return 0;
	if (a.len == 0 || a.len > sizeof a.ss)
		abort();
	if (a.is_unix != (a.ss.ss_family == AF_UNIX))
		abort();
	return 0;
}
