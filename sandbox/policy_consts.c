/* The names a policy may use for numbers in argument conditions, and the
 * errno names of `errno` rules. Values come from the C headers of the
 * machine that builds sandgate, which is the native architecture the
 * filter is for. */
#include "sandbox/policy_parse.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

struct named {
	const char *name;
	uint64_t value;
};

#define C(x) { #x, (uint64_t)(x) }

static const struct named consts[] = {
	/* socket(2) families and types */
	C(AF_UNIX), C(AF_LOCAL), C(AF_INET), C(AF_INET6), C(AF_NETLINK), C(AF_PACKET),
	C(AF_ALG), C(AF_VSOCK), C(AF_BLUETOOTH), C(AF_KEY),
	C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_SEQPACKET),
	C(SOCK_NONBLOCK), C(SOCK_CLOEXEC),
	/* ioctl(2) requests */
	C(FIONREAD), C(FIONBIO), C(FIOCLEX), C(FIONCLEX), C(FIOASYNC),
	C(TCGETS), C(TCSETS), C(TIOCGWINSZ), C(TIOCSWINSZ), C(TIOCSTI), C(TIOCLINUX),
	C(TIOCSCTTY), C(TIOCGPGRP), C(TIOCSPGRP),
	/* clone(2) and unshare(2) flags */
	C(CLONE_VM), C(CLONE_FS), C(CLONE_FILES), C(CLONE_SIGHAND), C(CLONE_PIDFD),
	C(CLONE_PTRACE), C(CLONE_VFORK), C(CLONE_PARENT), C(CLONE_THREAD), C(CLONE_SYSVSEM),
	C(CLONE_SETTLS), C(CLONE_PARENT_SETTID), C(CLONE_CHILD_CLEARTID),
	C(CLONE_CHILD_SETTID), C(CLONE_UNTRACED), C(CLONE_IO),
	C(CLONE_NEWNS), C(CLONE_NEWCGROUP), C(CLONE_NEWUTS), C(CLONE_NEWIPC),
	C(CLONE_NEWUSER), C(CLONE_NEWPID), C(CLONE_NEWNET), C(CLONE_NEWTIME),
	/* personality(2) */
	C(PER_LINUX), { "PER_QUERY", 0xffffffffu }, C(READ_IMPLIES_EXEC),
	C(ADDR_NO_RANDOMIZE), C(ADDR_COMPAT_LAYOUT), C(MMAP_PAGE_ZERO),
	/* prctl(2) options */
	C(PR_SET_PDEATHSIG), C(PR_GET_PDEATHSIG), C(PR_GET_DUMPABLE), C(PR_SET_DUMPABLE),
	C(PR_SET_NAME), C(PR_GET_NAME), C(PR_CAPBSET_READ), C(PR_GET_SECUREBITS),
	C(PR_SET_SECUREBITS), C(PR_GET_TIMERSLACK), C(PR_SET_NO_NEW_PRIVS),
	C(PR_GET_NO_NEW_PRIVS), C(PR_CAP_AMBIENT), C(PR_CAP_AMBIENT_IS_SET),
	C(PR_GET_KEEPCAPS), C(PR_SET_MM), C(PR_SET_PTRACER), C(PR_SET_SECCOMP),
	C(PR_GET_SECCOMP),
	/* mode bits, memory protections */
	C(S_ISUID), C(S_ISGID), C(S_ISVTX),
	C(PROT_READ), C(PROT_WRITE), C(PROT_EXEC),
	C(MAP_SHARED), C(MAP_PRIVATE), C(MAP_ANONYMOUS), C(MAP_FIXED),
};

static const struct named errnos[] = {
	C(EPERM), C(ENOENT), C(EINTR), C(EIO), C(EBADF), C(EAGAIN), C(ENOMEM), C(EACCES),
	C(EFAULT), C(EBUSY), C(EEXIST), C(EINVAL), C(ENOTTY), C(ENOSPC), C(EROFS),
	C(ENOSYS), C(EOPNOTSUPP), C(EAFNOSUPPORT), C(EPROTONOSUPPORT), C(ENOTSUP),
};

static const struct named *find(const struct named *t, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].name) == len && memcmp(t[i].name, name, len) == 0)
			return &t[i];
	return NULL;
}

bool sg_policy_const(const char *name, size_t len, uint64_t *value)
{
	const struct named *c = find(consts, sizeof consts / sizeof consts[0], name, len);
	if (c == NULL)
		return false;
	*value = c->value;
	return true;
}

int sg_policy_errno(const char *name)
{
	const struct named *e = find(errnos, sizeof errnos / sizeof errnos[0], name, strlen(name));
	return e != NULL ? (int)e->value : 0;
}
