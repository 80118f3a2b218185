/* Stub: Landlock is being built (issue 3). */
#include "sandbox/landlock.h"

int sg_landlock_abi(void)
{
	return 0;
}

const char *sg_landlock_apply(const struct sg_landlock *ll)
{
	(void)ll;
	return NULL;
}
