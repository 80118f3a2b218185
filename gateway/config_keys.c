/* A group's settings matched against the names it may hold, with a
 * "did you mean" for a near miss; and lists of groups. */
#include "config_internal.h"

#include <stdio.h>
#include <string.h>

static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 31 || lb > 31)
		return 99;
	int row[32];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_setting(struct parse_ctx *c, const config_setting_t *s,
			    const struct cfg_key *keys, size_t n_keys, const char *in_what)
{
	const char *name = config_setting_name(s);
	const char *nearest = NULL;
	int nearest_distance = 3;
	for (size_t i = 0; i < n_keys; i++) {
		int distance = edit_distance(name, keys[i].name);
		if (distance < nearest_distance) {
			nearest = keys[i].name;
			nearest_distance = distance;
		}
	}
	char hint[64] = "";
	if (nearest != NULL)
		snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", nearest);
	cfg_problem_at(c, cfg_line_of(s), "unknown setting \"%s\"%s%s%s", name,
		       in_what[0] != '\0' ? " in " : "", in_what, hint);
}

/* Points each key's slot at the member of that name; any other member is
 * an unknown setting. libconfig has already refused duplicates. */
void cfg_match_keys(struct parse_ctx *c, const config_setting_t *group, struct cfg_key *keys,
		    size_t n_keys, const char *in_what)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		size_t k = 0;
		while (k < n_keys && strcmp(keys[k].name, config_setting_name(s)) != 0)
			k++;
		if (k < n_keys)
			*keys[k].slot = s;
		else
			unknown_setting(c, s, keys, n_keys, in_what);
	}
}


int cfg_group_list_length(struct parse_ctx *c, const config_setting_t *s, const char *what,
			  const char *example, int max)
{
	if (!config_setting_is_list(s)) {
		cfg_problem(c, s, "%s must be a list of groups: %s = ( %s );", what, what, example);
		return -1;
	}
	int n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (!config_setting_is_group(e)) {
			cfg_problem(c, e, "each %s entry must be a group { ... }, not %s", what,
				    cfg_type_name(e));
			return -1;
		}
	}
	if (n > max) {
		cfg_problem(c, s, "at most %d %s are supported, got %d", max, what, n);
		n = max;
	}
	return n;
}
