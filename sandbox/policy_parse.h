/* Seccomp policy files (the .policy files in policies/): a pure parser from text to a
 * rule list. Text in, rules and problems out; included files come through
 * a callback, so the parser itself does no I/O.
 *
 * One statement per line, each ending in its reason:
 *
 *   # a comment line
 *   allow NAME [if COND [and COND]...]       # why the app needs it
 *   errno ERRNO NAME [if COND [and COND]...] # why it gets that error
 *   deny NAME                                # why it stays denied
 *   @group = NAME NAME ...                   # what the group is
 *   include FILE.policy                      # why
 *
 * NAME is a syscall (resolved for the native architecture) or an @group.
 * A statement without a reason (a '#' followed by at least three letters)
 * is refused, so nothing is allowed without one. COND compares an argument:
 * `argN OP VALUE` with OP one of == != < <= > >=, or `argN & MASK ==
 * VALUE` (`argN & 0xffffffff == X` compares the low 32 bits, as the kernel
 * reads an int or unsigned int argument). VALUE and MASK are numbers
 * (decimal or 0x hex) or constant names (AF_UNIX, FIONREAD, CLONE_NEWUSER,
 * ...), joined with '|' and no spaces. Several `allow` lines for one
 * syscall are alternatives; the conditions of one line all must hold.
 *
 * `deny` is what the default does anyway (EPERM); it is there for review,
 * and a later `allow` of the same syscall in the same file is an error. In
 * one file a syscall has one action; rules in an including file replace
 * those of the files it includes. */
#ifndef SG_SANDBOX_POLICY_PARSE_H
#define SG_SANDBOX_POLICY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_POLICY_MAX_RULES 2048
#define SG_POLICY_MAX_GROUPS 64
#define SG_POLICY_GROUP_MAX 128 /* members */
#define SG_POLICY_MAX_ARGS 6
#define SG_POLICY_MAX_DEPTH 4   /* include nesting */
#define SG_POLICY_MAX_PROBLEMS 32
#define SG_POLICY_MAX_TEXT (1 << 20)
#define SG_POLICY_NAME_MAX 48
#define SG_POLICY_FILE_MAX 256

enum sg_policy_action {
	SG_POLICY_ALLOW = 1,
	SG_POLICY_ERRNO = 2, /* answer with errno_value */
	SG_POLICY_DENY = 3,  /* the default (EPERM), stated for review */
};

enum sg_policy_op {
	SG_POLICY_EQ = 1,
	SG_POLICY_NE,
	SG_POLICY_LT,
	SG_POLICY_LE,
	SG_POLICY_GT,
	SG_POLICY_GE,
	SG_POLICY_MASKED_EQ, /* (arg & mask) == value */
};

struct sg_policy_cond {
	unsigned arg; /* 0..5 */
	enum sg_policy_op op;
	uint64_t mask; /* SG_POLICY_MASKED_EQ only */
	uint64_t value;
};

struct sg_policy_rule {
	int nr; /* native syscall number */
	char name[SG_POLICY_NAME_MAX];
	enum sg_policy_action action;
	int errno_value;
	int n_conds;
	struct sg_policy_cond cond[SG_POLICY_MAX_ARGS];
	int depth;     /* include depth of its file (0 = the file asked for) */
	int file;      /* index in files[] */
	int line;
	bool replaced; /* by a rule of an including file: not part of the filter */
};

struct sg_policy_group {
	char name[SG_POLICY_NAME_MAX]; /* without the '@' */
	int file;
	int n;
	int nr[SG_POLICY_GROUP_MAX];
	char member[SG_POLICY_GROUP_MAX][SG_POLICY_NAME_MAX];
};

struct sg_policy_problem {
	int file; /* index in files[] */
	int line; /* 0: about the file as a whole */
	char msg[200];
};

/* Returns 0 with *text (malloc'd, the parser frees it) and *len, or -1
 * with why[] filled. name is a plain file name ("wsgi.policy"). */
typedef int (*sg_policy_load_fn)(void *ctx, const char *name, char **text, size_t *len,
				 char *why, size_t why_size);

struct sg_policy {
	struct sg_policy_rule *rule;
	int n_rules;
	struct sg_policy_group *group;
	int n_groups;
	char (*files)[SG_POLICY_FILE_MAX]; /* names as shown in problems */
	int n_files;
	struct sg_policy_problem problem[SG_POLICY_MAX_PROBLEMS];
	int n_problems; /* may exceed SG_POLICY_MAX_PROBLEMS; the rest are not kept */
	sg_policy_load_fn load; /* NULL: include is refused */
	void *load_ctx;
};

/* Prepares an empty policy. Returns 0, or -1 when out of memory. */
int sg_policy_init(struct sg_policy *p, sg_policy_load_fn load, void *load_ctx);

/* Parses text as the file `name` (shown in problems as given; included
 * files are shown with the same directory part). Returns 0 when there was
 * no problem, -1 otherwise, with p->problem[] saying what and where. */
int sg_policy_parse(struct sg_policy *p, const char *name, const char *text, size_t len);

/* "FILE:LINE: message" of problem i. */
void sg_policy_problem_text(const struct sg_policy *p, int i, char *buf, size_t size);

void sg_policy_free(struct sg_policy *p);

/* The value of a constant name usable in conditions; false if unknown.
 * (sandbox/policy_consts.c) */
bool sg_policy_const(const char *name, size_t len, uint64_t *value);

/* The number of an errno name (ENOSYS...), or 0 if unknown. */
int sg_policy_errno(const char *name);

#endif
