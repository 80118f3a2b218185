/* libFuzzer harness for a hosted user's apps file (config_user_apps.c):
 * any text is refused with diagnostics naming the file, or gives apps
 * that all run as the owner, under /~OWNER or on a host the admin's
 * patterns allow, within the ceilings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/config_cgi.h"
#include "gateway/config_users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SYSTEM[] =
	"listeners = ( { scgi = \"unix:/run/sg.sock\"; } );\n"
	"apps = ( { name = \"site\"; module = \"/srv/site.py\"; } );\n"
	"users = { allow = [\"u\"]; limits = { memory = \"64M\"; pids = 32; cpu = 0.5;\n"
	"  processes = 2; timeout = 30; networks = [\"none\", \"loopback\"];\n"
	"  hosts = [\"*.example.com\"]; max_apps = 3; over = \"clamp\"; }; };\n"
	"cgi = { allow = [\"u\"]; roots = [\"public_html\", \"/srv/%u/cgi\"];\n"
	"  extensions = [\".py\", \"\"]; timeout = 20; max_writable = 2; };\n";

/* A user's cgi group (config_user_cgi.c) stays within the admin's. */
static void check_cgi(const struct sg_cgi_conf *m)
{
	if (m->timeout > 20 || m->timeout < 1 || m->n_writable > 2 || m->n_roots < 1)
		abort();
	for (int i = 0; i < m->n_roots; i++)
		if (!sg_cgi_path_beneath(m->roots[i], "/home/u/public_html") &&
		    !sg_cgi_path_beneath(m->roots[i], "/srv/u/cgi"))
			abort();
	for (int i = 0; i < m->n_extensions; i++)
		if (strcmp(m->extensions[i], ".py") != 0 && m->extensions[i][0] != '\0')
			abort();
	for (int i = 0; i < m->n_writable; i++) {
		if (!sg_cgi_path_beneath(m->writable[i], "/home/u") ||
		    strcmp(m->writable[i], "/home/u") == 0)
			abort();
		for (int r = 0; r < m->n_roots; r++)
			if (sg_cgi_path_beneath(m->writable[i], m->roots[r]) ||
			    sg_cgi_path_beneath(m->roots[r], m->writable[i]))
				abort();
	}
}

/* A host of the admin's "*.example.com" holds any path; else /~u. */
static bool route_allowed(const struct sg_app_conf *a)
{
	if (a->host[0] != '\0') {
		size_t n = strcspn(a->host, ":"), tail = strlen(".example.com");
		return n > tail && strncasecmp(a->host + n - tail, ".example.com", tail) == 0;
	}
	return strncmp(a->prefix, "/~u", 3) == 0 && (a->prefix[3] == '\0' || a->prefix[3] == '/');
}

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
	if (out.cgi != NULL)
		check_cgi(out.cgi);
	for (int i = 0; i < out.n_apps; i++) {
		const struct sg_app_conf *a = &out.apps[i];
		if (strcmp(a->user, "u") != 0 || strncmp(a->name, "u~", 2) != 0 || !route_allowed(a) ||
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
