/* Landlock, the last layer before the exec: path rules that say again,
 * per access right, what the mount view already allows (so a mount that
 * goes wrong, or a kernel bug in one of them, does not open the other),
 * TCP port rules for network = "host" (no other layer has them), and
 * scoping, so that the cell cannot signal, or reach an abstract Unix
 * socket of, a process outside it even if it shares its namespaces.
 *
 * Everything the running kernel's ABI can restrict is restricted: the
 * handled rights are the ABI's whole set, and a right no rule grants is
 * denied. The raw system calls: glibc has no wrappers. */
#include "sandbox/landlock.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gateway/config.h" /* SG_PORTS_ANY */
#include "sandbox/landlock_internal.h"

int sg_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi > 0)
		return (int)abi;
	/* ENOSYS: not built in; EOPNOTSUPP: off at boot. Any other failure
	 * is not an answer, and must not pass for "no Landlock". */
	return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -1;
}

uint64_t sg_ll_fs_rights(int abi)
{
	uint64_t rights = (LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: EXECUTE .. MAKE_SYM */
	if (abi >= 2)
		rights |= LL_FS_REFER;
	if (abi >= 3)
		rights |= LL_FS_TRUNCATE;
	if (abi >= 5)
		rights |= LL_FS_IOCTL_DEV;
	return rights;
}

static bool has_port_rules(const struct sg_landlock *ll)
{
	return ll->n_bind_ports != SG_PORTS_ANY || ll->n_connect_ports != SG_PORTS_ANY;
}

static const char *add_ports(int ruleset, uint64_t access, int n, const uint16_t *ports)
{
	for (int i = 0; i < n; i++) {
		struct ll_net_port_attr rule = { .allowed_access = access, .port = ports[i] };
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &rule, 0) < 0)
			return "landlock_add_rule(TCP port)";
	}
	return NULL;
}

/* Only the directions given are handled: bind_ports alone leaves connect
 * free, and an empty list (n == 0) allows no port at all. */
static const char *add_net_rules(int ruleset, const struct sg_landlock *ll)
{
	const char *step = NULL;
	if (ll->n_bind_ports != SG_PORTS_ANY)
		step = add_ports(ruleset, LL_NET_BIND_TCP, ll->n_bind_ports, ll->bind_ports);
	if (step == NULL && ll->n_connect_ports != SG_PORTS_ANY)
		step = add_ports(ruleset, LL_NET_CONNECT_TCP, ll->n_connect_ports,
				 ll->connect_ports);
	return step;
}

static struct ll_ruleset_attr ruleset_for(const struct sg_landlock *ll, int abi)
{
	struct ll_ruleset_attr attr = { 0 };
	/* Without a view (sandbox/fs_view.h) there is nothing to follow. */
	if (ll->fs != NULL)
		attr.handled_access_fs = sg_ll_fs_rights(abi);
	if (ll->n_bind_ports != SG_PORTS_ANY)
		attr.handled_access_net |= LL_NET_BIND_TCP;
	if (ll->n_connect_ports != SG_PORTS_ANY)
		attr.handled_access_net |= LL_NET_CONNECT_TCP;
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
	return attr;
}

static const char *apply_ruleset(int ruleset, const struct sg_landlock *ll, uint64_t handled_fs)
{
	const char *step = NULL;
	if (handled_fs != 0)
		step = sg_ll_add_fs_rules(ruleset, handled_fs, ll->fs, ll->exe_fd);
	if (step == NULL)
		step = add_net_rules(ruleset, ll);
	if (step == NULL && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		step = "landlock_restrict_self";
	return step;
}

const char *sg_landlock_apply(const struct sg_landlock *ll)
{
	int abi = sg_landlock_abi();
	if (abi < 0)
		return "landlock: asking the kernel for its ABI";
	/* No Landlock: the mount view and seccomp still hold, so the cell goes
	 * on without it; port rules have no other layer, so they fail closed. */
	if (abi == 0 && !has_port_rules(ll))
		return NULL;
	if (has_port_rules(ll) && abi < 4) {
		errno = EOPNOTSUPP;
		return "landlock: bind_ports/connect_ports need Landlock ABI 4 (TCP), which this "
		       "kernel lacks";
	}
	struct ll_ruleset_attr attr = ruleset_for(ll, abi);
	if (attr.handled_access_fs == 0 && attr.handled_access_net == 0 && attr.scoped == 0)
		return NULL; /* nothing this kernel can restrict here */
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (ruleset < 0)
		return "landlock_create_ruleset";
	const char *step = apply_ruleset(ruleset, ll, attr.handled_access_fs);
	int saved = errno;
	close(ruleset);
	errno = saved;
	return step;
}
