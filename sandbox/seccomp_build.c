/* libseccomp does the compiling; this file maps our rules onto its API
 * and puts the result where a cell can read it and nobody can change it. */
#include "sandbox/seccomp_build.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/policy_dir.h"

static int fail_rc(struct sg_error *err, const char *call, int rc)
{
	return sg_fail(err, "seccomp: %s: %s", call, strerror(rc < 0 ? -rc : rc));
}

static int set_attrs(scmp_filter_ctx ctx, struct sg_error *err)
{
	int rc;
	/* A foreign architecture (i386 int 0x80, x32 on x86_64) is killed:
	 * its syscall numbers mean other things (catalogue row 19). */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
		return fail_rc(err, "seccomp_attr_set(ACT_BADARCH)", rc);
	/* A binary tree over syscall numbers: O(log n) per syscall. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		return fail_rc(err, "seccomp_attr_set(CTL_OPTIMIZE, 2)", rc);
	return 0;
}

static const enum scmp_compare cmp_of[] = {
	[SG_POLICY_EQ] = SCMP_CMP_EQ, [SG_POLICY_NE] = SCMP_CMP_NE,
	[SG_POLICY_LT] = SCMP_CMP_LT, [SG_POLICY_LE] = SCMP_CMP_LE,
	[SG_POLICY_GT] = SCMP_CMP_GT, [SG_POLICY_GE] = SCMP_CMP_GE,
	[SG_POLICY_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static int add_rule(scmp_filter_ctx ctx, const struct sg_policy *p,
		    const struct sg_policy_rule *r, struct sg_error *err)
{
	struct scmp_arg_cmp cmp[SG_POLICY_MAX_ARGS];
	for (int i = 0; i < r->n_conds; i++) {
		const struct sg_policy_cond *c = &r->cond[i];
		bool masked = c->op == SG_POLICY_MASKED_EQ;
		cmp[i] = (struct scmp_arg_cmp){ .arg = c->arg, .op = cmp_of[c->op],
						.datum_a = masked ? c->mask : c->value,
						.datum_b = masked ? c->value : 0 };
	}
	uint32_t action = r->action == SG_POLICY_ALLOW ? SCMP_ACT_ALLOW
						       : SCMP_ACT_ERRNO((uint32_t)r->errno_value);
	int rc = seccomp_rule_add_array(ctx, action, r->nr, (unsigned)r->n_conds, cmp);
	if (rc < 0)
		return sg_fail(err, "seccomp: %s:%d: seccomp_rule_add(%s): %s", p->files[r->file],
			       r->line, r->name, strerror(-rc));
	return 0;
}

/* The program in a memfd, sealed: not even the gateway can change it now,
 * and the cell, which gets this descriptor, cannot either. */
static int export_sealed(scmp_filter_ctx ctx, int *fd_out, size_t *insns, struct sg_error *err)
{
	int fd = memfd_create("sandgate-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return sg_fail_errno(err, "seccomp: memfd_create");
	struct stat st;
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		fail_rc(err, "seccomp_export_bpf", rc);
	} else if (fstat(fd, &st) < 0 ||
		   fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		sg_fail_errno(err, "seccomp: sealing the program");
	} else if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
		   st.st_size / (off_t)sizeof(struct sock_filter) > SG_SECCOMP_MAX_INSNS) {
		sg_fail(err, "seccomp: the program is %lld bytes: not 1..%d instructions",
			(long long)st.st_size, SG_SECCOMP_MAX_INSNS);
	} else {
		*fd_out = fd;
		*insns = (size_t)st.st_size / sizeof(struct sock_filter);
		return 0;
	}
	close(fd);
	return -1;
}

static bool has_rule(const struct sg_policy *p, int nr)
{
	for (int i = 0; i < p->n_rules; i++)
		if (p->rule[i].nr == nr && !p->rule[i].replaced && p->rule[i].action != SG_POLICY_DENY)
			return true;
	return false;
}

/* A trap while SIGSYS is blocked kills the process: the kernel resets the
 * handler. CPython's subprocess calls vfork with every signal blocked (and
 * falls back to fork when it fails), so under seccomp_log vfork keeps the
 * plain EPERM it gets without the log. */
static int keep_vfork_eperm(scmp_filter_ctx ctx, const struct sg_policy *p, struct sg_error *err)
{
	int nr = seccomp_syscall_resolve_name("vfork");
	if (nr == __NR_SCMP_ERROR || nr < 0 || has_rule(p, nr))
		return 0; /* no vfork here (aarch64), or the policy decides */
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	return rc < 0 ? fail_rc(err, "seccomp_rule_add(vfork)", rc) : 0;
}

int sg_seccomp_build_as(const struct sg_policy *p, enum sg_seccomp_default dflt, int *fd,
			size_t *insns, struct sg_error *err)
{
	/* Everything not allowed: EPERM, as for an unprivileged caller; with
	 * seccomp_log a SIGSYS first, whose handler logs it and answers EPERM. */
	scmp_filter_ctx ctx =
		seccomp_init(dflt == SG_SECCOMP_TRAP ? SCMP_ACT_TRAP : SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL)
		return sg_fail(err, "seccomp: seccomp_init: failed");
	int rc = set_attrs(ctx, err);
	for (int i = 0; rc == 0 && i < p->n_rules; i++) {
		const struct sg_policy_rule *r = &p->rule[i];
		if (!r->replaced && r->action != SG_POLICY_DENY)
			rc = add_rule(ctx, p, r, err);
	}
	if (rc == 0 && dflt == SG_SECCOMP_TRAP)
		rc = keep_vfork_eperm(ctx, p, err);
	if (rc == 0)
		rc = export_sealed(ctx, fd, insns, err);
	seccomp_release(ctx);
	return rc;
}

int sg_seccomp_build(const struct sg_policy *p, int *fd, size_t *insns, struct sg_error *err)
{
	return sg_seccomp_build_as(p, SG_SECCOMP_EPERM, fd, insns, err);
}

int sg_seccomp_compile_as(const char *dir, const char *name, enum sg_seccomp_default dflt,
			  int *fd, size_t *insns, struct sg_error *err)
{
	struct sg_policy p;
	int rc = sg_policy_read(&p, dir, name);
	if (rc < 0)
		sg_policy_fail(&p, err);
	else
		rc = sg_seccomp_build_as(&p, dflt, fd, insns, err);
	sg_policy_free(&p);
	return rc;
}

int sg_seccomp_compile(const char *dir, const char *name, int *fd, size_t *insns,
		       struct sg_error *err)
{
	return sg_seccomp_compile_as(dir, name, SG_SECCOMP_EPERM, fd, insns, err);
}
