/* Memory a script's process does not inherit. A Python script runs in a
 * fork of its worker (cgi_child.c), so whatever the worker still holds of
 * earlier requests - their bodies, their output, their stderr - would be
 * readable there (/proc/self/mem, ctypes), though those requests may have
 * gone to other scripts for other clients. Mappings marked
 * MADV_WIPEONFORK read as zeros in the child. */
#include "gateway/worker/cgi_serve.h"

#include <string.h>
#include <sys/mman.h>

void *sg_cgi_wiped_alloc(size_t len, struct sg_error *err)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		sg_fail_errno(err, "mmap of %zu bytes for the CGI buffers", len);
		return NULL;
	}
	/* Without it the buffers would leak into every Python script: fail. */
	if (madvise(p, len, MADV_WIPEONFORK) < 0) {
		sg_fail_errno(err, "madvise(MADV_WIPEONFORK) of the CGI buffers");
		munmap(p, len);
		return NULL;
	}
	return p;
}

void sg_cgi_wiped_clear(void *p, size_t len)
{
	/* The pages go back to the kernel and read as zeros from then on; the
	 * mapping keeps MADV_WIPEONFORK. */
	if (madvise(p, len, MADV_DONTNEED) < 0)
		explicit_bzero(p, len);
}
