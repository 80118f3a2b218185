/* The seccomp policy parser (syntax in policy_parse.h). Pure: text in,
 * rules and problems out; syscall names are looked up in libseccomp's
 * tables, included files come through the caller's load function. */
#include "sandbox/policy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 1000

void sg_policy_problem_at(struct sg_policy *p, int file, int line, const char *fmt, ...)
{
	if (p->n_problems < SG_POLICY_MAX_PROBLEMS) {
		struct sg_policy_problem *pr = &p->problem[p->n_problems];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(pr->msg, sizeof pr->msg, fmt, ap);
		va_end(ap);
		pr->file = file;
		pr->line = line;
	}
	p->n_problems++;
}

int sg_policy_init(struct sg_policy *p, sg_policy_load_fn load, void *load_ctx)
{
	*p = (struct sg_policy){ .load = load, .load_ctx = load_ctx };
	p->files = calloc(MAX_FILES, sizeof *p->files);
	return p->files != NULL ? 0 : -1;
}

void sg_policy_free(struct sg_policy *p)
{
	free(p->rule);
	free(p->group);
	free(p->files);
	*p = (struct sg_policy){ 0 };
}

void sg_policy_problem_text(const struct sg_policy *p, int i, char *buf, size_t size)
{
	const struct sg_policy_problem *pr = &p->problem[i];
	const char *file = pr->file >= 0 && pr->file < p->n_files ? p->files[pr->file] : "?";
	if (pr->line > 0)
		snprintf(buf, size, "%s:%d: %s", file, pr->line, pr->msg);
	else
		snprintf(buf, size, "%s: %s", file, pr->msg);
}

/* ---- words and numbers ---- */

bool sg_policy_all_of(const char *s, const char *set)
{
	return s[0] != '\0' && strspn(s, set) == strlen(s);
}

static int digit_value(char ch, int base)
{
	int v = ch >= '0' && ch <= '9' ? ch - '0'
		: (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f' ? (ch | 0x20) - 'a' + 10 : 99;
	return v < base ? v : -1;
}

/* Decimal, or hex after "0x". */
static bool parse_number(const char *s, size_t len, uint64_t *out)
{
	int base = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	size_t i = base == 16 ? 2 : 0;
	uint64_t v = 0;
	if (i == len)
		return false;
	for (; i < len; i++) {
		int d = digit_value(s[i], base);
		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

bool sg_policy_value(struct line_ctx *c, const char *s, uint64_t *out)
{
	uint64_t v = 0;
	for (const char *term = s;;) {
		size_t len = strcspn(term, "|");
		uint64_t t;
		if (len == 0 || !(parse_number(term, len, &t) || sg_policy_const(term, len, &t))) {
			problem(c, "\"%.*s\" is neither a number nor a known constant", (int)len, term);
			return false;
		}
		v |= t;
		if (term[len] == '\0')
			break;
		term += len + 1;
	}
	*out = v;
	return true;
}

/* ---- the lines ---- */

/* At least three letters after the '#'. */
static bool is_reason(const char *r)
{
	int letters = 0;
	for (; r != NULL && *r != '\0'; r++)
		letters += (*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z');
	return letters >= 3;
}

static bool tokenize(struct line_ctx *c, char *code)
{
	char *save = NULL;
	c->n_tok = 0;
	for (char *t = strtok_r(code, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (c->n_tok == MAX_TOKENS) {
			problem(c, "more than %d words", MAX_TOKENS);
			return false;
		}
		c->tok[c->n_tok++] = t;
	}
	return true;
}

static bool check_chars(struct line_ctx *c, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t' && !(ch == '\r' && i == len - 1)) || ch == 0x7f) {
			problem(c, "control character 0x%02x", ch);
			return false;
		}
	}
	return true;
}

static void parse_line(struct line_ctx *c, const char *s, size_t len)
{
	char buf[LINE_MAX_LEN + 1];
	if (len > LINE_MAX_LEN) {
		problem(c, "line longer than %d characters", LINE_MAX_LEN);
		return;
	}
	if (!check_chars(c, s, len))
		return;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *code = buf + strspn(buf, " \t\r");
	if (code[0] == '\0' || code[0] == '#')
		return;
	char *reason = strchr(code, '#');
	if (reason != NULL)
		*reason++ = '\0';
	if (!tokenize(c, code) || c->n_tok == 0)
		return;
	if (!is_reason(reason)) {
		problem(c, "\"%.40s%s%.40s\" has no reason: end the line with \"# why\"", c->tok[0],
			c->n_tok > 1 ? " " : "", c->n_tok > 1 ? c->tok[1] : "");
		return;
	}
	sg_policy_statement(c);
}

int sg_policy_add_file(struct sg_policy *p, const char *name)
{
	if (p->n_files == MAX_FILES)
		return -1;
	snprintf(p->files[p->n_files], sizeof p->files[0], "%s", name);
	return p->n_files++;
}

int sg_policy_parse_text(struct sg_policy *p, int file, int depth, const char *text, size_t len)
{
	int before = p->n_problems;
	struct line_ctx c = { .p = p, .file = file, .depth = depth };
	if (len > SG_POLICY_MAX_TEXT) {
		sg_policy_problem_at(p, file, 0, "larger than %d bytes", SG_POLICY_MAX_TEXT);
		return -1;
	}
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		c.line++;
		if (memchr(text + at, '\0', end - at) != NULL)
			problem(&c, "NUL byte");
		else
			parse_line(&c, text + at, end - at);
		at = end + 1;
	}
	return p->n_problems == before ? 0 : -1;
}

int sg_policy_parse(struct sg_policy *p, const char *name, const char *text, size_t len)
{
	int file = sg_policy_add_file(p, name);
	if (file < 0) {
		sg_policy_problem_at(p, 0, 0, "more than %d policy files", MAX_FILES);
		return -1;
	}
	sg_policy_parse_text(p, file, 0, text, len);
	return p->n_problems == 0 ? 0 : -1;
}
