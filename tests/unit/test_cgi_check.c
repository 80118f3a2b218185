/* suEXEC's checks through descriptors (gateway/cgi_check.c), on trees
 * made here. As root the files are given to another uid, so that owner
 * mismatches can be made; as a normal user those cases are skipped. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/cgi.h"
#include "gateway/cell_fs.h"
#include "gateway/cgi_check.h"
#include "gateway/config_cgi.h"
#include "gateway/envblock.h"
#include "gateway/gateway.h"
#include "gateway/cgi_launch_proto.h"
#include "unit.h"

/* The paths here are short: snprintf's truncation is not a concern. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char base[64], home[128], root[PATH_MAX], other[PATH_MAX];
static uid_t uid;
static gid_t gid;
static char roots[1][PATH_MAX];
static const char exts[2][SG_CGI_EXTENSION_MAX] = { ".py", ".cgi" };
static struct sg_cgi_target t;

static void mk(const char *rel, mode_t mode, bool dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", base, rel);
	if (dir) {
		CHECK(mkdir(p, mode) == 0);
	} else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode);
		CHECK(fd >= 0);
		CHECK(write(fd, "print(1)\n", 9) == 9);
		close(fd);
	}
	CHECK(chmod(p, mode) == 0);
	CHECK(lchown(p, uid, gid) == 0);
}

static void setup(void)
{
	snprintf(base, sizeof base, "/tmp/sg-cgi-check-XXXXXX");
	CHECK(mkdtemp(base) != NULL);
	CHECK(chmod(base, 0755) == 0);
	uid = geteuid() == 0 ? 54321 : geteuid();
	gid = geteuid() == 0 ? 54321 : getegid();
	snprintf(home, sizeof home, "%s/home", base);
	mk("home", 0755, true);
	mk("home/public_html", 0755, true);
	mk("home/public_html/cgi-bin", 0755, true);
	mk("home/public_html/cgi-bin/sub", 0755, true);
	mk("home/public_html/cgi-bin/sub/s.py", 0755, false);
	mk("home/public_html/cgi-bin/s.py", 0755, false);
	mk("home/public_html/cgi-bin/s.txt", 0755, false);
	mk("home/public_html/cgi-bin/noext", 0755, false);
	mk("other", 0755, true);
	mk("other/s.py", 0755, false);
	snprintf(root, sizeof root, "%s/public_html", home);
	snprintf(other, sizeof other, "%s/other", base);
	snprintf(roots[0], sizeof roots[0], "%s", root);
	t = (struct sg_cgi_target){ .uid = uid, .gid = gid, .home = home, .n_roots = 1,
				    .roots = (const char (*)[PATH_MAX])roots, .n_extensions = 2,
				    .extensions = exts };
}

/* path relative to the root; the refusal's exit code, or 0. */
static int check(const char *rel, bool exact, struct sg_cgi_found *f)
{
	char p[PATH_MAX];
	struct sg_cgi_refusal r;
	static struct sg_cgi_found scratch;
	static char keep[PATH_MAX];
	/* "/cgi-bin/..." is below the root; "/tmp/..." and "x" are as given. */
	bool below = strncmp(rel, "/tmp/", 5) != 0 && rel[0] == '/';
	snprintf(keep, sizeof keep, "%s%s", below ? root : "", rel);
	snprintf(p, sizeof p, "%s", keep);
	(void)p;
	if (sg_cgi_check(&t, keep, exact, f != NULL ? f : &scratch, &r) == 0)
		return 0;
	printf("    refused %s: %s (%d)\n", keep, r.reason, r.exit_code);
	return r.exit_code;
}

