#include "gateway/worker/app_spec.h"

#include <stdio.h>
#include <string.h>

/* A dotted Python name: "app", "factory.app". */
static bool is_dotted_name(const char *s)
{
	bool start = true;
	for (; *s != '\0'; s++) {
		bool alpha = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_';
		bool digit = *s >= '0' && *s <= '9';
		if (*s == '.' && !start) {
			start = true;
			continue;
		}
		if (!alpha && !(digit && !start))
			return false;
		start = false;
	}
	return !start;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int sg_app_spec_parse(const char *text, struct sg_app_spec *spec, struct sg_error *err)
{
	memset(spec, 0, sizeof *spec);
	if (snprintf(spec->target, sizeof spec->target, "%s", text) >= (int)sizeof spec->target)
		return sg_fail(err, "--app is too long");
	/* A path may contain ':' itself; only a name after the last one counts. */
	char *colon = strrchr(spec->target, ':');
	if (colon != NULL && is_dotted_name(colon + 1)) {
		if (strlen(colon + 1) >= sizeof spec->callable)
			return sg_fail(err, "--app: the callable name is too long");
		strcpy(spec->callable, colon + 1);
		*colon = '\0';
	}
	spec->is_path = strchr(spec->target, '/') != NULL || ends_with(spec->target, ".py");
	if (spec->target[0] == '\0')
		return sg_fail(err, "--app \"%s\" names no file or module", text);
	if (spec->is_path && !ends_with(spec->target, ".py"))
		return sg_fail(err, "--app \"%s\": a file must end in .py", text);
	if (!spec->is_path && !is_dotted_name(spec->target))
		return sg_fail(err, "--app \"%s\" is neither a .py file nor a module name", text);
	return 0;
}
