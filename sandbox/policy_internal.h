/* Shared between the parts of the policy parser (policy_parse.c: files,
 * lines, words, numbers; policy_stmt.c: the statements). Not an API. */
#ifndef SG_SANDBOX_POLICY_INTERNAL_H
#define SG_SANDBOX_POLICY_INTERNAL_H

#include "sandbox/policy_parse.h"

#define MAX_TOKENS 64
#define MAX_FILES 16

struct line_ctx {
	struct sg_policy *p;
	int file;
	int line;
	int depth;
	char *tok[MAX_TOKENS];
	int n_tok;
};

__attribute__((format(printf, 4, 5)))
void sg_policy_problem_at(struct sg_policy *p, int file, int line, const char *fmt, ...);

#define problem(c, ...) sg_policy_problem_at((c)->p, (c)->file, (c)->line, __VA_ARGS__)

/* NUMBER|NAME|... -> the OR of the terms; false after a problem. */
bool sg_policy_value(struct line_ctx *c, const char *s, uint64_t *out);

/* s is not empty and made only of characters in set. */
bool sg_policy_all_of(const char *s, const char *set);

#define SG_POLICY_LOWER "abcdefghijklmnopqrstuvwxyz"
#define SG_POLICY_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define SG_POLICY_DIGITS "0123456789"

/* A tokenized line with its reason checked (policy_stmt.c). */
void sg_policy_statement(struct line_ctx *c);

/* Another file's text, at include depth `depth`. */
int sg_policy_parse_text(struct sg_policy *p, int file, int depth, const char *text, size_t len);

/* Index of a new file name for problems; -1 when there are too many. */
int sg_policy_add_file(struct sg_policy *p, const char *name);

#endif
