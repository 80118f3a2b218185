/* The system file's `cgi` group (config_cgi.h): who may run CGI scripts,
 * where scripts may live, and the limits of each user's CGI app. Pure.
 *
 *   cgi = { allow = ["sg-alice"]; roots = ["public_html/cgi-bin"];
 *           extensions = [".py", ".cgi"]; timeout = 30; max_writable = 4; };
 */
#include "config_cgi.h"
#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_cgi_conf_defaults(struct sg_cgi_conf *cgi)
{
	static const char *const extensions[] = { ".cgi", ".py", ".pl", ".sh" };
	memset(cgi, 0, sizeof *cgi);
	cgi->min_uid = SG_CGI_DEFAULT_MIN_UID;
	cgi->min_gid = SG_CGI_DEFAULT_MIN_GID;
	snprintf(cgi->userdir, sizeof cgi->userdir, "public_html");
	/* The scope of the documented handler (<Directory ~/public_html/cgi-bin>,
	 * nginx's /~USER/cgi-bin/): not every .py of a user's web tree. */
	cgi->n_roots = 1;
	snprintf(cgi->roots[0], sizeof cgi->roots[0], "public_html/cgi-bin");
	cgi->n_extensions = 4;
	for (int i = 0; i < 4; i++)
		snprintf(cgi->extensions[i], sizeof cgi->extensions[i], "%s", extensions[i]);
	cgi->timeout = 30;
	cgi->processes = 2;
	cgi->queue = 16;
	cgi->idle_timeout = 60;
	cgi->memory = 256LL << 20;
	cgi->pids = 64;
	cgi->cpu_us = SG_CPU_PERIOD_US;
	cgi->network = SG_NET_NONE;
	cgi->tmp_size = SG_DEFAULT_TMP_SIZE;
	cgi->max_writable = 4;
}

static bool valid_name(const char *s)
{
	return s[0] != '\0' && s[0] != '-' && strpbrk(s, " /:~%") == NULL;
}

static bool one_allow(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_cgi_conf *cgi = arg;
	if (!cfg_get_string(c, e, "cgi.allow entry", cgi->allow[i], SG_NAME_MAX))
		return false;
	if (!valid_name(cgi->allow[i])) {
		cfg_problem(c, e, "cgi.allow entry \"%s\" is not a valid user name", cgi->allow[i]);
		return false;
	}
	for (int k = 0; k < i; k++)
		if (strcmp(cgi->allow[k], cgi->allow[i]) == 0) {
			/* Each user has one CGI app. */
			cfg_problem(c, e, "cgi.allow names \"%s\" twice", cgi->allow[i]);
			return false;
		}
	return true;
}

/* A relative path without "..", "." or "//" segments and no trailing '/'. */
bool cfg_cgi_clean_relative(const char *p)
{
	size_t len = strlen(p);
	if (len == 0 || p[0] == '/' || p[len - 1] == '/' || strstr(p, "//") != NULL)
		return false;
	for (const char *seg = p; *seg != '\0';) {
		size_t n = strcspn(seg, "/");
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		seg += n + (seg[n] == '/');
	}
	return true;
}

/* "public_html" (relative to each home) or "/srv/www/%u/cgi-bin". */
static bool one_root(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_cgi_conf *cgi = arg;
	char *r = cgi->roots[i];
	if (!cfg_get_string(c, e, "cgi.roots entry", r, sizeof cgi->roots[0]))
		return false;
	const char *pct = strchr(r, '%');
	bool pattern_ok = pct == NULL || (pct[1] == 'u' && strchr(pct + 1, '%') == NULL);
	bool ok = r[0] == '/' ? strstr(r, "%u") != NULL && strcmp(r, "/%u") != 0 &&
					cfg_cgi_clean_relative(r + 1)
			      : cfg_cgi_clean_relative(r);
	if (!ok || !pattern_ok) {
		cfg_problem(c, e, "cgi.roots entry \"%s\" must be a directory relative to each "
			    "user's home (\"public_html\") or an absolute one holding %%u, the "
			    "user's name (\"/srv/www/%%u/cgi-bin\"); no \"..\", no trailing '/'", r);
		return false;
	}
	return true;
}

