/* What this host offers of the sandbox's layers, found by trying each one
 * (in child processes that make namespaces, mount, load a filter) rather
 * than by reading version numbers. Used by `sandgate check --probe`.
 * Knows nothing of HTTP or Python.
 *
 *   probe.c         the list; namespaces and mounts, tried as a cell does
 *   probe_kernel.c  cgroups, seccomp, Landlock, openat2 */
#ifndef SG_SANDBOX_PROBE_H
#define SG_SANDBOX_PROBE_H

#include <stdbool.h>

#define SG_PROBE_MAX 24

struct sg_probe_line {
	const char *name; /* "user namespaces" */
	bool ok;
	bool required;    /* a default layer: without it no cell starts */
	char text[320];   /* "yes (unprivileged: yes)", "no (unshare: EPERM)" */
};

struct sg_probe {
	int n;
	struct sg_probe_line line[SG_PROBE_MAX];
};

/* Tries every layer; as_root says whether cells would be started by root
 * (then the default pids limit needs a writable pids cgroup). */
void sg_probe_run(struct sg_probe *p, bool as_root);

/* ---- probe_kernel.c, called by sg_probe_run ---- */

/* Appends a line; its text is printf-formatted. */
struct sg_probe_line *sg_probe_add(struct sg_probe *p, const char *name, bool ok, bool required,
				   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void sg_probe_cgroups(struct sg_probe *p, bool as_root);
void sg_probe_seccomp(struct sg_probe *p);
void sg_probe_landlock(struct sg_probe *p);
void sg_probe_openat2(struct sg_probe *p);

#endif
