/* Which user's script a CGI request runs (README "Replacing suEXEC").
 * Placeholder until the checks land: every CGI request is refused. */
#include "cgi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int sg_cgi_prepare(struct sg_gateway *gw, enum sg_cgi_origin origin, const char *env,
		   size_t env_len, struct sg_cgi_job *job)
{
	(void)gw;
	(void)origin;
	(void)env;
	(void)env_len;
	memset(job, 0, sizeof *job);
	job->http_status = 503;
	job->exit_code = SG_CGI_EXIT_UNAVAILABLE;
	snprintf(job->reason, sizeof job->reason, "CGI is not configured");
	sg_warn("cgi: refused: %s", job->reason);
	return -1;
}

void sg_cgi_job_free(struct sg_cgi_job *job)
{
	free(job->env);
	job->env = NULL;
}
