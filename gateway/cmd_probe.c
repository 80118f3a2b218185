/* `sandgate check --probe`: which of the sandbox's layers this host can
 * provide (sandbox/probe.c tries each), one line each on stdout, then
 * "probe: ok", or "probe: missing: ..." naming each default layer that
 * is not there, in which case no cell could start. */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/probe.h"

int sg_cmd_probe(void)
{
	struct sg_probe p;
	char missing[512] = "";
	sg_probe_run(&p, geteuid() == 0);
	for (int i = 0; i < p.n; i++) {
		const struct sg_probe_line *l = &p.line[i];
		printf("%s: %s\n", l->name, l->text);
		if (l->required && !l->ok) {
			size_t len = strlen(missing);
			snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "",
				 l->name);
		}
	}
	if (missing[0] == '\0') {
		printf("probe: ok\n");
		return 0;
	}
	printf("probe: missing: %s\n", missing);
	fflush(stdout);
	fprintf(stderr, "sandgate check: this host cannot start a cell: missing %s\n", missing);
	return 1;
}
