/* The cell's /proc: a fresh procfs of the cell's pid namespace, so only
 * the cell's own processes show (the gateway and the host's processes do
 * not exist there), mounted read-only. What is not per-process is the
 * host's, so the parts that write kernel state are also bound read-only
 * over themselves (they stay so should the top mount change), and the
 * ones that leak kernel addresses or side channels (catalogue row 29) are
 * masked: a file by the cell's /dev/null bound with nodev (opening it
 * fails with EACCES), a directory by an empty read-only tmpfs. What the
 * running kernel does not have is skipped. It must be mounted while the
 * host's /proc is still in the namespace: the kernel mounts a procfs in a
 * user namespace only where a fully visible one already is. */
#include "sandbox/fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const read_only[] = { "sys", "sysrq-trigger", "irq", "bus", "fs" };
static const char *const masked_files[] = {
	"kcore", "kallsyms", "keys", "key-users", "timer_list", "sched_debug", "interrupts",
	"softirqs", "latency_stats", "timer_stats", "kmsg", "kpagecount", "kpageflags",
	"kpagecgroup", "vmallocinfo", "config.gz",
};
static const char *const masked_dirs[] = { "acpi", "scsi", "asound", "driver", "tty" };

static bool exists(int proc, const char *name)
{
	struct stat st;
	return fstatat(proc, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static const char *over_itself(int proc, const char *name)
{
	int src = openat(proc, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return errno == ENOENT ? NULL : sg_fs_step("open /proc/%s", name);
	int rc = sg_fs_attach(src, proc, name, SG_FS_RO);
	int saved = errno;
	close(src);
	errno = saved;
	return rc < 0 ? sg_fs_step("bind /proc/%s read-only", name) : NULL;
}

static const char *mask_dir(int proc, const char *name)
{
	int empty = sg_fs_tmpfs(SG_FS_RO, "4k", "0555", "4");
	if (empty < 0)
		return sg_fs_step("tmpfs to mask /proc/%s", name);
	int rc = sg_fs_put(empty, proc, name);
	int saved = errno;
	close(empty);
	errno = saved;
	return rc < 0 ? sg_fs_step("mask /proc/%s", name) : NULL;
}

static const char *mask_all(int root, int proc)
{
	int null = openat(root, "dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (null < 0)
		return sg_fs_step("open the cell's /dev/null");
	const char *step = NULL;
	for (size_t i = 0; step == NULL && i < sizeof masked_files / sizeof masked_files[0]; i++)
		if (exists(proc, masked_files[i]) &&
		    sg_fs_attach(null, proc, masked_files[i], SG_FS_RO) < 0)
			step = sg_fs_step("mask /proc/%s", masked_files[i]);
	for (size_t i = 0; step == NULL && i < sizeof masked_dirs / sizeof masked_dirs[0]; i++)
		if (exists(proc, masked_dirs[i]))
			step = mask_dir(proc, masked_dirs[i]);
	int saved = errno;
	close(null);
	errno = saved;
	return step;
}

const char *sg_fs_proc_build(int root)
{
	int fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return sg_fs_step("fsopen proc");
	int proc = -1;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		proc = fsmount(fs, FSMOUNT_CLOEXEC, SG_FS_RW);
	int saved = errno;
	close(fs);
	errno = saved;
	if (proc < 0)
		return sg_fs_step("mount a procfs for the cell's pid namespace");
	const char *step = NULL;
	if (sg_fs_put(proc, root, "proc") < 0)
		step = sg_fs_step("mount /proc");
	for (size_t i = 0; step == NULL && i < sizeof read_only / sizeof read_only[0]; i++)
		step = over_itself(proc, read_only[i]);
	if (step == NULL)
		step = mask_all(root, proc);
	/* Nothing in a cell needs to write /proc, and a read-only mount stops
	 * writes through /proc/PID/mem and the like (catalogue row 37's
	 * Dirty-COW path) even on a kernel without Landlock. */
	if (step == NULL && sg_fs_seal(proc) < 0)
		step = sg_fs_step("make /proc read-only");
	saved = errno;
	close(proc);
	errno = saved;
	return step;
}
