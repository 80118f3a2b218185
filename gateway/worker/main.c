/* sandgate-worker: the process inside a sandgate cell. See zygote.h for
 * what it does, gateway/cellproto.h for how it is started. */
#include "gateway/worker/py.h" /* before any system header */

#include <stdio.h>
#include <stdlib.h>

#include "gateway/error.h"
#include "gateway/worker/args.h"
#include "gateway/worker/zygote.h"

int main(int argc, char **argv)
{
	static struct sg_worker_args args;
	struct sg_error err;
	if (sg_worker_args_parse(argc, argv, &args, &err) < 0) {
		fprintf(stderr, "sandgate-worker: %s\n", err.msg);
		return 2;
	}
	if (args.help) {
		fputs(sg_worker_usage(), stdout);
		return 0;
	}
	sg_zygote_run(&args, argv[0]);
}
