/* libFuzzer harness for a hosted user's apps file (config_user_apps.c):
 * any text is refused with diagnostics naming the file, or gives apps
 * that all run as the owner, under /~OWNER, within the ceilings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/config_users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SYSTEM[] =
	"listeners = ( { scgi = \"unix:/run/sg.sock\"; } );\n"
	"apps = ( { name = \"site\"; module = \"/srv/site.py\"; } );\n"
	"users = { allow = [\"u\"]; limits = { memory = \"64M\"; pids = 32; cpu = 0.5;\n"
	"  processes = 2; timeout = 30; networks = [\"none\", \"loopback\"];\n"
	"  hosts = [\"*.example.com\"]; max_apps = 3; over = \"clamp\"; }; };\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sg_config sys;
	static bool ready;
	struct sg_diags d = { 0 }, w = { 0 };
	if (!ready) {
		if (sg_config_parse_at(SYSTEM, "sys.conf", "/etc", &sys, &d) != 0)
			abort();
		ready = true;
	}
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct sg_config out;
	int rc = sg_config_parse_user_file(text, "/home/u/apps.conf", "u", "/home/u", &sys, &out,
					   &d, &w);
	if ((rc == 0) != (d.n == 0) || (rc != 0 && out.n_apps != 0))
		abort();
	for (int i = 0; i < d.n; i++)
		if (strncmp(d.msg[i], "/home/u/apps.conf", 17) != 0)
			abort();
	for (int i = 0; i < out.n_apps; i++) {
		const struct sg_app_conf *a = &out.apps[i];
		if (strcmp(a->user, "u") != 0 || strncmp(a->name, "u~", 2) != 0 ||
		    strncmp(a->prefix, "/~u", 3) != 0 || (a->prefix[3] != '\0' && a->prefix[3] != '/') ||
		    a->memory > (64LL << 20) || a->memory <= 0 || a->pids > 32 || a->pids <= 0 ||
		    a->cpu_us > 50000 || a->cpu_us <= 0 || a->processes > 2 || a->timeout > 30 ||
		    a->has_socket || a->log[0] || a->access_log[0] || !a->seccomp ||
		    a->network == SG_NET_HOST || out.n_apps > 3)
			abort();
	}
	sg_diags_free(&d);
	sg_diags_free(&w);
	sg_config_free(&out);
	free(text);
	return 0;
}
