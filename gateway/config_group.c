/* socket_group -> gid, and who may give a socket to that group.
 *
 * The gateway creates its Unix sockets and then gives them to the group
 * (fchown). Root may give a file to any group; anyone else only to a group
 * the process is in, so a normal user's gateway is held to those. */
#include "config.h"

#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The process's effective group or one of its supplementary groups. */
static bool in_own_groups(gid_t gid)
{
	if (gid == getegid())
		return true;
	int n = getgroups(0, NULL);
	if (n <= 0)
		return false;
	gid_t *list = calloc((size_t)n, sizeof *list);
	if (list == NULL)
		return false;
	n = getgroups(n, list);
	bool found = false;
	for (int i = 0; i < n && !found; i++)
		found = list[i] == gid;
	free(list);
	return found;
}

int sg_config_lookup_group(const char *group, uid_t gateway_uid, gid_t *gid,
			   struct sg_error *err)
{
	if (sg_config_check_group(group, err) < 0)
		return -1;
	gid_t found;
	if (strspn(group, "0123456789") == strlen(group)) {
		found = (gid_t)strtoul(group, NULL, 10);
	} else {
		const struct group *gr = getgrnam(group);
		if (gr == NULL)
			return sg_fail(err, "unknown group \"%s\"", group);
		found = gr->gr_gid;
	}
	if (gateway_uid != 0 && !in_own_groups(found))
		return sg_fail(err, "group %s: only root can give a socket to a group it is not in",
			       group);
	*gid = found;
	return 0;
}