static void test_accepted(void)
{
	struct sg_cgi_found f;
	struct stat st;
	char p[PATH_MAX];
	CHECK(check("/cgi-bin/s.py", true, &f) == 0);
	snprintf(p, sizeof p, "%s/cgi-bin/s.py", root);
	CHECK_STR(f.script, p);
	CHECK_STR(f.rest, "");
	CHECK(stat(p, &st) == 0 && f.dev == (uint64_t)st.st_dev && f.ino == (uint64_t)st.st_ino);
	/* The launcher's PATH_TRANSLATED: the first file, then PATH_INFO. */
	CHECK(check("/cgi-bin/sub/s.py/x/y", false, &f) == 0);
	snprintf(p, sizeof p, "%s/cgi-bin/sub/s.py", root);
	CHECK_STR(f.script, p);
	CHECK_STR(f.rest, "/x/y");
	CHECK(check("/cgi-bin/s.py/", false, &f) == 0);
	CHECK_STR(f.rest, "/");
}

static void test_bad_path(void)
{
	CHECK(check("/cgi-bin/../cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_BAD_PATH);
	CHECK(check("/cgi-bin/./s.py", true, NULL) == SG_CGI_EXIT_BAD_PATH);
	CHECK(check("/cgi-bin//s.py", true, NULL) == SG_CGI_EXIT_BAD_PATH);
	CHECK(check("relative/s.py", true, NULL) == SG_CGI_EXIT_BAD_PATH);
	/* SCRIPT_FILENAME names the file exactly. */
	CHECK(check("/cgi-bin/s.py/x", true, NULL) == SG_CGI_EXIT_NO_FILE);
}

static void test_outside(void)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s/s.py", other);
	CHECK(check(p, true, NULL) == SG_CGI_EXIT_OUTSIDE);
	/* A prefix of the root's name is not beneath it. */
	snprintf(p, sizeof p, "%s2/s.py", root);
	CHECK(check(p, true, NULL) == SG_CGI_EXIT_OUTSIDE);
}

static void test_symlinks(void)
{
	char p[PATH_MAX * 2], target[PATH_MAX * 2];
	/* A script linked to a file elsewhere (another user's home). */
	snprintf(p, sizeof p, "%s/cgi-bin/link.py", root);
	snprintf(target, sizeof target, "%s/s.py", other);
	CHECK(symlink(target, p) == 0);
	CHECK(check("/cgi-bin/link.py", true, NULL) == SG_CGI_EXIT_OUTSIDE);
	/* A directory on the way, even one pointing inside the root. */
	snprintf(p, sizeof p, "%s/cgi-bin/linkdir", root);
	CHECK(symlink("sub", p) == 0);
	CHECK(check("/cgi-bin/linkdir/s.py", true, NULL) == SG_CGI_EXIT_OUTSIDE);
	/* The root itself. */
	snprintf(p, sizeof p, "%s/linkroot", home);
	CHECK(symlink("public_html", p) == 0);
	snprintf(roots[0], sizeof roots[0], "%s", p);
	snprintf(target, sizeof target, "%s/cgi-bin/s.py", p);
	CHECK(check(target, true, NULL) == SG_CGI_EXIT_OUTSIDE);
	snprintf(roots[0], sizeof roots[0], "%s", root);
}

static void test_not_a_file(void)
{
	char p[PATH_MAX];
	CHECK(check("/cgi-bin/missing.py", true, NULL) == SG_CGI_EXIT_NO_FILE);
	CHECK(check("/cgi-bin/missing.py/x", false, NULL) == SG_CGI_EXIT_NO_FILE);
	CHECK(check("/cgi-bin/sub", true, NULL) == SG_CGI_EXIT_NO_FILE);
	CHECK(check("/cgi-bin/sub/", false, NULL) == SG_CGI_EXIT_NO_FILE);
	snprintf(p, sizeof p, "%s/cgi-bin/fifo.py", root);
	CHECK(mkfifo(p, 0644) == 0 && lchown(p, uid, gid) == 0);
	CHECK(check("/cgi-bin/fifo.py", true, NULL) == SG_CGI_EXIT_NO_FILE);
}

static void test_directories(void)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/cgi-bin/sub", root);
	CHECK(chmod(p, 0757) == 0);
	CHECK(check("/cgi-bin/sub/s.py", true, NULL) == SG_CGI_EXIT_DIR_WRITABLE);
	CHECK(chmod(p, 0775) == 0);
	CHECK(check("/cgi-bin/sub/s.py", true, NULL) == SG_CGI_EXIT_DIR_WRITABLE);
	CHECK(chmod(p, 0755) == 0);
	/* The root is checked too. */
	CHECK(chmod(root, 0777) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_DIR_WRITABLE);
	CHECK(chmod(root, 0755) == 0);
	if (geteuid() != 0)
		return;
	CHECK(chown(p, 0, gid) == 0);
	CHECK(check("/cgi-bin/sub/s.py", true, NULL) == SG_CGI_EXIT_OWNER);
	CHECK(chown(p, uid, gid + 1) == 0); /* suEXEC checks the group too */
	CHECK(check("/cgi-bin/sub/s.py", true, NULL) == SG_CGI_EXIT_OWNER);
	CHECK(chown(p, uid, gid) == 0);
	CHECK(check("/cgi-bin/sub/s.py", true, NULL) == 0);
}

