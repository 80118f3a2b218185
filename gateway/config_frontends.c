/* frontends = [ "www-data" ]: the uids that may connect to every shared
 * listener on a Unix socket (peer_check.c), besides root and the gateway's
 * own uid. Entries are user names (looked up by sg_config_resolve) or uids;
 * ( ) mixes both, since a libconfig array [ ] holds one type only. */
#include "config_internal.h"

#include <stdint.h>

static void parse_entry(struct parse_ctx *c, const config_setting_t *s, struct sg_frontends *f)
{
	if (f->n == SG_MAX_ALLOW_UIDS) {
		cfg_problem(c, s, "frontends holds at most %d entries", SG_MAX_ALLOW_UIDS);
		return;
	}
	int i = f->n;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (!cfg_get_string(c, s, "frontends entry", f->names[i], sizeof f->names[i]))
			return;
		if (f->names[i][0] == '\0') {
			cfg_problem(c, s, "frontends entries must not be empty");
			return;
		}
		f->uids[i] = (uid_t)-1;
	} else {
		long long uid;
		if (!cfg_get_int(c, s, "frontends entry", 0, (long long)UINT32_MAX - 1, &uid))
			return;
		f->names[i][0] = '\0';
		f->uids[i] = (uid_t)uid;
	}
	f->n++;
}

void cfg_parse_frontends(struct parse_ctx *c, const config_setting_t *s, struct sg_config *cfg)
{
	struct sg_frontends *f = &cfg->frontends;
	f->set = true;
	f->line = cfg_line_of(s);
	if (config_setting_is_array(s) || config_setting_is_list(s)) {
		int n = config_setting_length(s);
		for (int i = 0; i < n; i++)
			parse_entry(c, config_setting_get_elem(s, (unsigned)i), f);
	} else {
		parse_entry(c, s, f);
	}
}
