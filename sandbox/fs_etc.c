/* The /etc files a cell gets generated rather than bound (pure): passwd
 * and group name only the cell's own user and group, so that the host's
 * accounts (and their home directories) stay unknown inside; hosts names
 * only the loopback; nsswitch.conf sends every lookup to these files and
 * DNS. */
#include "sandbox/fs_internal.h"

#include <stdio.h>
#include <string.h>

bool sg_fs_etc_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63 || name[0] == '-' || name[0] == '+')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == ':' || c == ',' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static int fit(int n, size_t cap)
{
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* The home directory is "/": it exists, and nothing of the host's /home. */
int sg_fs_etc_passwd(char *buf, size_t cap, const char *user, uid_t uid, gid_t gid)
{
	if (!sg_fs_etc_name_ok(user))
		return -1;
	return fit(snprintf(buf, cap, "%s:x:%u:%u::/:/usr/sbin/nologin\n", user, (unsigned)uid,
			    (unsigned)gid), cap);
}

int sg_fs_etc_group(char *buf, size_t cap, const char *group, gid_t gid)
{
	if (!sg_fs_etc_name_ok(group))
		return -1;
	return fit(snprintf(buf, cap, "%s:x:%u:\n", group, (unsigned)gid), cap);
}

int sg_fs_etc_hosts(char *buf, size_t cap)
{
	return fit(snprintf(buf, cap, "127.0.0.1\tlocalhost\n"
				      "::1\tlocalhost ip6-localhost ip6-loopback\n"), cap);
}

int sg_fs_etc_nsswitch(char *buf, size_t cap)
{
	return fit(snprintf(buf, cap, "passwd: files\n"
				      "group: files\n"
				      "shadow: files\n"
				      "hosts: files dns\n"
				      "networks: files\n"
				      "protocols: files\n"
				      "services: files\n"), cap);
}