static void test_files(void)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/cgi-bin/s.py", root);
	CHECK(chmod(p, 0775) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_FILE_WRITABLE);
	CHECK(chmod(p, 0757) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_FILE_WRITABLE);
	CHECK(chmod(p, 04755) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_SETID);
	CHECK(chmod(p, 02755) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_SETID);
	CHECK(chmod(p, 0644) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_NOT_EXEC);
	CHECK(chmod(p, 0655) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_NOT_EXEC);
	CHECK(chmod(p, 0700) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == 0);
	CHECK(chmod(p, 0755) == 0);
	CHECK(check("/cgi-bin/s.txt", true, NULL) == SG_CGI_EXIT_EXTENSION);
	CHECK(check("/cgi-bin/noext", true, NULL) == SG_CGI_EXIT_EXTENSION);
	if (geteuid() != 0)
		return;
	CHECK(chown(p, uid + 1, gid) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_OWNER);
	CHECK(chown(p, uid, gid + 1) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == SG_CGI_EXIT_OWNER);
	CHECK(chown(p, uid, gid) == 0);
	CHECK(check("/cgi-bin/s.py", true, NULL) == 0);
}

static void test_extensions(void)
{
	static const char none[1][SG_CGI_EXTENSION_MAX] = { "" };
	CHECK(sg_cgi_extension_allowed(&t, "a.py"));
	CHECK(!sg_cgi_extension_allowed(&t, "a.py.txt"));
	CHECK(!sg_cgi_extension_allowed(&t, ".py"));
	struct sg_cgi_target u = t;
	u.n_extensions = 1;
	u.extensions = none;
	CHECK(sg_cgi_extension_allowed(&u, "noext"));
	CHECK(sg_cgi_extension_allowed(&u, ".hidden"));
	CHECK(!sg_cgi_extension_allowed(&u, "a.py"));
}

/* sg_cgi_prepare on a gateway holding one CGI app, "sg-x~cgi". */
static struct sg_gateway gw;
static struct sg_app app, *apps[1] = { &app };
static struct sg_cgi_conf cgi_conf;

static size_t env_of(char *buf, const char *const *pairs)
{
	size_t n = 0;
	for (; *pairs != NULL; pairs++) {
		size_t len = strlen(*pairs) + 1;
		memcpy(buf + n, *pairs, len);
		n += len;
	}
	return n;
}

static const char *job_get(const struct sg_cgi_job *job, const char *name)
{
	static char v[PATH_MAX];
	size_t len;
	const char *p = sg_envblock_get(job->env, job->env_len, name, &len);
	if (p == NULL)
		return NULL;
	snprintf(v, sizeof v, "%.*s", (int)len, p);
	return v;
}

