/* `sandgate serve`'s sandbox options (cli_sandbox.c); cli.c owns the
 * option table and hands these over. */
#ifndef SG_CLI_SANDBOX_H
#define SG_CLI_SANDBOX_H

#include <stdbool.h>

#include "config.h"

enum {
	SG_OPT_NETWORK = 512, SG_OPT_WRITABLE, SG_OPT_TMP_SIZE, SG_OPT_POLICY,
	SG_OPT_SECCOMP_LOG, SG_OPT_NO_SECCOMP, SG_OPT_SANDBOX_END,
};

#define SG_CLI_SANDBOX_OPTIONS                                                           \
	{ "network", required_argument, NULL, SG_OPT_NETWORK },                          \
	{ "writable", required_argument, NULL, SG_OPT_WRITABLE },                        \
	{ "tmp-size", required_argument, NULL, SG_OPT_TMP_SIZE },                        \
	{ "policy", required_argument, NULL, SG_OPT_POLICY },                            \
	{ "seccomp-log", no_argument, NULL, SG_OPT_SECCOMP_LOG },                        \
	{ "no-seccomp", no_argument, NULL, SG_OPT_NO_SECCOMP }

#define SG_CLI_SANDBOX_USAGE                                                             \
	"The sandbox (every layer is on by default):\n"                                  \
	"  --network MODE         none (default: no network), loopback (the cell's own\n"  \
	"                         lo), or host (the host's network)\n"                     \
	"  --writable DIR         bind DIR read-write into the cell (repeatable; the\n"    \
	"                         app directory is read-only)\n"                          \
	"  --tmp-size SIZE        size of the cell's private /tmp (default 64M)\n"         \
	"  --policy NAME          seccomp policy policies/NAME.policy (default wsgi;\n"    \
	"                         wsgi-exec lets the app run programs)\n"                  \
	"  --seccomp-log          log each denied syscall in the app's log (still denied)\n" \
	"  --no-seccomp           no syscall filter, logged as a warning at every cell\n"  \
	"                         start: only for measuring what the filter costs\n"       \
	"\n"

int sg_cli_sandbox_option(int opt, const char *val, struct sg_app_conf *app,
			  struct sg_error *err);
int sg_cli_sandbox_check(const struct sg_app_conf *app, bool policy_given,
			 struct sg_error *err);

#endif
