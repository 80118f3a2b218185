/* The Landlock path rules of a cell: what the mount view (sandbox/fs_view.h)
 * holds, each place with only the rights its use needs. The same split as
 * the mounts: what can be executed cannot be written, what can be written
 * cannot be executed. Paths are opened (O_PATH) in the cell's new root, so
 * a rule lands on what the cell sees; a fixed path the view lacks (no
 * /lib32 on this host) is skipped. */
#include "sandbox/landlock_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/fs_view.h"

#define LL_READ (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_READ_EXEC (LL_READ | LL_FS_EXECUTE)
/* Writable places: everything but execute, device nodes and device
 * ioctls (the mounts are noexec and nodev as well). */
#define LL_READ_WRITE                                                                  \
	(LL_READ | LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | \
	 LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO |              \
	 LL_FS_MAKE_SYM | LL_FS_REFER)
/* The character devices: O_TRUNC on /dev/null is common (shell `>`). */
#define LL_DEVICE (LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE)

static const struct {
	const char *path;
	uint64_t access;
} fixed_rules[] = {
	{ "/", LL_FS_READ_DIR }, /* listing only: files below need their own rule */
	{ "/usr", LL_READ_EXEC },
	{ "/bin", LL_READ_EXEC },   /* links into /usr on a merged-/usr host, */
	{ "/sbin", LL_READ_EXEC },  /* or read-only binds on an older one */
	{ "/lib", LL_READ_EXEC },
	{ "/lib32", LL_READ_EXEC },
	{ "/lib64", LL_READ_EXEC },
	{ "/libx32", LL_READ_EXEC },
	{ "/etc", LL_READ },
	/* Read only: no write to /proc/self/mem (Dirty COW's path, row 37),
	 * to /proc/self/attr, oom_score_adj or anything else there. */
	{ "/proc", LL_READ },
	{ "/dev/null", LL_DEVICE },
	{ "/dev/zero", LL_DEVICE },
	{ "/dev/full", LL_DEVICE },
	{ "/dev/random", LL_DEVICE },
	{ "/dev/urandom", LL_DEVICE },
	{ "/tmp", LL_READ_WRITE },
};

/* One rule on fd; a rule on a file keeps only the rights a file can have. */
static const char *add_rule_fd(int ruleset, int fd, uint64_t access, uint64_t handled)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return "landlock: fstat of a rule's path";
	if (!S_ISDIR(st.st_mode))
		access &= LL_FS_FILE_RIGHTS;
	struct landlock_path_beneath_attr rule = { .allowed_access = access & handled,
						   .parent_fd = fd };
	if (rule.allowed_access == 0)
		return NULL;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0) < 0)
		return "landlock_add_rule(path)";
	return NULL;
}

static const char *add_rule_path(int ruleset, const char *path, uint64_t access,
				 uint64_t handled, bool may_be_missing)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return may_be_missing && errno == ENOENT ? NULL : "landlock: open(O_PATH) of a rule's path";
	const char *step = add_rule_fd(ruleset, fd, access, handled);
	int saved = errno;
	close(fd);
	errno = saved;
	return step;
}

const char *sg_ll_add_fs_rules(int ruleset, uint64_t handled, const struct sg_fs_view *fs,
			       int exe_fd)
{
	const char *step = NULL;
	for (size_t i = 0; step == NULL && i < sizeof fixed_rules / sizeof fixed_rules[0]; i++)
		step = add_rule_path(ruleset, fixed_rules[i].path, fixed_rules[i].access, handled,
				     true);
	/* The app's own paths: read, or read and write. Not execute, even on
	 * read-only ones: rights add up down a hierarchy, so a writable
	 * directory inside the app's would become executable. (A venv's .so
	 * files still load: Landlock's EXECUTE is about execve, not mmap.)
	 * The exception, CGI roots (exec), hold no writable place: the
	 * configuration refuses a writable directory inside one. */
	for (int i = 0; step == NULL && i < fs->n_binds; i++)
		step = add_rule_path(ruleset, fs->binds[i].path,
				     fs->binds[i].writable ? LL_READ_WRITE
				     : fs->binds[i].exec  ? LL_READ_EXEC
							  : LL_READ, handled, false);
	/* The worker binary lies outside the view: only this exec reaches it. */
	if (step == NULL && exe_fd >= 0)
		step = add_rule_fd(ruleset, exe_fd, LL_FS_EXECUTE | LL_FS_READ_FILE, handled);
	return step;
}