static void setup_gateway(void)
{
	sg_cgi_conf_defaults(&cgi_conf);
	cgi_conf.min_uid = 1000;
	cgi_conf.min_gid = geteuid() == 0 ? 100 : 1;
	gw.cfg.cgi = &cgi_conf;
	gw.n_apps = 1;
	gw.apps = apps;
	snprintf(app.conf.name, sizeof app.conf.name, "sg-x~cgi");
	app.conf.kind = SG_APP_CGI;
	app.conf.uid = uid;
	app.conf.gid = gid;
	app.conf.n_cgi_roots = 1;
	snprintf(app.conf.cgi_roots[0], sizeof app.conf.cgi_roots[0], "%s", root);
	app.conf.n_cgi_extensions = 1;
	snprintf(app.conf.cgi_extensions[0], SG_CGI_EXTENSION_MAX, ".py");
}

static void test_prepare_launcher(void)
{
	char env[4096], translated[PATH_MAX], script[PATH_MAX];
	struct sg_cgi_job job;
	setup_gateway();
	snprintf(translated, sizeof translated, "%s/cgi-bin/sub/s.py/x/y", root);
	snprintf(script, sizeof script, "%s/cgi-bin/sub/s.py", root);
	const char *const pairs[] = { "PATH_INFO", "/~sg-x/cgi-bin/sub/s.py/x/y",
				      "PATH_TRANSLATED", translated,
				      "REDIRECT_STATUS", "200",
				      "REDIRECT_URL", "/~sg-x/cgi-bin/sub/s.py/x/y",
				      "SCRIPT_NAME", "/sandgate-cgi", "HTTP_PROXY", "x", NULL };
	size_t n = env_of(env, pairs);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_LAUNCHER, env, n, &job) == 0);
	CHECK(job.app == &app && job.http_status == 0 && job.flags == 0);
	CHECK_STR(job.script, script);
	CHECK_STR(job_get(&job, "SCRIPT_FILENAME"), script);
	CHECK_STR(job_get(&job, "SCRIPT_NAME"), "/~sg-x/cgi-bin/sub/s.py");
	CHECK_STR(job_get(&job, "PATH_INFO"), "/x/y");
	CHECK(job_get(&job, "PATH_TRANSLATED") == NULL && job_get(&job, "HTTP_PROXY") == NULL);
	sg_cgi_job_free(&job);
	/* Another user's URL: that user has no CGI app. */
	const char *const bob[] = { "PATH_INFO", "/~root/cgi-bin/sub/s.py", "PATH_TRANSLATED",
				    translated, "REDIRECT_STATUS", "200",
				    "REDIRECT_URL", "/~root/cgi-bin/sub/s.py", NULL };
	n = env_of(env, bob);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_LAUNCHER, env, n, &job) == -1);
	CHECK(job.exit_code == SG_CGI_EXIT_BAD_USER && job.http_status == 403);
	sg_cgi_job_free(&job);
	/* A direct GET of the launcher's URL: no REDIRECT_STATUS, or a
	 * REDIRECT_URL that is not PATH_INFO. */
	const char *const direct[] = { "PATH_INFO", "/~sg-x/cgi-bin/sub/s.py", "PATH_TRANSLATED",
				       script, "REDIRECT_URL", "/~sg-x/cgi-bin/sub/s.py", NULL };
	n = env_of(env, direct);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_LAUNCHER, env, n, &job) == -1);
	CHECK(job.exit_code == SG_CGI_EXIT_BAD_PATH && job.http_status == 403);
	sg_cgi_job_free(&job);
	const char *const elsewhere[] = { "PATH_INFO", "/~sg-x/cgi-bin/sub/s.py",
					  "PATH_TRANSLATED", script, "REDIRECT_STATUS", "200",
					  "REDIRECT_URL", "/~sg-x/cgi-bin/s.py", NULL };
	n = env_of(env, elsewhere);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_LAUNCHER, env, n, &job) == -1);
	CHECK(job.exit_code == SG_CGI_EXIT_BAD_PATH && job.http_status == 403);
	sg_cgi_job_free(&job);
	/* Not through an Action: no PATH_INFO. */
	const char *const none[] = { "SCRIPT_NAME", "/x", NULL };
	n = env_of(env, none);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_LAUNCHER, env, n, &job) == -1);
	CHECK(job.exit_code == SG_CGI_EXIT_BAD_PATH);
	sg_cgi_job_free(&job);
}

