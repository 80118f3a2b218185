#include "sandbox/creds.h"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

const char *sg_creds_drop(uid_t uid, gid_t gid, bool as_root)
{
	if (as_root && setgroups(0, NULL) < 0)
		return "setgroups(0)";
	if (setresgid(gid, gid, gid) < 0)
		return "setresgid";
	if (setresuid(uid, uid, uid) < 0)
		return "setresuid";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return "prctl(PR_SET_NO_NEW_PRIVS)";
	return NULL;
}
