/* Landlock's kernel interface beyond what Debian 12's <linux/landlock.h>
 * knows (it stops at ABI 2): the later access rights, the TCP port rule
 * and scopes, with the kernel's values and layouts, under our own names
 * so that a newer header does not clash. */
#ifndef SG_SANDBOX_LANDLOCK_INTERNAL_H
#define SG_SANDBOX_LANDLOCK_INTERNAL_H

#include <linux/landlock.h>
#include <stdint.h>

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

#define LL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

/* The rights a rule on a file (not a directory) may carry. */
#define LL_FS_FILE_RIGHTS \
	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/* struct landlock_ruleset_attr as of ABI 6. An older kernel accepts it
 * as long as the fields it does not know are zero. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* landlock_fs.c: the rules of the mount view (sandbox/fs_view.h), each
 * masked by handled (the rights this ruleset handles). NULL, or the step
 * that failed (errno set). */
struct sg_fs_view;
const char *sg_ll_add_fs_rules(int ruleset, uint64_t handled, const struct sg_fs_view *fs,
			       int exe_fd);

/* The filesystem rights the kernel's ABI abi knows. */
uint64_t sg_ll_fs_rights(int abi);

#endif
