/* libFuzzer harness for the seccomp policy parser (sandbox/policy_parse.c,
 * policy_stmt.c, policy_consts.c).
 *
 * Besides "no crash", it checks what the parser promises: it fails exactly
 * when it reported a problem; every problem reads "FILE:LINE: message" or
 * "FILE: message"; every rule it keeps names a native syscall (a deny may
 * name a foreign one), compares each argument at most once, has a mask
 * that can hold and an errno in 2..4095. (That whatever parses also
 * compiles is tests/unit/test_policy.c's job: the compiler is libseccomp.)
 *
 * `include self.policy` includes the input itself (so nesting and cycles
 * get fuzzed), `include base.policy` a small fixed file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/policy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static const char base_policy[] = "allow read # reading\ndeny execve # no programs\n"
				  "allow ioctl if arg1 & 0xffffffff == FIONREAD # bytes waiting\n";

static int load(void *ctx, const char *name, char **text, size_t *len, char *why,
		size_t why_size)
{
	const struct input *in = ctx;
	const char *src = NULL;
	size_t n = 0;
	if (strcmp(name, "self.policy") == 0)
		src = (const char *)in->data, n = in->size;
	else if (strcmp(name, "base.policy") == 0)
		src = base_policy, n = sizeof base_policy - 1;
	if (src == NULL) {
		snprintf(why, why_size, "no such file");
		return -1;
	}
	*text = malloc(n + 1);
	if (*text == NULL)
		return -1;
	memcpy(*text, src, n);
	*len = n;
	return 0;
}

static void check_rule(const struct sg_policy_rule *r)
{
	unsigned seen = 0;
	if (r->name[0] == '\0' || r->n_conds < 0 || r->n_conds > SG_POLICY_MAX_ARGS)
		abort();
	if (r->nr < 0 && r->action != SG_POLICY_DENY)
		abort();
	if (r->action == SG_POLICY_ERRNO && (r->errno_value < 2 || r->errno_value > 4095))
		abort();
	if (r->action == SG_POLICY_DENY && r->n_conds != 0)
		abort();
	for (int i = 0; i < r->n_conds; i++) {
		const struct sg_policy_cond *c = &r->cond[i];
		if (c->arg > 5 || (seen & (1u << c->arg)) != 0)
			abort();
		seen |= 1u << c->arg;
		if (c->op == SG_POLICY_MASKED_EQ && (c->value & ~c->mask) != 0)
			abort();
	}
}

static void check_problems(const struct sg_policy *p)
{
	char text[512];
	int kept = p->n_problems < SG_POLICY_MAX_PROBLEMS ? p->n_problems : SG_POLICY_MAX_PROBLEMS;
	for (int i = 0; i < kept; i++) {
		sg_policy_problem_text(p, i, text, sizeof text);
		if (strncmp(text, "fuzz.policy", 11) != 0 && strncmp(text, "self.policy", 11) != 0 &&
		    strncmp(text, "base.policy", 11) != 0)
			abort();
		if (strstr(text, ": ") == NULL || p->problem[i].msg[0] == '\0')
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct sg_policy p;
	if (sg_policy_init(&p, load, &in) < 0)
		return 0;
	int rc = sg_policy_parse(&p, "fuzz.policy", (const char *)data, size);
	if ((rc == 0) != (p.n_problems == 0))
		abort();
	check_problems(&p);
	for (int i = 0; i < p.n_rules; i++)
		check_rule(&p.rule[i]);
	if (p.n_rules > SG_POLICY_MAX_RULES || p.n_groups > SG_POLICY_MAX_GROUPS)
		abort();
	sg_policy_free(&p);
	return 0;
}
