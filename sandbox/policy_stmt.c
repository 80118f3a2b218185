/* The statements of a policy file: allow / errno / deny rules with their
 * argument conditions, @group definitions, include. Each gets a line that
 * has been split into words and whose reason has been checked. */
#include "sandbox/policy_internal.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYSCALL_CHARS SG_POLICY_LOWER SG_POLICY_DIGITS "_"

struct targets {
	int n;
	int nr[SG_POLICY_GROUP_MAX];
	const char *name[SG_POLICY_GROUP_MAX];
};

static bool push_target(struct line_ctx *c, struct targets *t, int nr, const char *name)
{
	if (t->n == SG_POLICY_GROUP_MAX) {
		problem(c, "more than %d syscalls", SG_POLICY_GROUP_MAX);
		return false;
	}
	t->nr[t->n] = nr;
	t->name[t->n++] = name;
	return true;
}

static struct sg_policy_group *find_group(struct sg_policy *p, const char *name)
{
	for (int i = 0; i < p->n_groups; i++)
		if (strcmp(p->group[i].name, name) == 0)
			return &p->group[i];
	return NULL;
}

/* A syscall name or @group, added to t. Syscalls of other architectures
 * only (negative numbers) are kept: a deny may name them. */
static bool resolve(struct line_ctx *c, const char *name, struct targets *t)
{
	if (name[0] == '@') {
		const struct sg_policy_group *g = find_group(c->p, name + 1);
		if (g == NULL) {
			problem(c, "unknown group \"%.48s\"", name);
			return false;
		}
		for (int i = 0; i < g->n; i++)
			if (!push_target(c, t, g->nr[i], g->member[i]))
				return false;
		return true;
	}
	int nr = strlen(name) < SG_POLICY_NAME_MAX && sg_policy_all_of(name, SYSCALL_CHARS)
			 ? seccomp_syscall_resolve_name(name)
			 : __NR_SCMP_ERROR;
	if (nr == __NR_SCMP_ERROR) {
		problem(c, "unknown syscall \"%.48s\"", name);
		return false;
	}
	return push_target(c, t, nr, name);
}

/* ---- conditions ---- */

static const struct {
	const char *text;
	enum sg_policy_op op;
} ops[] = {
	{ "==", SG_POLICY_EQ }, { "!=", SG_POLICY_NE }, { "<", SG_POLICY_LT },
	{ "<=", SG_POLICY_LE }, { ">", SG_POLICY_GT },  { ">=", SG_POLICY_GE },
};

static bool parse_op(const char *s, enum sg_policy_op *op)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strcmp(s, ops[i].text) == 0) {
			*op = ops[i].op;
			return true;
		}
	}
	return false;
}

/* `argN OP VALUE` or `argN & MASK == VALUE` at tok[*i]; *i moves past it. */
static bool parse_cond(struct line_ctx *c, int *i, struct sg_policy_cond *cond)
{
	char **tok = c->tok + *i;
	int left = c->n_tok - *i;
	const char *a = tok[0];
	if (strlen(a) != 4 || strncmp(a, "arg", 3) != 0 || a[3] < '0' || a[3] > '5') {
		problem(c, "expected arg0..arg5, not \"%.40s\"", a);
		return false;
	}
	cond->arg = (unsigned)(a[3] - '0');
	if (left >= 5 && strcmp(tok[1], "&") == 0 && strcmp(tok[3], "==") == 0) {
		cond->op = SG_POLICY_MASKED_EQ;
		*i += 5;
		if (!sg_policy_value(c, tok[2], &cond->mask) || !sg_policy_value(c, tok[4], &cond->value))
			return false;
		if ((cond->value & ~cond->mask) != 0) {
			problem(c, "%s & %s == %s can never hold", a, tok[2], tok[4]);
			return false;
		}
		return true;
	}
	if (left < 3 || !parse_op(tok[1], &cond->op)) {
		problem(c, "expected \"%s OP VALUE\" or \"%s & MASK == VALUE\"", a, a);
		return false;
	}
	*i += 3;
	return sg_policy_value(c, tok[2], &cond->value);
}

/* COND [and COND]... from tok[i] to the end. */
static bool parse_conds(struct line_ctx *c, int i, struct sg_policy_rule *r)
{
	unsigned seen = 0;
	for (;;) {
		struct sg_policy_cond cond;
		if (i >= c->n_tok) {
			problem(c, "a condition is missing after \"%s\"", c->tok[i - 1]);
			return false;
		}
		if (!parse_cond(c, &i, &cond))
			return false;
		if (seen & (1u << cond.arg)) {
			problem(c, "arg%u is compared twice: write one line per alternative", cond.arg);
			return false;
		}
		seen |= 1u << cond.arg;
		r->cond[r->n_conds++] = cond;
		if (i == c->n_tok)
			return true;
		if (strcmp(c->tok[i++], "and") != 0) {
			problem(c, "expected \"and\", not \"%.40s\"", c->tok[i - 1]);
			return false;
		}
	}
}

