/* Finding the policy directory and reading policy files from it. The
 * files belong to whoever installed sandgate, never to an app's user. */
#include "sandbox/policy_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/policy_internal.h"
#include "sandbox/seccomp_build.h"

int sg_policy_dir(char *buf, size_t size, struct sg_error *err)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return sg_fail_errno(err, "seccomp: readlink /proc/self/exe");
	self[n] = '\0';
	const char *dir = dirname(self);
	static const char *const candidates[] = { "../share/sandgate/policies", "../policies",
						  "../../policies" };
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, candidates[i]);
		char *real = realpath(path, NULL);
		if (real == NULL)
			continue;
		int fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
		bool fits = strlen(real) < size;
		if (fd >= 0 && fits)
			snprintf(buf, size, "%s", real);
		if (fd >= 0)
			close(fd);
		free(real);
		if (fd >= 0 && fits)
			return 0;
	}
	return sg_fail(err, "seccomp: no policy directory at %s/../share/sandgate/policies or "
			    "%s/../policies", dir, dir);
}

/* sg_policy_load_fn: dir/name, at most SG_POLICY_MAX_TEXT + 1 bytes (the
 * parser refuses more). */
static int load_file(void *ctx, const char *name, char **text, size_t *len, char *why,
		     size_t why_size)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", (const char *)ctx, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = fd >= 0 ? malloc(SG_POLICY_MAX_TEXT + 1) : NULL;
	size_t got = 0;
	ssize_t n = 0;
	while (buf != NULL && got <= SG_POLICY_MAX_TEXT &&
	       ((n = read(fd, buf + got, SG_POLICY_MAX_TEXT + 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	if (fd < 0 || buf == NULL || n < 0) {
		snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	*text = buf;
	*len = got;
	return 0;
}

int sg_policy_read(struct sg_policy *p, const char *dir, const char *name)
{
	char path[PATH_MAX], why[PATH_MAX + 64];
	char *text;
	size_t len;
	if (sg_policy_init(p, load_file, (void *)dir) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (load_file((void *)dir, name, &text, &len, why, sizeof why) < 0) {
		sg_policy_problem_at(p, sg_policy_add_file(p, path), 0, "%s", why);
		return -1;
	}
	int rc = sg_policy_parse(p, path, text, len);
	free(text);
	return rc;
}

void sg_policy_fail(const struct sg_policy *p, struct sg_error *err)
{
	char first[512];
	if (p->files == NULL || p->n_problems == 0) {
		sg_fail(err, "seccomp: out of memory reading the policy");
		return;
	}
	sg_policy_problem_text(p, 0, first, sizeof first);
	if (p->n_problems > 1)
		sg_fail(err, "seccomp: %s (and %d more problem%s)", first, p->n_problems - 1,
			p->n_problems > 2 ? "s" : "");
	else
		sg_fail(err, "seccomp: %s", first);
}

static void report_problems(const struct sg_policy *p, sg_policy_report_fn *report,
			    struct sg_diags *d)
{
	int kept = p->n_problems < SG_POLICY_MAX_PROBLEMS ? p->n_problems : SG_POLICY_MAX_PROBLEMS;
	for (int i = 0; i < kept; i++) {
		const struct sg_policy_problem *pr = &p->problem[i];
		report(d, p->files[pr->file], pr->line, "%s", pr->msg);
	}
	if (p->n_problems > kept)
		report(d, p->files[0], 0, "%d more problems not listed", p->n_problems - kept);
}

bool sg_policy_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

int sg_policy_check_default(sg_policy_report_fn *report, struct sg_diags *d)
{
	return sg_policy_check(SG_POLICY_DEFAULT, report, d);
}

int sg_policy_check(const char *name, sg_policy_report_fn *report, struct sg_diags *d)
{
	char dir[PATH_MAX];
	struct sg_error err;
	struct sg_policy p;
	int fd = -1;
	size_t insns;
	if (sg_policy_dir(dir, sizeof dir, &err) < 0) {
		report(d, "seccomp", 0, "%s", err.msg + strlen("seccomp: "));
		return -1;
	}
	int rc = sg_policy_read(&p, dir, name);
	if (p.files == NULL)
		report(d, "seccomp", 0, "out of memory");
	else if (rc < 0)
		report_problems(&p, report, d);
	else if ((rc = sg_seccomp_build(&p, &fd, &insns, &err)) < 0)
		report(d, p.files[0], 0, "%s", err.msg);
	if (fd >= 0)
		close(fd);
	sg_policy_free(&p);
	return rc;
}
