/* The root gateway's own privileges. Once `sandgate serve` has opened its
 * listeners, the apps' sockets, the control socket and the log files of
 * the first configuration, it keeps only what building cells and
 * reloading need, found by trying (tests/integration/test_privileges.py):
 *
 *   CAP_SETUID, CAP_SETGID  write another uid's and gid's line into a new
 *                           cell's uid_map/gid_map (sandbox/spawn.c), and let
 *                           a forked helper become a hosted user.
 *   CAP_DAC_READ_SEARCH     watch an app's files for reload on touch
 *                           (app_watch.c) in homes that only their owner
 *                           may search. (The cell resolves its own paths,
 *                           sandbox/fs_resolve.c, with its own namespace's
 *                           rights over its user's files.)
 *   CAP_CHOWN               give a socket opened by a reload to its
 *                           socket_group (listener.c).
 *   CAP_NET_BIND_SERVICE    bind an app socket below port 1024 on reload.
 *
 * The gateway stays uid 0: the cgroups it creates and /run/sandgate are
 * root's, so it writes them as their owner, and it owns every cell's user
 * namespace, which lets it signal the cells (pidfd_send_signal) without
 * CAP_KILL. The price is that a compromised gateway still writes any file
 * root owns; the capabilities it gave up are those beyond ownership
 * (DAC override, mounts, modules, ptrace, raw network, ...). SECURITY.md.
 *
 * Effective = permitted = the kept set, rather than raising each one around
 * the few calls that need it: the calls are spread over the sandbox and
 * the reload path, and nothing the gateway runs is another program.
 * The bounding set shrinks to the same set and securebits are locked so
 * that nothing gets the others back: no root exec rule, no ambient
 * capabilities, and the setuid fixup stays on (a helper that becomes a
 * user loses every capability). Cells are untouched: a new user namespace
 * starts with a full set of its own. */
#include "privs.h"

#include <errno.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

static const cap_value_t kept[] = {
	CAP_SETUID, CAP_SETGID, CAP_DAC_READ_SEARCH, CAP_CHOWN, CAP_NET_BIND_SERVICE,
};
#define N_KEPT (int)(sizeof kept / sizeof kept[0])

static bool is_kept(cap_value_t c)
{
	for (int i = 0; i < N_KEPT; i++)
		if (kept[i] == c)
			return true;
	return false;
}

static int lock_securebits(struct sg_error *err)
{
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
			     SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
			     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return sg_fail_errno(err, "prctl(PR_SET_SECUREBITS)");
	return 0;
}

static int shrink_bounding(struct sg_error *err)
{
	cap_value_t n = cap_max_bits();
	for (cap_value_t c = 0; c < n; c++)
		if (!is_kept(c) && cap_drop_bound(c) < 0)
			return sg_fail_errno(err, "dropping %s from the bounding set", cap_to_name(c));
	return 0;
}

static int set_kept(struct sg_error *err)
{
	cap_t caps = cap_init();
	if (caps == NULL)
		return sg_fail_errno(err, "cap_init");
	int rc = cap_set_flag(caps, CAP_PERMITTED, N_KEPT, kept, CAP_SET);
	if (rc == 0)
		rc = cap_set_flag(caps, CAP_EFFECTIVE, N_KEPT, kept, CAP_SET);
	if (rc == 0)
		rc = cap_set_proc(caps);
	int saved = errno;
	cap_free(caps);
	errno = saved;
	if (rc < 0)
		return sg_fail_errno(err, "setting the kept capabilities");
	return 0;
}

int sg_privs_drop(struct sg_error *err)
{
	if (geteuid() != 0)
		return 0; /* user mode: nothing to give up */
	if (cap_reset_ambient() < 0)
		return sg_fail_errno(err, "clearing the ambient capabilities");
	if (lock_securebits(err) < 0 || shrink_bounding(err) < 0 || set_kept(err) < 0)
		return -1;
	sg_debug("kept capabilities: setuid, setgid, dac_read_search, chown, net_bind_service");
	return 0;
}