/* ---- rules ---- */

static const char *verb_of(enum sg_policy_action a)
{
	return a == SG_POLICY_ALLOW ? "allow" : a == SG_POLICY_ERRNO ? "errno" : "deny";
}

/* Why e and r cannot both be in one file, or NULL. */
static const char *clash(const struct sg_policy_rule *e, const struct sg_policy_rule *r)
{
	if (e->action != r->action || e->errno_value != r->errno_value)
		return "conflicts with";
	if (r->action == SG_POLICY_DENY || e->n_conds == 0 || r->n_conds == 0)
		return "repeats";
	return NULL; /* two conditional rules: alternatives */
}

static bool grow_rules(struct line_ctx *c)
{
	struct sg_policy *p = c->p;
	if (p->n_rules % 64 != 0)
		return true;
	if (p->n_rules == SG_POLICY_MAX_RULES) {
		problem(c, "more than %d rules", SG_POLICY_MAX_RULES);
		return false;
	}
	void *more = reallocarray(p->rule, (size_t)p->n_rules + 64, sizeof *p->rule);
	if (more == NULL) {
		problem(c, "out of memory");
		return false;
	}
	p->rule = more;
	return true;
}

/* Rules of an including file (smaller depth) win over included ones. */
static void add_rule(struct line_ctx *c, const struct sg_policy_rule *r)
{
	struct sg_policy *p = c->p;
	bool overridden = false;
	for (int i = 0; i < p->n_rules; i++) {
		struct sg_policy_rule *e = &p->rule[i];
		if (e->nr != r->nr || e->replaced)
			continue;
		if (e->depth > r->depth) {
			e->replaced = true;
		} else if (e->depth < r->depth) {
			overridden = true;
		} else if (clash(e, r) != NULL) {
			problem(c, "%s %s %s \"%s %s\" at %s:%d", verb_of(r->action), r->name, clash(e, r),
				verb_of(e->action), e->name, p->files[e->file], e->line);
			return;
		}
	}
	if (!overridden && grow_rules(c))
		p->rule[p->n_rules++] = *r;
}

/* `errno NAME|NUMBER ...`: the error; EPERM is the default, so `deny`. */
static bool parse_errno(struct line_ctx *c, const char *s, int *value)
{
	uint64_t v = 0;
	int named = sg_policy_errno(s);
	if (named == 0 && (!sg_policy_all_of(s, SG_POLICY_DIGITS) || strlen(s) > 4 ||
			   !sg_policy_value(c, s, &v) || v == 0 || v > 4095)) {
		problem(c, "\"%.40s\" is not an errno (ENOSYS, EACCES, ... or 1..4095)", s);
		return false;
	}
	*value = named != 0 ? named : (int)v;
	if (*value == 1) {
		problem(c, "errno EPERM is what every syscall not allowed gets: write \"deny\"");
		return false;
	}
	return true;
}

static bool rule_head(struct line_ctx *c, struct sg_policy_rule *r, int *i)
{
	const char *verb = c->tok[0];
	r->action = strcmp(verb, "allow") == 0 ? SG_POLICY_ALLOW
		    : strcmp(verb, "deny") == 0 ? SG_POLICY_DENY : SG_POLICY_ERRNO;
	*i = r->action == SG_POLICY_ERRNO ? 2 : 1; /* the syscall */
	if (*i >= c->n_tok) {
		problem(c, "%s: which syscall?", verb);
		return false;
	}
	if (r->action == SG_POLICY_ERRNO && !parse_errno(c, c->tok[1], &r->errno_value))
		return false;
	(*i)++;
	if (*i < c->n_tok && (strcmp(c->tok[*i], "if") != 0 || r->action == SG_POLICY_DENY)) {
		problem(c, "unexpected \"%.40s\"%s", c->tok[*i],
			r->action == SG_POLICY_DENY ? " (a deny takes no conditions)" : "");
		return false;
	}
	return *i == c->n_tok || parse_conds(c, *i + 1, r);
}

static void parse_rule(struct line_ctx *c)
{
	struct sg_policy_rule r = { .depth = c->depth, .file = c->file, .line = c->line };
	struct targets t = { 0 };
	int i;
	if (!rule_head(c, &r, &i))
		return;
	const char *target = c->tok[r.action == SG_POLICY_ERRNO ? 2 : 1];
	if (!resolve(c, target, &t))
		return;
	for (int k = 0; k < t.n; k++) {
		if (t.nr[k] < 0 && r.action != SG_POLICY_DENY) {
			problem(c, "\"%s\" is not a syscall on this architecture", t.name[k]);
			continue;
		}
		r.nr = t.nr[k];
		snprintf(r.name, sizeof r.name, "%s", t.name[k]);
		add_rule(c, &r);
	}
}

