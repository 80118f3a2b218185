/* /proc/self/cgroup has one line per hierarchy, "ID:CONTROLLERS:PATH":
 * "0::/x" for v2, "4:memory:/x" or "2:cpu,cpuacct:/x" for v1, PATH being
 * relative to the hierarchy's root (or to the cgroup namespace's root).
 * /proc/self/mountinfo says where each hierarchy is mounted:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
 * SUPEROPTIONS", with ROOT the part of the hierarchy the mount shows,
 * fstype "cgroup2" for v2 and "cgroup" for v1, whose super options name
 * its controllers ("rw,cpu,cpuacct"); blanks and backslashes in paths are
 * written as octal escapes (\040). The directory of our cgroup is then
 * MOUNTPOINT + (PATH less ROOT). */
#include "sandbox/cgroup_parse.h"

#include <stdio.h>
#include <string.h>

#define LINE_MAX_LEN 16384

static const char *const ctrl_names[SG_CG_NCTRL] = { "memory", "pids", "cpu" };

const char *sg_cgroup_ctrl_name(enum sg_cgroup_ctrl ctrl)
{
	return ctrl >= 0 && ctrl < SG_CG_NCTRL ? ctrl_names[ctrl] : "?";
}

bool sg_cgroup_ctrl_limited(const struct sg_cgroup_limits *lim, enum sg_cgroup_ctrl ctrl)
{
	switch (ctrl) {
	case SG_CG_MEMORY: return lim->memory > 0;
	case SG_CG_PIDS: return lim->pids > 0;
	case SG_CG_CPU: return lim->cpu_us > 0;
	default: return false;
	}
}

/* Copies the line at *text into buf and moves past it; false at the end.
 * A line too long for buf comes back empty (it then matches nothing). */
