#include "gateway/worker/seccomp_load.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gateway/cellproto.h"

#define MAX_INSNS BPF_MAXINSNS
#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* Size and seals: a whole number of instructions, at most the kernel's
 * limit, in a file nobody can change any more. */
static int check_program_fd(size_t *bytes, struct sg_error *err)
{
	struct stat st;
	if (fstat(SG_FD_SECCOMP, &st) < 0)
		return sg_fail_errno(err, "seccomp: fstat(fd %d)", SG_FD_SECCOMP);
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size > (off_t)(MAX_INSNS * sizeof(struct sock_filter)))
		return sg_fail(err, "seccomp: fd %d holds %lld bytes, not 1..%d instructions",
			       SG_FD_SECCOMP, (long long)st.st_size, MAX_INSNS);
	int seals = fcntl(SG_FD_SECCOMP, F_GET_SEALS);
	if (seals < 0)
		return sg_fail_errno(err, "seccomp: fcntl(fd %d, F_GET_SEALS)", SG_FD_SECCOMP);
	if ((seals & SEALS) != SEALS)
		return sg_fail(err, "seccomp: fd %d is not sealed against changes", SG_FD_SECCOMP);
	*bytes = (size_t)st.st_size;
	return 0;
}

static int read_all(void *buf, size_t bytes, struct sg_error *err)
{
	size_t got = 0;
	while (got < bytes) {
		ssize_t n = pread(SG_FD_SECCOMP, (char *)buf + got, bytes - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? sg_fail_errno(err, "seccomp: pread(fd %d)", SG_FD_SECCOMP)
				     : sg_fail(err, "seccomp: fd %d ended early", SG_FD_SECCOMP);
		got += (size_t)n;
	}
	return 0;
}

int sg_seccomp_take(struct sg_seccomp_prog *prog, struct sg_error *err)
{
	size_t bytes = 0;
	prog->insns = NULL;
	int rc = check_program_fd(&bytes, err);
	if (rc == 0 && (prog->insns = malloc(bytes)) == NULL)
		rc = sg_fail(err, "seccomp: out of memory");
	if (rc == 0)
		rc = read_all(prog->insns, bytes, err);
	close(SG_FD_SECCOMP);
	if (rc < 0) {
		free(prog->insns);
		prog->insns = NULL;
		return -1;
	}
	prog->len = bytes / sizeof(struct sock_filter);
	return 0;
}

int sg_seccomp_load(struct sg_seccomp_prog *prog, struct sg_error *err)
{
	struct sock_fprog fprog = { .len = (unsigned short)prog->len, .filter = prog->insns };
	/* no_new_privs is set by the gateway before exec (sandbox/creds.c);
	 * without it the kernel refuses the filter (EACCES): fail closed. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
	int saved = errno;
	free(prog->insns);
	prog->insns = NULL;
	if (rc > 0)
		return sg_fail(err, "seccomp: seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %ld "
				    "could not be synchronised", rc);
	errno = saved;
	if (rc < 0)
		return sg_fail_errno(err, "seccomp: seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)");
	return 0;
}