/* ---- groups and includes ---- */

static bool group_member(struct line_ctx *c, struct sg_policy_group *g, const struct targets *t, int k)
{
	for (int j = 0; j < g->n; j++) {
		if (g->nr[j] == t->nr[k]) {
			problem(c, "\"%s\" is in @%s twice", t->name[k], g->name);
			return false;
		}
	}
	g->nr[g->n] = t->nr[k];
	snprintf(g->member[g->n++], sizeof g->member[0], "%s", t->name[k]);
	return true;
}

static bool group_header(struct line_ctx *c, const char *name)
{
	struct sg_policy *p = c->p;
	if (strlen(name) >= SG_POLICY_NAME_MAX || !sg_policy_all_of(name, SYSCALL_CHARS "-") ||
	    c->n_tok < 3 || strcmp(c->tok[1], "=") != 0)
		problem(c, "a group is \"@name = syscall syscall ...\" (name: a-z, 0-9, _, -)");
	else if (find_group(p, name) != NULL)
		problem(c, "group @%s is defined twice", name);
	else if (p->n_groups == SG_POLICY_MAX_GROUPS)
		problem(c, "more than %d groups", SG_POLICY_MAX_GROUPS);
	else if (p->group == NULL && (p->group = calloc(SG_POLICY_MAX_GROUPS, sizeof *p->group)) == NULL)
		problem(c, "out of memory");
	else
		return true;
	return false;
}

static void parse_group(struct line_ctx *c)
{
	struct sg_policy *p = c->p;
	const char *name = c->tok[0] + 1;
	if (!group_header(c, name))
		return;
	struct sg_policy_group *g = &p->group[p->n_groups];
	*g = (struct sg_policy_group){ .file = c->file };
	snprintf(g->name, sizeof g->name, "%s", name);
	struct targets t = { 0 };
	for (int i = 2; i < c->n_tok; i++)
		if (!resolve(c, c->tok[i], &t))
			return;
	for (int k = 0; k < t.n; k++)
		if (!group_member(c, g, &t, k))
			return;
	p->n_groups++;
}

/* "DIR/name" when the including file was shown as "DIR/file". */
static void include_shown(const char *parent, const char *name, char *buf, size_t size)
{
	const char *slash = strrchr(parent, '/');
	int dir = slash != NULL ? (int)(slash - parent + 1) : 0;
	snprintf(buf, size, "%.*s%s", dir, parent, name);
}

static bool include_name_ok(const char *name)
{
	size_t len = strlen(name);
	return len > 7 && len < 64 && name[0] != '.' && strcmp(name + len - 7, ".policy") == 0 &&
	       sg_policy_all_of(name, SG_POLICY_LOWER SG_POLICY_UPPER SG_POLICY_DIGITS "_.-");
}

static bool include_allowed(struct line_ctx *c)
{
	if (c->n_tok != 2 || !include_name_ok(c->tok[1]))
		problem(c, "include takes one file name: NAME.policy in the same directory");
	else if (c->depth + 1 > SG_POLICY_MAX_DEPTH)
		problem(c, "includes nested deeper than %d (a cycle?)", SG_POLICY_MAX_DEPTH);
	else if (c->p->load == NULL)
		problem(c, "include %s: includes cannot be read here", c->tok[1]);
	else
		return true;
	return false;
}

static void parse_include(struct line_ctx *c)
{
	struct sg_policy *p = c->p;
	char shown[SG_POLICY_FILE_MAX], why[160] = "";
	char *text = NULL;
	size_t len = 0;
	if (!include_allowed(c))
		return;
	include_shown(p->files[c->file], c->tok[1], shown, sizeof shown);
	int file = sg_policy_add_file(p, shown);
	if (file < 0) {
		problem(c, "include %s: more than %d policy files", c->tok[1], MAX_FILES);
	} else if (p->load(p->load_ctx, c->tok[1], &text, &len, why, sizeof why) < 0) {
		problem(c, "include %s: %s", c->tok[1], why);
	} else {
		sg_policy_parse_text(p, file, c->depth + 1, text, len);
		free(text);
	}
}

void sg_policy_statement(struct line_ctx *c)
{
	const char *verb = c->tok[0];
	if (strcmp(verb, "allow") == 0 || strcmp(verb, "errno") == 0 || strcmp(verb, "deny") == 0)
		parse_rule(c);
	else if (strcmp(verb, "include") == 0)
		parse_include(c);
	else if (verb[0] == '@')
		parse_group(c);
	else
		problem(c, "unknown statement \"%.40s\" (allow, errno, deny, include or @group = ...)",
			verb);
}