static bool next_line(const char **text, char *buf, size_t size)
{
	const char *s = *text;
	if (*s == '\0')
		return false;
	size_t len = strcspn(s, "\n");
	*text = s + len + (s[len] == '\n');
	if (len >= size)
		len = 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

/* Whether word is one of the sep-separated items of list. */
static bool item_listed(const char *list, const char *word, const char *sep)
{
	size_t wlen = strlen(word);
	while (*list != '\0') {
		list += strspn(list, sep);
		size_t n = strcspn(list, sep);
		if (n == wlen && n > 0 && memcmp(list, word, n) == 0)
			return true;
		list += n;
	}
	return false;
}

bool sg_cgroup_word_listed(const char *list, const char *word)
{
	return item_listed(list, word, " \t\n");
}

/* "\040" -> ' ', in place (mountinfo's escapes for blank, tab, newline
 * and backslash). */
static void unescape(char *s)
{
	char *out = s;
	for (const char *in = s; *in != '\0'; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

struct mount_entry {
	char *root, *point, *fstype, *super;
};

static bool parse_mount_line(char *line, struct mount_entry *m)
{
	char *save = NULL, *f[6], *t;
	for (int i = 0; i < 6; i++)
		if ((f[i] = strtok_r(i == 0 ? line : NULL, " ", &save)) == NULL)
			return false;
	while ((t = strtok_r(NULL, " ", &save)) != NULL && strcmp(t, "-") != 0)
		; /* optional fields */
	if (t == NULL || (m->fstype = strtok_r(NULL, " ", &save)) == NULL ||
	    strtok_r(NULL, " ", &save) == NULL || (m->super = strtok_r(NULL, " ", &save)) == NULL)
		return false;
	m->root = f[3];
	m->point = f[4];
	unescape(m->root);
	unescape(m->point);
	return true;
}

/* The PATH of the /proc/self/cgroup line for v2 (ctrl NULL: "0::PATH")
 * or for the v1 hierarchy with ctrl, copied into path. */
static bool find_cgroup_path(const char *proc_cgroup, const char *ctrl, char *path, size_t size)
{
	char line[LINE_MAX_LEN];
	while (next_line(&proc_cgroup, line, sizeof line)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		bool match = ctrl == NULL ? strcmp(line, "0") == 0 && c1[1] == '\0'
					  : item_listed(c1 + 1, ctrl, ",");
		if (match && c2[1] == '/' && strlen(c2 + 1) < size) {
			strcpy(path, c2 + 1);
			return true;
		}
	}
	return false;
}

/* A path outside the cgroup namespace's root shows as "/../x". */
static bool has_dotdot(const char *path)
{
	for (const char *s = path; *s != '\0'; s += strcspn(s, "/")) {
		s += strspn(s, "/");
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return true;
	}
	return false;
}

/* point + (path less root) into dir: 0, 1 when path is not under root,
 * -1 when too long. */
static int join_dir(const char *point, const char *root, const char *path, char *dir,
		    size_t size)
{
	size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (strncmp(path, root, rlen) != 0 || (path[rlen] != '/' && path[rlen] != '\0'))
		return 1;
	const char *rel = path + rlen;
	if (strcmp(rel, "/") == 0)
		rel = "";
	int n = snprintf(dir, size, "%s%s", strcmp(point, "/") == 0 && rel[0] ? "" : point, rel);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The first mount of fstype (with ctrl among its super options, for v1)
 * that shows path. */
static int find_mount(const char *mountinfo, const char *fstype, const char *ctrl,
		      const char *path, char *dir, size_t size, struct sg_error *err)
{
	char line[LINE_MAX_LEN];
	struct mount_entry m;
	while (next_line(&mountinfo, line, sizeof line)) {
		if (!parse_mount_line(line, &m) || strcmp(m.fstype, fstype) != 0 ||
		    (ctrl != NULL && !item_listed(m.super, ctrl, ",")))
			continue;
		int rc = join_dir(m.point, m.root, path, dir, size);
		if (rc < 0)
			return sg_fail(err, "cgroup: the path of %s is too long", path);
		if (rc == 0)
			return 0;
	}
	return sg_fail(err, "cgroup: no %s mount shows the gateway's cgroup %s%s%s", fstype, path,
		       ctrl != NULL ? " for " : "", ctrl != NULL ? ctrl : "");
}

static int dir_of(const char *proc_cgroup, const char *mountinfo, const char *ctrl, char *dir,
		  size_t size, struct sg_error *err)
{
	char path[LINE_MAX_LEN];
	if (!find_cgroup_path(proc_cgroup, ctrl, path, sizeof path)) {
		if (ctrl == NULL)
			return sg_fail(err, "cgroup: /proc/self/cgroup has no v2 line (0::PATH)");
		return sg_fail(err, "cgroup: /proc/self/cgroup has no v1 hierarchy with the %s "
				    "controller", ctrl);
	}
	if (has_dotdot(path))
		return sg_fail(err, "cgroup: the gateway's cgroup %s is outside its cgroup "
				    "namespace", path);
	return find_mount(mountinfo, ctrl == NULL ? "cgroup2" : "cgroup", ctrl, path, dir, size,
			  err);
}

int sg_cgroup_v2_dir(const char *proc_cgroup, const char *mountinfo, char *dir, size_t size,
		     struct sg_error *err)
{
	return dir_of(proc_cgroup, mountinfo, NULL, dir, size, err);
}

int sg_cgroup_v1_dir(const char *proc_cgroup, const char *mountinfo, const char *ctrl,
		     char *dir, size_t size, struct sg_error *err)
{
	return dir_of(proc_cgroup, mountinfo, ctrl, dir, size, err);
}

int sg_cgroup_choose(const char *proc_cgroup, const char *mountinfo, const char *v2_dir,
		     const char *v2_controllers, enum sg_cgroup_ctrl ctrl,
		     struct sg_cgroup_where *out, struct sg_error *err)
{
	const char *name = sg_cgroup_ctrl_name(ctrl);
	if (v2_dir != NULL && v2_controllers != NULL &&
	    sg_cgroup_word_listed(v2_controllers, name)) {
		if (strlen(v2_dir) >= sizeof out->dir)
			return sg_fail(err, "cgroup: the path of %s is too long", v2_dir);
		out->v2 = true;
		strcpy(out->dir, v2_dir);
		return 0;
	}
	out->v2 = false;
	if (sg_cgroup_v1_dir(proc_cgroup, mountinfo, name, out->dir, sizeof out->dir, err) == 0)
		return 0;
	if (v2_dir != NULL)
		return sg_fail(err, "cgroup: no hierarchy offers the %s controller: "
				    "%s/cgroup.controllers does not list it and no v1 "
				    "hierarchy has it", name, v2_dir);
	return sg_fail(err, "cgroup: no hierarchy offers the %s controller: there is no cgroup2 "
			    "mount and no v1 hierarchy has it", name);
}

int sg_cgroup_settings(const struct sg_cgroup_limits *lim, enum sg_cgroup_ctrl ctrl, bool v2,
		       struct sg_cgroup_setting out[2])
{
	if (!sg_cgroup_ctrl_limited(lim, ctrl))
		return 0;
	switch (ctrl) {
	case SG_CG_MEMORY:
		out[0].file = v2 ? "memory.max" : "memory.limit_in_bytes";
		snprintf(out[0].value, sizeof out[0].value, "%lld", lim->memory);
		return 1;
	case SG_CG_PIDS:
		out[0].file = "pids.max";
		snprintf(out[0].value, sizeof out[0].value, "%d", lim->pids);
		return 1;
	case SG_CG_CPU:
		if (v2) {
			out[0].file = "cpu.max";
			snprintf(out[0].value, sizeof out[0].value, "%d %d", lim->cpu_us,
				 SG_CGROUP_CPU_PERIOD_US);
			return 1;
		}
		out[0].file = "cpu.cfs_period_us";
		snprintf(out[0].value, sizeof out[0].value, "%d", SG_CGROUP_CPU_PERIOD_US);
		out[1].file = "cpu.cfs_quota_us";
		snprintf(out[1].value, sizeof out[1].value, "%d", lim->cpu_us);
		return 2;
	default:
		return 0;
	}
}
