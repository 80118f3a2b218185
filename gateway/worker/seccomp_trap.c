#include "gateway/worker/seccomp_trap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SET_RETURN(uc, v) ((uc)->uc_mcontext.gregs[REG_RAX] = (greg_t)(v))
#elif defined(__aarch64__)
#define SET_RETURN(uc, v) ((uc)->uc_mcontext.regs[0] = (unsigned long long)(v))
#else
#error "seccomp_trap.c: say which register holds a syscall's return value here"
#endif

/* Every __NR_ name the C library's headers define, as SG_SYSCALL(name)
 * lines (the GNUmakefile generates it). */
static const char *const names[] = {
#define SG_SYSCALL(name) [__NR_##name] = #name,
#include "syscall_names.h"
#undef SG_SYSCALL
};

static char app_name[64];

const char *sg_syscall_name(long nr)
{
	if (nr < 0 || (size_t)nr >= sizeof names / sizeof names[0])
		return NULL;
	return names[nr];
}

static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s != '\0' && at < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, long v)
{
	char digits[24];
	size_t n = 0;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && n < sizeof digits);
	if (v < 0 && at < cap)
		buf[at++] = '-';
	while (n > 0 && at < cap)
		buf[at++] = digits[--n];
	return at;
}

static void on_sigsys(int signo, siginfo_t *si, void *ctx)
{
	(void)signo;
	int saved = errno;
	long nr = si->si_syscall;
	const char *name = sg_syscall_name(nr);
	char line[160];
	size_t n = put_str(line, 0, sizeof line, "[");
	n = put_str(line, n, sizeof line, app_name);
	n = put_str(line, n, sizeof line, " ");
	n = put_num(line, n, sizeof line, (long)getpid());
	n = put_str(line, n, sizeof line, "] seccomp: denied ");
	n = put_str(line, n, sizeof line, name != NULL ? name : "?");
	n = put_str(line, n, sizeof line, " (nr ");
	n = put_num(line, n, sizeof line, nr);
	n = put_str(line, n, sizeof line, ")\n");
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
	SET_RETURN((ucontext_t *)ctx, -EPERM);
	errno = saved;
}

int sg_seccomp_trap_init(const char *name, struct sg_error *err)
{
	snprintf(app_name, sizeof app_name, "%s", name);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return sg_fail_errno(err, "seccomp: sigaction(SIGSYS)");
	return 0;
}
