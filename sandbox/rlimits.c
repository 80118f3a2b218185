/* Soft and hard limits are set to the same value: only lowering is
 * possible, and raising a hard limit needs CAP_SYS_RESOURCE in the initial
 * user namespace, which no cell has, so the app cannot undo them.
 *
 * RLIMIT_NPROC is deliberately not set. The kernel counts it per real uid
 * across the host (since Linux 5.14 also per user namespace, but every
 * ancestor namespace still counts all of the uid's processes), not per
 * cell: the cells of one user, and that user's own processes outside
 * sandgate, would share one budget, so a limit low enough to stop a fork
 * bomb in one cell would make fork fail in the others. A per-cell bound on
 * processes is the pids cgroup controller (pids.max), a later change. */
#include "sandbox/rlimits.h"

#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>

static int set_both(int resource, rlim_t value)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };
	return setrlimit(resource, &rl);
}

/* The configured ones. SIGXFSZ is ignored so that a write past
 * RLIMIT_FSIZE fails with EFBIG instead of killing the worker; an ignored
 * signal stays ignored across the exec. */
static const char *apply_extra(const struct sg_rlimits *x)
{
	if (x->fsize > 0 && (signal(SIGXFSZ, SIG_IGN) == SIG_ERR ||
			     set_both(RLIMIT_FSIZE, (rlim_t)x->fsize) < 0))
		return "setrlimit(RLIMIT_FSIZE)";
	if (x->as > 0 && set_both(RLIMIT_AS, (rlim_t)x->as) < 0)
		return "setrlimit(RLIMIT_AS)";
	if (x->cpu > 0 && set_both(RLIMIT_CPU, (rlim_t)x->cpu) < 0)
		return "setrlimit(RLIMIT_CPU)";
	return NULL;
}

const char *sg_rlimits_apply(const struct sg_rlimits *extra)
{
	if (set_both(RLIMIT_CORE, 0) < 0)
		return "setrlimit(RLIMIT_CORE, 0)";
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return "getrlimit(RLIMIT_NOFILE)";
	rlim_t n = nofile.rlim_max;
	if (n == RLIM_INFINITY || n > SG_RLIMIT_NOFILE_MAX)
		n = SG_RLIMIT_NOFILE_MAX;
	if (set_both(RLIMIT_NOFILE, n) < 0)
		return "setrlimit(RLIMIT_NOFILE)";
	return extra != NULL ? apply_extra(extra) : NULL;
}
