/* The cell's network and cgroup namespaces, and the second wall against
 * nested user namespaces (the first is seccomp: unshare/clone with
 * CLONE_NEWUSER fail with EPERM once the zygote has loaded its filter).
 *
 * The network namespace comes with the clone (sandbox/spawn.c), owned by
 * the cell's user namespace: with "none" it holds only a loopback that is
 * down, so the app reaches nothing; descriptors made outside (the app's
 * SCGI socket, routed clients) keep working, as a socket belongs to the
 * namespace it was created in. The cgroup namespace cannot come with the
 * clone: it is rooted at the cgroup of the process that creates it, and the
 * parent attaches the cell to its cgroup only after the clone. */
#include "sandbox/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int sg_netns_clone_flags(enum sg_network network)
{
	return network == SG_NET_HOST ? 0 : CLONE_NEWNET;
}

/* Brings the new namespace's loopback up, as `ip link set lo up` does. */
const char *sg_netns_loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return "network loopback: socket(AF_INET)";
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	const char *step = NULL;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		step = "network loopback: ioctl(lo, SIOCGIFFLAGS)";
	else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			step = "network loopback: ioctl(lo, SIOCSIFFLAGS)";
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return step;
}

/* user.max_user_namespaces is kept per user namespace and checked at every
 * level above a new one: 0 in the cell's own namespace means no process of
 * the cell can make another, whatever its filter allows. Writable now,
 * while the process holds CAP_SYS_RESOURCE in that namespace; the app, with
 * no capabilities and /proc/sys read-only, cannot raise it again. */
const char *sg_netns_deny_nested_userns(void)
{
	static const char path[] = "/proc/sys/user/max_user_namespaces";
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return "nested user namespaces: open /proc/sys/user/max_user_namespaces";
	ssize_t n = write(fd, "0\n", 2);
	int saved = errno;
	close(fd);
	if (n != 2) {
		errno = n < 0 ? saved : EIO;
		return "nested user namespaces: write 0 to /proc/sys/user/max_user_namespaces";
	}
	return NULL;
}

const char *sg_netns_enter(enum sg_network network)
{
	if (unshare(CLONE_NEWCGROUP) < 0)
		return "cgroup namespace: unshare(CLONE_NEWCGROUP)";
	if (network == SG_NET_LOOPBACK) {
		const char *step = sg_netns_loopback_up();
		if (step != NULL)
			return step;
	}
	return sg_netns_deny_nested_userns();
}
