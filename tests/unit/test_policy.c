/* The seccomp policy parser (sandbox/policy_parse.c, policy_stmt.c), the
 * compiler (sandbox/seccomp_build.c), the shipped policies, and what the
 * compiled wsgi.policy does to real syscalls in a child process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/policy_dir.h"
#include "sandbox/policy_parse.h"
#include "sandbox/seccomp_build.h"
#include "unit.h"

#define POLICY_DIR "policies" /* make unit runs from the top of the checkout */

/* ---- helpers ---- */

/* In-memory files for include. */
static const char *const *mem_files;

static int mem_load(void *ctx, const char *name, char **text, size_t *len, char *why,
		    size_t why_size)
{
	(void)ctx;
	for (const char *const *f = mem_files; f != NULL && f[0] != NULL; f += 2) {
		if (strcmp(f[0], name) == 0) {
			*text = strdup(f[1]);
			*len = strlen(f[1]);
			return *text != NULL ? 0 : -1;
		}
	}
	snprintf(why, why_size, "no such file");
	return -1;
}

static struct sg_policy pol;

static int parse(const char *text)
{
	sg_policy_free(&pol);
	if (sg_policy_init(&pol, mem_load, NULL) < 0)
		return -2;
	return sg_policy_parse(&pol, "t.policy", text, strlen(text));
}

static const char *problem(int i)
{
	static char buf[512];
	if (i >= pol.n_problems)
		return "(no such problem)";
	sg_policy_problem_text(&pol, i, buf, sizeof buf);
	return buf;
}

static int live_rules(void)
{
	int n = 0;
	for (int i = 0; i < pol.n_rules; i++)
		n += !pol.rule[i].replaced;
	return n;
}

static const struct sg_policy_rule *live_rule(const char *name)
{
	for (int i = 0; i < pol.n_rules; i++)
		if (!pol.rule[i].replaced && strcmp(pol.rule[i].name, name) == 0)
			return &pol.rule[i];
	return NULL;
}

/* ---- syntax ---- */

static void test_allow_with_reason(void)
{
	CHECK(parse("# a comment\n\n   allow read   # reading files\n") == 0);
	CHECK(pol.n_rules == 1);
	CHECK(pol.rule[0].nr == SCMP_SYS(read));
	CHECK(pol.rule[0].action == SG_POLICY_ALLOW && pol.rule[0].n_conds == 0);
	CHECK(pol.rule[0].line == 3);
}

