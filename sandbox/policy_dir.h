/* Where the seccomp policies are, and reading one with what it includes.
 * The directory is found like the worker binary: next to the running
 * program, `../policies` in a checkout (build/ or build/asan/), or
 * `../share/sandgate/policies` when installed under a PREFIX. */
#ifndef SG_SANDBOX_POLICY_DIR_H
#define SG_SANDBOX_POLICY_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "gateway/error.h"
#include "sandbox/policy_parse.h"

/* The policy an app gets unless it names another (`policy =`). */
#define SG_POLICY_DEFAULT "wsgi.policy"

/* The policy directory's absolute path into buf. */
int sg_policy_dir(char *buf, size_t size, struct sg_error *err);

/* Reads dir/name and the files it includes into p (sg_policy_init'd
 * here; free it with sg_policy_free, also after a failure). Returns 0, or
 * -1 with p->problem[] saying what is wrong. */
int sg_policy_read(struct sg_policy *p, const char *dir, const char *name);

/* err = "seccomp: FILE:LINE: first problem (and N more)". */
void sg_policy_fail(const struct sg_policy *p, struct sg_error *err);

/* For `sandgate check`: reads and compiles the policy file name (or the
 * default), handing each problem to report (sg_diags_add's shape).
 * Returns 0 when it compiles, -1 otherwise. */
struct sg_diags;
typedef void sg_policy_report_fn(struct sg_diags *d, const char *file, int line,
				 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int sg_policy_check(const char *name, sg_policy_report_fn *report, struct sg_diags *d);
int sg_policy_check_default(sg_policy_report_fn *report, struct sg_diags *d);

/* Whether dir/name exists (a policy an app names may not). */
bool sg_policy_exists(const char *dir, const char *name);

#endif
