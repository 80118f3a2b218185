/* sandgate: the command line. */
#include <stdio.h>
#include <string.h>

#include "cmd_serve.h"
#include "commands.h"

#define SANDGATE_VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("usage: sandgate serve [options] APP     serve one WSGI app\n"
	      "       sandgate serve -c FILE            serve what a configuration file describes\n"
	      "       sandgate check -c FILE            validate a configuration, start nothing\n"
	      "       sandgate check --probe            which sandbox layers this host provides\n"
	      "       sandgate status [--json] [APP]    what the running gateway's apps are doing\n"
	      "       sandgate reload APP | stop APP    restart or stop one app's cell\n"
	      "       sandgate version\n"
	      "See `sandgate serve --help` and sandgate(1).\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return sg_cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return sg_cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0 || strcmp(cmd, "stop") == 0)
		return sg_cmd_status(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("sandgate %s\n", SANDGATE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "sandgate: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
