"""Mercurial's hgweb as a hosted WSGI app behind nginx: a real `hg clone`
and `hg push` over HTTP (request bodies of unknown shape, W10; streamed
responses, W7; SCRIPT_NAME from the mount prefix, F1)."""
import os
import subprocess

from conftest import IS_ROOT, nginx_scgi_location, web_server_group_args

PREFIX = "/repo"
APP_USER = "nobody"   # the app's user when the suite runs as root


def hg(*args, cwd=None):
    """Runs hg with no user configuration; CompletedProcess (text)."""
    env = dict(os.environ, HGRCPATH="", HGPLAIN="1", HGUSER="sandgate-test")
    out = subprocess.run(["hg", "--config", "ui.username=sandgate-test"] + list(args),
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return out


def chown_tree(path, user):
    import pwd
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def make_served_repo(workdir, apps):
    """A repository with one changeset, pushable over HTTP, owned by the app
    user, and hg_repo_path.txt next to hg_app.py pointing at it. The cell
    sees it only when it is declared writable (the tests pass --writable)."""
    repo = workdir / "served"
    assert hg("init", str(repo)).returncode == 0
    (repo / ".hg" / "hgrc").write_text("[web]\nallow-push = *\npush_ssl = false\n"
                                       "name = sandgate-test\n")
    (repo / "README").write_text("first\n")
    out = hg("commit", "-A", "-m", "first changeset", cwd=repo)
    assert out.returncode == 0, out.stderr
    if IS_ROOT:
        chown_tree(repo, APP_USER)
    (apps / "hg_repo_path.txt").write_text(str(repo) + "\n")
    os.chmod(apps / "hg_repo_path.txt", 0o644)
    return repo


def test_hg_clone_and_push_through_nginx(sandgate, nginx, workdir, apps):
    """hg clone, commit, hg push through nginx -> sandgate -> hgweb; the served
    repository then holds the pushed changeset."""
    repo = make_served_repo(workdir, apps)
    sock = "unix:%s/hg.sock" % workdir
    sandgate("--scgi", sock, "--prefix", PREFIX, *web_server_group_args(sock),
             "--writable", repo, apps / "hg_app.py")
    ng = nginx(nginx_scgi_location(PREFIX + "/", sock))
    url = "%s%s/" % (ng.url, PREFIX)

    clone = workdir / "clone"
    out = hg("clone", url, str(clone))
    assert out.returncode == 0, (out.stdout, out.stderr, ng.error_log()[-2000:])
    assert (clone / "README").read_text() == "first\n"

    (clone / "pushed.txt").write_text("pushed over HTTP\n" * 1000)
    out = hg("commit", "-A", "-m", "pushed through sandgate", cwd=clone)
    assert out.returncode == 0, out.stderr
    out = hg("push", url, cwd=clone)
    assert out.returncode == 0, (out.stdout, out.stderr, ng.error_log()[-2000:])

    log = hg("log", "-R", str(repo), "-r", "tip", "--template", "{desc}")
    assert log.returncode == 0, log.stderr
    assert log.stdout == "pushed through sandgate"
    served = hg("cat", "-R", str(repo), "-r", "tip", str(repo / "pushed.txt"))
    assert served.stdout == "pushed over HTTP\n" * 1000


def test_hg_clone_sees_new_changesets_after_push(sandgate, nginx, workdir, apps):
    """A second clone made after the push gets both changesets (hgweb reads
    the repository fresh per request)."""
    repo = make_served_repo(workdir, apps)
    sock = "unix:%s/hg.sock" % workdir
    sandgate("--scgi", sock, "--prefix", PREFIX, *web_server_group_args(sock),
             "--writable", repo, apps / "hg_app.py")
    ng = nginx(nginx_scgi_location(PREFIX + "/", sock))
    url = "%s%s/" % (ng.url, PREFIX)
    first = workdir / "first"
    assert hg("clone", url, str(first)).returncode == 0
    (first / "second.txt").write_text("second\n")
    assert hg("commit", "-A", "-m", "second", cwd=first).returncode == 0
    assert hg("push", url, cwd=first).returncode == 0
    again = workdir / "again"
    out = hg("clone", url, str(again))
    assert out.returncode == 0, out.stderr
    count = hg("log", "-R", str(again), "--template", "x")
    assert count.stdout == "xx"
