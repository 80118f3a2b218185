/* Order of the steps, and why:
 *
 * The cell's first process starts in its new user namespace with every
 * capability of that namespace (permitted, effective and a full bounding
 * set); nothing is mapped to uid 0 there, so the kernel's "root" rules
 * never apply to it, and its capabilities count only inside the cell's
 * namespaces.
 *
 * 1. securebits, first: PR_SET_SECUREBITS needs CAP_SETPCAP, and once set
 *    and locked they hold for the cell's whole life, across exec.
 *    NO_SETUID_FIXUP means the uid switch below keeps the capabilities
 *    instead of silently clearing them (whether that fixup happened would
 *    depend on how the ids are mapped); step 5 drops them explicitly.
 * 2. the bounding set, also needs CAP_SETPCAP: afterwards no exec can
 *    grant a capability, whatever the file says.
 * 3. groups, gid, uid: need CAP_SETGID / CAP_SETUID, still there.
 * 4. the ambient set: needs nothing; NO_CAP_AMBIENT_RAISE keeps it empty.
 * 5. permitted, effective, inheritable: last, since it gives up the
 *    capabilities the steps before needed.
 * 6. no_new_privs: setuid/setgid bits and file capabilities give nothing
 *    on exec; it needs no capability and cannot be unset. */
#include "sandbox/creds.h"

#include <errno.h>
#include <grp.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define CELL_SECUREBITS                                                              \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |            \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |                  \
	 SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/* Every capability the running kernel knows (cap_max_bits() asks it, so a
 * kernel newer than our headers is covered). If the kernel still reports
 * one beyond that, fail rather than leave it in the set. */
static const char *drop_bounding_set(void)
{
	cap_value_t n = cap_max_bits();
	for (cap_value_t c = 0; c < n; c++)
		if (cap_drop_bound(c) < 0)
			return "cap_drop_bound";
	if (cap_get_bound(n) >= 0) {
		errno = ERANGE;
		return "cap_drop_bound: the kernel has capabilities libcap does not know";
	}
	return NULL;
}

static const char *clear_capabilities(void)
{
	cap_t none = cap_init(); /* all three flags clear */
	if (none == NULL)
		return "cap_init";
	int rc = cap_set_proc(none);
	int saved = errno;
	cap_free(none);
	errno = saved;
	return rc < 0 ? "cap_set_proc (clear permitted/effective/inheritable)" : NULL;
}

const char *sg_creds_clear_groups(bool as_root)
{
	return as_root && setgroups(0, NULL) < 0 ? "setgroups(0)" : NULL;
}

static const char *switch_ids(uid_t uid, gid_t gid)
{
	if (setresgid(gid, gid, gid) < 0)
		return "setresgid";
	if (setresuid(uid, uid, uid) < 0)
		return "setresuid";
	return NULL;
}

const char *sg_creds_drop(uid_t uid, gid_t gid)
{
	const char *step;
	if (prctl(PR_SET_SECUREBITS, CELL_SECUREBITS, 0, 0, 0) < 0)
		return "prctl(PR_SET_SECUREBITS)";
	if ((step = drop_bounding_set()) != NULL || (step = switch_ids(uid, gid)) != NULL)
		return step;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
	if ((step = clear_capabilities()) != NULL)
		return step;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return "prctl(PR_SET_NO_NEW_PRIVS)";
	return NULL;
}
