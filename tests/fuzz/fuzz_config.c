/* libFuzzer harness for the configuration parser (sg_config_parse): any
 * text gives either a configuration or diagnostics, each "FILE:...". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct sg_config cfg = { 0 };
	struct sg_diags d = { 0 };
	int rc = sg_config_parse(text, "fuzz.conf", &cfg, &d);
	if ((rc == 0) != (d.n == 0))
		abort();
	for (int i = 0; i < d.n; i++)
		if (strncmp(d.msg[i], "fuzz.conf", 9) != 0)
			abort();
	sg_diags_free(&d);
	sg_config_free(&cfg);
	free(text);
	return 0;
}
