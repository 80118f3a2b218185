/* Shared by the filesystem layer's files (sandbox/fs_*.c); not an
 * interface for anything else. */
#ifndef SG_SANDBOX_FS_INTERNAL_H
#define SG_SANDBOX_FS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "gateway/error.h"
#include "sandbox/fs_view.h"

/* ---- paths (fs_resolve.c; the first two are pure) ---- */

/* A path a view may bind: absolute, not "/", no empty, "." or ".."
 * segment, no trailing '/', shorter than PATH_MAX, not /tmp or /var/tmp
 * (shared by every user), and not /proc, /sys, /dev or anything under
 * them (the cell has its own). */
int sg_fs_check_path(const char *path, struct sg_error *err);

/* O_PATH|O_CLOEXEC descriptor of an absolute path, resolved without
 * following any symlink: openat2(RESOLVE_NO_SYMLINKS), or, where the
 * kernel has no openat2, sg_fs_walk. -1 with errno (ELOOP: a symlink). */
int sg_fs_resolve(const char *path);

/* The same by hand: one O_PATH|O_NOFOLLOW openat per component, refusing
 * a component that is a symlink (ELOOP). On failure, *bad_len (if not
 * NULL) is the length of the prefix of path whose last component failed. */
int sg_fs_walk(const char *path, size_t *bad_len);

/* ---- generated /etc files (fs_etc.c, pure) ---- */

/* A user or group name fit for passwd/group: 1..63 bytes, none of ':',
 * ',', '\n' or NUL-less trickery. */
bool sg_fs_etc_name_ok(const char *name);
/* Each writes the file's whole text into buf; -1 if it does not fit or a
 * name is unfit. */
int sg_fs_etc_passwd(char *buf, size_t cap, const char *user, uid_t uid, gid_t gid);
int sg_fs_etc_group(char *buf, size_t cap, const char *group, gid_t gid);
int sg_fs_etc_hosts(char *buf, size_t cap);
int sg_fs_etc_nsswitch(char *buf, size_t cap);

/* ---- cell side (fs_mount.c, fs_etc_write.c, fs_dev.c, fs_proc.c) ---- */

/* Mount attributes for sg_fs_attach: MOUNT_ATTR_* bits. */
#define SG_FS_RO_EXEC  (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define SG_FS_RO       (SG_FS_RO_EXEC | MOUNT_ATTR_NOEXEC)
#define SG_FS_RW       (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Formats the step that failed into a static buffer (the cell's first
 * process has its own copy of it) and returns it; errno is kept. */
const char *sg_fs_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A directory (dir true) or an empty file at rel below the new root's
 * descriptor, creating missing directories on the way (mode 0755) and
 * refusing symlinks. O_PATH descriptor, or -1 with errno. */
int sg_fs_mkpath(int root, const char *rel, bool dir);

/* Clones the tree at src (recursively: the submounts of a tree bound from
 * the host are locked to it), sets attrs on every mount of the clone and
 * attaches it at rel below root. -1 with errno. */
int sg_fs_attach(int src, int root, const char *rel, unsigned attrs);

/* A new detached tmpfs with these MOUNT_ATTR_* flags and tmpfs options
 * (inodes NULL: the default): its mount descriptor, or -1 with errno. */
int sg_fs_tmpfs(unsigned attrs, const char *size, const char *mode, const char *inodes);

/* Attaches the detached mount mnt at the directory rel below root. */
int sg_fs_put(int mnt, int root, const char *rel);

/* Makes the single mount at fd read-only (not its submounts). */
int sg_fs_seal(int fd);

/* Step 2 of sg_fs_enter for one path: *fd := the path opened again
 * without symlinks, which must be the directory b->fd is (same device
 * and inode). NULL, or the step naming the path (errno ELOOP: now a
 * symlink; ESTALE: now another directory). */
const char *sg_fs_reopen(const struct sg_fs_bind *b, int *fd);

/* Each returns NULL or the failing step with errno set. */
const char *sg_fs_etc_build(const struct sg_fs_view *v, int root, uid_t uid, gid_t gid);
const char *sg_fs_dev_build(int root);
const char *sg_fs_proc_build(int root);

#endif