static void test_no_reason_is_refused(void)
{
	CHECK(parse("allow read\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: \"allow read\" has no reason: end the line with \"# why\"");
	CHECK(pol.n_rules == 0);
	CHECK(parse("allow read #\n") < 0 && pol.n_rules == 0);
	CHECK(parse("allow read # x1\n") < 0 && pol.n_rules == 0);
	CHECK(parse("@g = read # \n") < 0 && pol.n_groups == 0);
	CHECK(parse("deny ptrace\n") < 0);
	CHECK(parse("include a.policy\n") < 0);
	CHECK(parse("allow read#why not\n") == 0 && pol.n_rules == 1);
}

static void test_unknown_syscall(void)
{
	CHECK(parse("allow read # why ok\nallow opn # typo\n") < 0);
	CHECK_STR(problem(0), "t.policy:2: unknown syscall \"opn\"");
	CHECK(pol.n_problems == 1);
	CHECK(parse("allow READ # upper case\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: unknown syscall \"READ\"");
}

static void test_foreign_syscall(void)
{
	/* socketcall exists on i386 only: an allow is refused, a deny is fine. */
	CHECK(parse("allow socketcall # i386 sockets\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: \"socketcall\" is not a syscall on this architecture");
	CHECK(parse("deny socketcall # i386 sockets\n") == 0);
}

static void test_unknown_statement(void)
{
	CHECK(parse("permit read # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: unknown statement \"permit\" (allow, errno, deny, include "
			      "or @group = ...)");
}

static void test_conditions(void)
{
	CHECK(parse("allow ioctl if arg1 & 0xffffffff == FIONREAD # bytes waiting\n"
		    "allow socket if arg0 == AF_UNIX and arg1 != 3 # local sockets\n"
		    "allow clone if arg0 & CLONE_NEWUSER|CLONE_NEWNS == 0 # fork\n") == 0);
	const struct sg_policy_rule *r = live_rule("ioctl");
	CHECK(r != NULL && r->n_conds == 1 && r->cond[0].arg == 1);
	CHECK(r != NULL && r->cond[0].op == SG_POLICY_MASKED_EQ);
	CHECK(r != NULL && r->cond[0].mask == 0xffffffffu && r->cond[0].value == FIONREAD);
	r = live_rule("socket");
	CHECK(r != NULL && r->n_conds == 2 && r->cond[0].value == AF_UNIX);
	CHECK(r != NULL && r->cond[1].arg == 1 && r->cond[1].op == SG_POLICY_NE && r->cond[1].value == 3);
	r = live_rule("clone");
	CHECK(r != NULL && r->cond[0].mask == (CLONE_NEWUSER | CLONE_NEWNS) && r->cond[0].value == 0);
}

static void test_all_operators(void)
{
	CHECK(parse("allow read if arg0 < 1 # why a\nallow read if arg0 <= 2 # why b\n"
		    "allow read if arg0 > 3 # why c\nallow read if arg0 >= 4 # why d\n"
		    "allow read if arg0 == 18446744073709551615 # why e\n") == 0);
	CHECK(pol.n_rules == 5);
	CHECK(pol.n_rules == 5 && pol.rule[4].cond[0].value == UINT64_MAX);
	if (pol.n_problems > 0)
		printf("  %s\n", problem(0));
}

static void test_bad_conditions(void)
{
	CHECK(parse("allow read if arg6 == 1 # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: expected arg0..arg5, not \"arg6\"");
	CHECK(parse("allow read if arg0 = 1 # why\n") < 0);
	CHECK(parse("allow read if arg0 == 18446744073709551616 # overflow\n") < 0);
	CHECK(parse("allow read if arg0 == FROB # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: \"FROB\" is neither a number nor a known constant");
	CHECK(parse("allow read if arg0 == 1| # why\n") < 0);
	CHECK(parse("allow read if arg0 == 010x # why\n") < 0);
	CHECK(parse("allow read if # why\n") < 0);
	CHECK(parse("allow read if arg0 == 1 and # why\n") < 0);
	CHECK(parse("allow read if arg0 == 1 or arg1 == 2 # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: expected \"and\", not \"or\"");
	CHECK(parse("allow read when arg0 == 1 # why\n") < 0);
	CHECK(pol.n_rules == 0);
}

static void test_arg_twice(void)
{
	CHECK(parse("allow read if arg0 == 1 and arg0 == 2 # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: arg0 is compared twice: write one line per alternative");
}

static void test_mask_that_never_holds(void)
{
	CHECK(parse("allow read if arg0 & 0xff == 0x100 # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: arg0 & 0xff == 0x100 can never hold");
}

static void test_errno_rules(void)
{
	CHECK(parse("errno ENOSYS clone3 # glibc falls back to clone\n") == 0);
	CHECK(pol.n_rules == 1 && pol.rule[0].action == SG_POLICY_ERRNO);
	CHECK(pol.rule[0].errno_value == ENOSYS && pol.rule[0].nr == SCMP_SYS(clone3));
	CHECK(parse("errno 13 open # by number\n") == 0 && pol.rule[0].errno_value == EACCES);
	CHECK(parse("errno EPERM ptrace # the default\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: errno EPERM is what every syscall not allowed gets: "
			      "write \"deny\"");
	CHECK(parse("errno EFROB read # why\n") < 0);
	CHECK(parse("errno 0 read # why\n") < 0);
	CHECK(parse("errno 4096 read # why\n") < 0);
	CHECK(parse("errno ENOSYS # which syscall\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: errno: which syscall?");
}

static void test_deny_takes_no_condition(void)
{
	CHECK(parse("deny ioctl if arg1 == 1 # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: unexpected \"if\" (a deny takes no conditions)");
	CHECK(parse("allow # what\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: allow: which syscall?");
}

static void test_conflicts_in_one_file(void)
{
	CHECK(parse("deny execve # no programs\nallow execve # programs after all\n") < 0);
	CHECK_STR(problem(0), "t.policy:2: allow execve conflicts with \"deny execve\" at t.policy:1");
	CHECK(parse("allow read # why a\nallow read # again\n") < 0);
	CHECK_STR(problem(0), "t.policy:2: allow read repeats \"allow read\" at t.policy:1");
	CHECK(parse("allow read # why a\nallow read if arg0 == 1 # narrower\n") < 0);
	CHECK(parse("errno ENOSYS clone3 # why a\nerrno EACCES clone3 # why b\n") < 0);
	/* Two conditional rules are alternatives. */
	CHECK(parse("allow ioctl if arg1 == 1 # why a\nallow ioctl if arg1 == 2 # why b\n") == 0);
	CHECK(live_rules() == 2);
}

static void test_groups(void)
{
	CHECK(parse("@io = read write readv # basic i/o\n@more = @io close # and closing\n"
		    "allow @more # everything\n") == 0);
	CHECK(pol.n_groups == 2 && pol.group[1].n == 4);
	CHECK(live_rules() == 4 && live_rule("close") != NULL && live_rule("readv") != NULL);
	CHECK(parse("allow @nope # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: unknown group \"@nope\"");
	CHECK(parse("@g = read # why a\n@g = write # why b\n") < 0);
	CHECK_STR(problem(0), "t.policy:2: group @g is defined twice");
	CHECK(parse("@g = read read # twice\n") < 0);
	CHECK(parse("@g read # no equals\n") < 0);
	CHECK(parse("@G! = read # bad name\n") < 0);
	CHECK(parse("@g = # empty\n") < 0);
	CHECK(parse("@g = opn # typo\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: unknown syscall \"opn\"");
}

/* ---- include ---- */

static void test_include_replaces_denies(void)
{
	static const char *const files[] = {
		"base.policy", "allow read # basic i/o\ndeny execve # no programs\n"
			       "allow ioctl if arg1 == 1 # why one\n", NULL };
	mem_files = files;
	CHECK(parse("include base.policy # the base\nallow execve # programs\n"
		    "allow ioctl if arg1 == 2 # another one\n") == 0);
	const struct sg_policy_rule *r = live_rule("execve");
	CHECK(r != NULL && r->action == SG_POLICY_ALLOW && r->depth == 0);
	CHECK(live_rule("read") != NULL && live_rule("read")->depth == 1);
	r = live_rule("ioctl"); /* the including file's ioctl rules replace the base's */
	CHECK(r != NULL && r->depth == 0 && r->cond[0].value == 2 && live_rules() == 3);
	mem_files = NULL;
}

static void test_include_problems_name_the_included_file(void)
{
	static const char *const files[] = { "base.policy", "allow read # why ok\nallow opn # typo\n",
					     NULL };
	mem_files = files;
	sg_policy_free(&pol);
	CHECK(sg_policy_init(&pol, mem_load, NULL) == 0);
	CHECK(sg_policy_parse(&pol, "/etc/x/top.policy", "include base.policy # base\n", 27) < 0);
	CHECK_STR(problem(0), "/etc/x/base.policy:2: unknown syscall \"opn\"");
	mem_files = NULL;
}

static void test_include_limits(void)
{
	static const char *const files[] = { "loop.policy", "include loop.policy # forever\n", NULL };
	mem_files = files;
	CHECK(parse("include loop.policy # start\n") < 0);
	CHECK_STR(problem(0), "loop.policy:1: includes nested deeper than 4 (a cycle?)");
	CHECK(parse("include missing.policy # why\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: include missing.policy: no such file");
	CHECK(parse("include ../etc/passwd # why\n") < 0);
	CHECK(parse("include .hidden.policy # why\n") < 0);
	CHECK(parse("include a.policy b.policy # why\n") < 0);
	mem_files = NULL;
	sg_policy_free(&pol);
	CHECK(sg_policy_init(&pol, NULL, NULL) == 0);
	CHECK(sg_policy_parse(&pol, "t.policy", "include a.policy # x y z\n", 25) < 0);
	CHECK_STR(problem(0), "t.policy:1: include a.policy: includes cannot be read here");
}

/* ---- text-level problems ---- */

static void test_bad_bytes(void)
{
	sg_policy_free(&pol);
	CHECK(sg_policy_init(&pol, NULL, NULL) == 0);
	CHECK(sg_policy_parse(&pol, "t.policy", "allow read # a\0b\n", 17) < 0);
	CHECK_STR(problem(0), "t.policy:1: NUL byte");
	CHECK(parse("allow read # bell \a\n") < 0);
	CHECK_STR(problem(0), "t.policy:1: control character 0x07");
	CHECK(parse("allow read # dos line end\r\nallow write # and another\r\n") == 0);
	CHECK(pol.n_rules == 2);
	char long_line[1100];
	memset(long_line, 'a', sizeof long_line - 1);
	long_line[sizeof long_line - 1] = '\0';
	CHECK(parse(long_line) < 0);
	CHECK_STR(problem(0), "t.policy:1: line longer than 1000 characters");
}

static void test_problems_are_capped_and_counted(void)
{
	char text[4096] = "";
	for (int i = 0; i < 50; i++)
		strcat(text, "allow nosuchcall # typo\n");
	CHECK(parse(text) < 0);
	CHECK(pol.n_problems == 50);
	CHECK_STR(problem(SG_POLICY_MAX_PROBLEMS - 1), "t.policy:32: unknown syscall \"nosuchcall\"");
	struct sg_error err;
	sg_policy_fail(&pol, &err);
	CHECK_STR(err.msg, "seccomp: t.policy:1: unknown syscall \"nosuchcall\" (and 49 more problems)");
}

/* ---- the compiler ---- */

static void test_build_seals_the_program(void)
{
	int fd = -1;
	size_t insns = 0;
	struct sg_error err;
	CHECK(parse("allow read # why a\nallow ioctl if arg1 & 0xffffffff == FIONREAD # why b\n"
		    "errno ENOSYS clone3 # why c\ndeny ptrace # why d\n") == 0);
	CHECK(sg_seccomp_build(&pol, &fd, &insns, &err) == 0);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK(insns > 0 && (size_t)st.st_size == insns * sizeof(struct sock_filter));
	int seals = fcntl(fd, F_GET_SEALS);
	CHECK(seals == (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
	CHECK(pwrite(fd, "x", 1, 0) < 0 && errno == EPERM);
	CHECK(ftruncate(fd, 0) < 0 && errno == EPERM);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);
}

static void test_shipped_policies_compile(void)
{
	const char *names[] = { "wsgi.policy", "wsgi-exec.policy" };
	for (int i = 0; i < 2; i++) {
		int fd = -1;
		size_t insns = 0;
		struct sg_error err = { "" };
		int rc = sg_seccomp_compile(POLICY_DIR, names[i], &fd, &insns, &err);
		if (rc < 0)
			printf("  %s: %s\n", names[i], err.msg);
		CHECK(rc == 0 && insns > 100 && insns < SG_SECCOMP_MAX_INSNS);
		if (fd >= 0)
			close(fd);
	}
}

static void test_compile_failures_name_file_and_line(void)
{
	int fd = -1;
	size_t insns;
	struct sg_error err;
	CHECK(sg_seccomp_compile(POLICY_DIR, "missing.policy", &fd, &insns, &err) < 0);
	CHECK(strstr(err.msg, "seccomp: policies/missing.policy: cannot read policies/missing.policy: "
			      "No such file or directory") == err.msg);
	CHECK(fd == -1);
}

static int n_reported;

static void count_report(struct sg_diags *d, const char *file, int line, const char *fmt, ...)
{
	(void)d, (void)file, (void)line, (void)fmt;
	n_reported++;
}

/* build/tests/test_policy finds the checkout's policies at ../../policies;
 * a build elsewhere (build/asan/tests) finds none and says so, once. */
static void test_check_default(void)
{
	char dir[4096];
	struct sg_error err;
	n_reported = 0;
	bool found = sg_policy_dir(dir, sizeof dir, &err) == 0;
	int rc = sg_policy_check_default(count_report, NULL);
	if (found)
		CHECK(rc == 0 && n_reported == 0 && strstr(dir, "/policies") != NULL);
	else
		CHECK(rc < 0 && n_reported == 1 && strstr(err.msg, "seccomp: no policy directory") == err.msg);
}

/* ---- the compiled wsgi.policy on real syscalls ---- */

/* errno of a raw syscall, 0 when it succeeded. */
static int try_errno(long nr, long a0, long a1, long a2, long a3)
{
	errno = 0;
	long rc = syscall(nr, a0, a1, a2, a3, 0L, 0L);
	return rc < 0 ? errno : 0;
}

/* In the filtered child: 0, or the number of the first expectation that
 * failed. */
static int probe_filtered(void)
{
	int bad = 0, n = 0;
	int sv[2];
	char *argv[] = { "true", NULL };
#define EXPECT(cond)                     \
	do {                             \
		n++;                     \
		if (!(cond) && bad == 0) \
			bad = n;         \
	} while (0)
	EXPECT(try_errno(SYS_socket, AF_NETLINK, SOCK_RAW, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_socket, AF_PACKET, SOCK_RAW, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv) == 0);
	EXPECT(try_errno(SYS_ioctl, sv[0], (long)TIOCSTI, (long)"x", 0) == EPERM);
	EXPECT(try_errno(SYS_ioctl, sv[0], (long)(TIOCSTI | 1UL << 32), (long)"x", 0) == EPERM);
	EXPECT(try_errno(SYS_ioctl, sv[0], (long)(FIOCLEX | 1UL << 32), 0, 0) == 0);
	EXPECT(try_errno(SYS_clone3, 0, 0, 0, 0) == ENOSYS);
	EXPECT(try_errno(SYS_unshare, CLONE_NEWUSER, 0, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_personality, READ_IMPLIES_EXEC, 0, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_personality, 0xffffffffL, 0, 0, 0) == 0);
	EXPECT(try_errno(SYS_io_uring_setup, 1, 0, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_execve, (long)"/bin/true", (long)argv, 0, 0) == EPERM);
	EXPECT(try_errno(SYS_getpid, 0, 0, 0, 0) == 0);
#undef EXPECT
	return bad;
}

static void test_compiled_policy_in_a_child(void)
{
	int fd = -1;
	size_t insns = 0;
	struct sg_error err;
	CHECK(sg_seccomp_compile(POLICY_DIR, "wsgi.policy", &fd, &insns, &err) == 0);
	struct sock_filter *prog = calloc(insns, sizeof *prog);
	CHECK(prog != NULL && pread(fd, prog, insns * sizeof *prog, 0) == (ssize_t)(insns * sizeof *prog));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_fprog fprog = { .len = (unsigned short)insns, .filter = prog };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
			_exit(255);
		_exit(probe_filtered());
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		printf("  expectation %d failed in the filtered child\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(prog);
	close(fd);
}

/* wsgi-exec.policy: a program runs under it (its dynamic loader, libc
 * start-up and exit included). */
static void test_exec_policy_runs_a_program(void)
{
	int fd = -1;
	size_t insns = 0;
	struct sg_error err;
	CHECK(sg_seccomp_compile(POLICY_DIR, "wsgi-exec.policy", &fd, &insns, &err) == 0);
	struct sock_filter *prog = calloc(insns, sizeof *prog);
	CHECK(prog != NULL && pread(fd, prog, insns * sizeof *prog, 0) == (ssize_t)(insns * sizeof *prog));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_fprog fprog = { .len = (unsigned short)insns, .filter = prog };
		char *argv[] = { "sh", "-c", "exec /bin/true", NULL };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0)
			execv("/bin/sh", argv);
		_exit(127);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(prog);
	close(fd);
}

int main(void)
{
	RUN(test_allow_with_reason);
	RUN(test_no_reason_is_refused);
	RUN(test_unknown_syscall);
	RUN(test_foreign_syscall);
	RUN(test_unknown_statement);
	RUN(test_conditions);
	RUN(test_all_operators);
	RUN(test_bad_conditions);
	RUN(test_arg_twice);
	RUN(test_mask_that_never_holds);
	RUN(test_errno_rules);
	RUN(test_deny_takes_no_condition);
	RUN(test_conflicts_in_one_file);
	RUN(test_groups);
	RUN(test_include_replaces_denies);
	RUN(test_include_problems_name_the_included_file);
	RUN(test_include_limits);
	RUN(test_bad_bytes);
	RUN(test_problems_are_capped_and_counted);
	RUN(test_build_seals_the_program);
	RUN(test_shipped_policies_compile);
	RUN(test_compile_failures_name_file_and_line);
	RUN(test_check_default);
	RUN(test_compiled_policy_in_a_child);
	RUN(test_exec_policy_runs_a_program);
	sg_policy_free(&pol);
	UNIT_END();
}
