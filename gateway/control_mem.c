/* Memory use of a cell for `sandgate status`: the memory controller's
 * cgroup of the zygote, from /proc/PID/cgroup and the gateway's
 * mountinfo (sandbox/cgroup_parse.c does the parsing), counted only when
 * it is the cell's own (sandbox/cgroup.c: .../sandgate/NAME-N). A cell
 * without a memory limit has no memory cgroup of its own: "n/a", rather
 * than the gateway's whole cgroup. */
#include "control_status.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/cgroup_parse.h"

bool sg_cgroup_dir_is_cell(const char *dir, const char *name)
{
	const char *base = strrchr(dir, '/');
	if (base == NULL || base == dir)
		return false;
	size_t parent_len = (size_t)(base - dir);
	const char *parent = "/sandgate";
	size_t pl = strlen(parent);
	if (parent_len < pl || memcmp(base - pl, parent, pl) != 0)
		return false;
	base++;
	size_t n = strlen(name);
	if (strncmp(base, name, n) != 0 || base[n] != '-' || base[n + 1] == '\0')
		return false;
	for (const char *p = base + n + 1; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Small files only (/proc/PID/cgroup, a counter): NUL-terminated text. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return len > 0 ? 0 : -1;
}

static long long read_counter(const char *dir, const char *file)
{
	char path[4200], text[64], *end;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_small(path, text, sizeof text) < 0)
		return -1;
	long long v = strtoll(text, &end, 10);
	return end != text && v >= 0 ? v : -1;
}

long long sg_cell_memory(long pid, const char *name, const char *mountinfo)
{
	char path[64], cg[8192], dir[4096];
	struct sg_error err;
	if (mountinfo == NULL || pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/cgroup", pid);
	if (read_small(path, cg, sizeof cg) < 0)
		return -1;
	if (sg_cgroup_v1_dir(cg, mountinfo, "memory", dir, sizeof dir, &err) == 0 &&
	    sg_cgroup_dir_is_cell(dir, name))
		return read_counter(dir, "memory.usage_in_bytes");
	if (sg_cgroup_v2_dir(cg, mountinfo, dir, sizeof dir, &err) == 0 &&
	    sg_cgroup_dir_is_cell(dir, name))
		return read_counter(dir, "memory.current");
	return -1;
}