/* ".py": a dot and up to 14 letters, digits, '_' or '-'; or "". */
bool cfg_cgi_valid_extension(const char *x)
{
	size_t len = strlen(x);
	if (len == 0)
		return true;
	if (x[0] != '.' || len < 2 || len >= SG_CGI_EXTENSION_MAX)
		return false;
	return strspn(x + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
	       len - 1;
}

static bool one_extension(struct parse_ctx *c, const config_setting_t *e, int i, void *arg)
{
	struct sg_cgi_conf *cgi = arg;
	char *x = cgi->extensions[i];
	char text[64];
	if (!cfg_get_string(c, e, "cgi.extensions entry", text, sizeof text))
		return false;
	if (!cfg_cgi_valid_extension(text)) {
		cfg_problem(c, e, "cgi.extensions entry \"%s\" must be a dot and 1-14 letters, "
			    "digits, '_' or '-' (\".py\"), or \"\" for files without one", text);
		return false;
	}
	memcpy(x, text, strlen(text) + 1); /* shorter than SG_CGI_EXTENSION_MAX */
	return true;
}

struct cgi_keys {
	const config_setting_t *allow, *allow_group, *min_uid, *min_gid, *userdir, *roots,
		*extensions, *pass_authorization, *timeout, *processes, *queue, *idle_timeout,
		*memory, *pids, *cpu, *network, *tmp_size, *max_writable;
};

static void parse_limits(struct parse_ctx *c, const struct cgi_keys *k, struct sg_cgi_conf *cgi)
{
	char text[64];
	struct sg_error err;
	cfg_get_int_into(c, k->timeout, "cgi.timeout", 1, SG_MAX_TIMEOUT, &cgi->timeout);
	cfg_get_int_into(c, k->processes, "cgi.processes", 1, SG_MAX_PROCESSES, &cgi->processes);
	cfg_get_int_into(c, k->queue, "cgi.queue", 0, SG_MAX_QUEUE, &cgi->queue);
	/* Always on demand: a cell per allowed user would idle for nothing. */
	cfg_get_int_into(c, k->idle_timeout, "cgi.idle_timeout", 1, SG_MAX_IDLE_TIMEOUT,
			 &cgi->idle_timeout);
	cfg_get_int_into(c, k->max_writable, "cgi.max_writable", 0, SG_MAX_WRITABLE,
			 &cgi->max_writable);
	cgi->memory_given = k->memory != NULL;
	cgi->pids_given = k->pids != NULL;
	cgi->cpu_given = k->cpu != NULL;
	if (k->memory != NULL &&
	    cfg_get_limit_text(c, k->memory, "cgi.memory", "bytes or a string such as \"256M\"",
			       text, sizeof text) &&
	    sg_config_parse_memory(text, &cgi->memory, &err) < 0)
		cfg_problem(c, k->memory, "cgi.memory: %s", err.msg);
	if (k->pids != NULL &&
	    cfg_get_limit_text(c, k->pids, "cgi.pids", "an integer or \"max\"", text, sizeof text) &&
	    sg_config_parse_pids(text, &cgi->pids, &err) < 0)
		cfg_problem(c, k->pids, "cgi.pids: %s", err.msg);
	if (k->cpu != NULL && config_setting_type(k->cpu) == CONFIG_TYPE_FLOAT) {
		snprintf(text, sizeof text, "%.5f", config_setting_get_float(k->cpu));
		if (sg_config_parse_cpu(text, &cgi->cpu_us, &err) < 0)
			cfg_problem(c, k->cpu, "cgi.cpu: %s", err.msg);
	} else if (k->cpu != NULL &&
	    cfg_get_limit_text(c, k->cpu, "cgi.cpu", "a number such as 0.5 or a string such as "
			       "\"50%\"", text, sizeof text) &&
	    sg_config_parse_cpu(text, &cgi->cpu_us, &err) < 0)
		cfg_problem(c, k->cpu, "cgi.cpu: %s", err.msg);
	if (k->tmp_size != NULL &&
	    cfg_get_limit_text(c, k->tmp_size, "cgi.tmp_size", "a string such as \"64M\"", text,
			       sizeof text) &&
	    sg_config_parse_tmp_size(text, &cgi->tmp_size, &err) < 0)
		cfg_problem(c, k->tmp_size, "cgi.tmp_size: %s", err.msg);
	if (k->network != NULL && cfg_get_string(c, k->network, "cgi.network", text, sizeof text) &&
	    sg_config_parse_network(text, &cgi->network, &err) < 0)
		cfg_problem(c, k->network, "cgi.%s", err.msg);
	if (sg_config_check_pids(cgi->pids, cgi->processes, &err) < 0)
		cfg_problem(c, k->pids != NULL ? k->pids : k->processes, "cgi.%s", err.msg);
}

static void parse_who(struct parse_ctx *c, const config_setting_t *s, const struct cgi_keys *k,
		      struct sg_cgi_conf *cgi)
{
	long long v;
	if (k->allow != NULL)
		cgi->n_allow = cfg_each_string(c, k->allow, "cgi.allow", SG_CGI_MAX_ALLOW, one_allow,
					       cgi);
	if (k->allow_group != NULL &&
	    cfg_get_string(c, k->allow_group, "cgi.allow_group", cgi->allow_group,
			   sizeof cgi->allow_group) &&
	    !valid_name(cgi->allow_group))
		cfg_problem(c, k->allow_group, "cgi.allow_group \"%s\" is not a valid group name",
			    cgi->allow_group);
	if (k->allow == NULL && k->allow_group == NULL)
		cfg_problem(c, s, "cgi needs allow = [\"user\", ...] or allow_group = \"group\"");
	/* 0 is never allowed: root's scripts must not run, whatever the file says. */
	if (k->min_uid != NULL && cfg_get_int(c, k->min_uid, "cgi.min_uid", 1, 4294967294LL, &v))
		cgi->min_uid = v;
	if (k->min_gid != NULL && cfg_get_int(c, k->min_gid, "cgi.min_gid", 1, 4294967294LL, &v))
		cgi->min_gid = v;
}

static void parse_where(struct parse_ctx *c, const struct cgi_keys *k, struct sg_cgi_conf *cgi)
{
	if (k->userdir != NULL &&
	    cfg_get_string(c, k->userdir, "cgi.userdir", cgi->userdir, sizeof cgi->userdir) &&
	    (!cfg_cgi_clean_relative(cgi->userdir) || strchr(cgi->userdir, '%') != NULL))
		cfg_problem(c, k->userdir, "cgi.userdir must be a directory relative to each "
			    "user's home (\"public_html\"), without \"..\", got \"%s\"",
			    cgi->userdir);
	if (k->roots != NULL) {
		cgi->n_roots = cfg_each_string(c, k->roots, "cgi.roots", SG_MAX_CGI_ROOTS, one_root,
					       cgi);
		if (cgi->n_roots == 0 && config_setting_length(k->roots) == 0)
			cfg_problem(c, k->roots, "cgi.roots needs at least one directory");
	}
	if (k->extensions != NULL) {
		cgi->n_extensions = cfg_each_string(c, k->extensions, "cgi.extensions",
						    SG_MAX_CGI_EXTENSIONS, one_extension, cgi);
		if (cgi->n_extensions == 0 && config_setting_length(k->extensions) == 0)
			cfg_problem(c, k->extensions, "cgi.extensions needs at least one entry "
				    "(\"\" allows files without an extension)");
	}
	if (k->pass_authorization != NULL) {
		if (config_setting_type(k->pass_authorization) != CONFIG_TYPE_BOOL)
			cfg_problem(c, k->pass_authorization, "cgi.pass_authorization must be true "
				    "or false, not %s", cfg_type_name(k->pass_authorization));
		else
			cgi->pass_authorization = config_setting_get_bool(k->pass_authorization);
	}
}

void cfg_parse_cgi(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	struct cgi_keys k = { 0 };
	struct cfg_key keys[] = {
		{ "allow", &k.allow }, { "allow_group", &k.allow_group }, { "min_uid", &k.min_uid },
		{ "min_gid", &k.min_gid }, { "userdir", &k.userdir }, { "roots", &k.roots },
		{ "extensions", &k.extensions }, { "pass_authorization", &k.pass_authorization },
		{ "timeout", &k.timeout }, { "processes", &k.processes }, { "queue", &k.queue },
		{ "idle_timeout", &k.idle_timeout }, { "memory", &k.memory }, { "pids", &k.pids },
		{ "cpu", &k.cpu }, { "network", &k.network }, { "tmp_size", &k.tmp_size },
		{ "max_writable", &k.max_writable },
	};
	if (!config_setting_is_group(s)) {
		cfg_problem(c, s, "cgi must be a group { allow = [\"name\"]; ... }, not %s",
			    cfg_type_name(s));
		return;
	}
	struct sg_cgi_conf *cgi = malloc(sizeof *cgi);
	if (cgi == NULL) {
		cfg_problem(c, s, "out of memory");
		return;
	}
	sg_cgi_conf_defaults(cgi);
	cgi->line = cfg_line_of(s);
	cfg->cgi = cgi;
	cfg_match_keys(c, s, keys, CFG_N_KEYS(keys), "cgi");
	parse_who(c, s, &k, cgi);
	parse_where(c, &k, cgi);
	parse_limits(c, &k, cgi);
}