static void test_prepare_scgi(void)
{
	char env[4096], filename[PATH_MAX];
	struct sg_cgi_job job;
	setup_gateway();
	snprintf(filename, sizeof filename, "%s/cgi-bin/s.py", root);
	const char *const pairs[] = { "CONTENT_LENGTH", "0", "SCGI", "1", "SCRIPT_FILENAME",
				      filename,
				      "SCRIPT_NAME", "/~sg-x/cgi-bin/s.py", "PATH_INFO", "/p", NULL };
	size_t n = env_of(env, pairs);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_SCGI, env, n, &job) == 0);
	CHECK_STR(job_get(&job, "PATH_INFO"), "/p");
	CHECK_STR(job_get(&job, "CONTENT_LENGTH"), "0");
	CHECK(job_get(&job, "SCGI") == NULL);
	sg_cgi_job_free(&job);
	/* Without /~NAME: the user whose root holds the path. */
	const char *const plain[] = { "SCRIPT_FILENAME", filename, "SCRIPT_NAME", "/cgi/s.py",
				      NULL };
	n = env_of(env, plain);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_SCGI, env, n, &job) == 0 && job.app == &app);
	sg_cgi_job_free(&job);
	/* The uid under min_uid. */
	cgi_conf.min_uid = (long long)uid + 1;
	n = env_of(env, pairs);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_SCGI, env, n, &job) == -1);
	CHECK(job.exit_code == SG_CGI_EXIT_LOW_UID);
	sg_cgi_job_free(&job);
	cgi_conf.min_uid = 1000;
	/* A check's refusal reaches the job with its code and status. */
	snprintf(filename, sizeof filename, "%s/cgi-bin/gone.py", root);
	n = env_of(env, pairs);
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_SCGI, env, n, &job) == -1);
	CHECK(job.exit_code == SG_CGI_EXIT_NO_FILE && job.http_status == 404);
	CHECK(strncmp(job.reason, "refused /", 9) == 0 && strstr(job.reason, "(117)") != NULL);
	sg_cgi_job_free(&job);
	gw.cfg.cgi = NULL;
	CHECK(sg_cgi_prepare(&gw, SG_CGI_FROM_SCGI, env, n, &job) == -1);
	CHECK(job.http_status == 503);
	sg_cgi_job_free(&job);
}

/* The cell's view: each root read-only with exec (Landlock), a root the
 * user lacks left out, writable never exec. */
static void test_cell_view(void)
{
	struct sg_app_conf conf;
	struct sg_error err;
	char w[PATH_MAX];
	sg_config_defaults_app(&conf);
	conf.kind = SG_APP_CGI;
	conf.uid = uid;
	conf.gid = gid;
	conf.n_cgi_roots = 2;
	snprintf(conf.cgi_roots[0], sizeof conf.cgi_roots[0], "%s", root);
	snprintf(conf.cgi_roots[1], sizeof conf.cgi_roots[1], "%s/missing", home);
	snprintf(w, sizeof w, "%s/other", base);
	conf.n_writable = 1;
	snprintf(conf.writable[0], sizeof conf.writable[0], "%s", w);
	struct sg_fs_view *v = sg_cell_fs_build(&conf, &err);
	CHECK(v != NULL);
	if (v == NULL) {
		printf("    %s\n", err.msg);
		return;
	}
	CHECK(v->n_binds == 2);
	CHECK_STR(v->binds[0].path, root);
	CHECK(v->binds[0].exec && !v->binds[0].writable);
	CHECK(v->binds[1].writable && !v->binds[1].exec);
	sg_cell_fs_free(v);
}

int main(void)
{
	setup();
	RUN(test_accepted);
	RUN(test_bad_path);
	RUN(test_outside);
	RUN(test_symlinks);
	RUN(test_not_a_file);
	RUN(test_directories);
	RUN(test_files);
	RUN(test_extensions);
	RUN(test_prepare_launcher);
	RUN(test_prepare_scgi);
	RUN(test_cell_view);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		printf("    could not remove %s\n", base);
	UNIT_END();
}
