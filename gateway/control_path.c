#include "control_path.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int put(char *out, size_t size, struct sg_error *err, const char *dir, const char *rest)
{
	int n = snprintf(out, size, "%s%s", dir, rest);
	if (n < 0 || (size_t)n >= size)
		return sg_fail(err, "control socket path %s%s is too long", dir, rest);
	return 0;
}

int sg_control_path_for(uid_t uid, const char *xdg, const char *home, char *out, size_t size,
			struct sg_error *err)
{
	if (uid == 0)
		return put(out, size, err, SG_CONTROL_SYSTEM_PATH, "");
	if (xdg != NULL && xdg[0] == '/')
		return put(out, size, err, xdg, "/sandgate/control.sock");
	if (home != NULL && home[0] == '/')
		return put(out, size, err, home, "/.local/state/sandgate/control.sock");
	return sg_fail(err, "no default control socket: neither XDG_RUNTIME_DIR nor a home "
			    "directory is known");
}

int sg_control_default_path(char *out, size_t size, struct sg_error *err)
{
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char buf[1024];
	if ((home == NULL || home[0] != '/') &&
	    getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res != NULL)
		home = res->pw_dir;
	return sg_control_path_for(geteuid(), getenv("XDG_RUNTIME_DIR"), home, out, size, err);
}
