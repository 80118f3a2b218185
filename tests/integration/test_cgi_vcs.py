"""Version control over HTTP through Apache and build/sandgate-cgi, with the
users' own CGI scripts (README "Replacing suEXEC", the hg and git recipes):

- Mercurial's hgweb.cgi for ~/repos/hg: a real `hg clone` and `hg push`.
- git's git-http-backend behind a two-line shell wrapper for
  ~/repos/git.git: a real `git clone` and `git push` over smart HTTP, the
  push once with a chunked body (http.postBuffer=1024: mod_cgid de-chunks
  it, CONTENT_LENGTH unset, E1).

The repositories are the users' own files; the user's self-service file
asks for `cgi = { writable = [ "repos" ]; }`, which is what lets the
cell write there.
"""
import pytest

from conftest import IS_ROOT
from cgi_fixtures import (cgi_homes, cgi_path, cgi_site, git, hg, vcs_repos)  # noqa: F401

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="system mode: needs root")

IDENT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
         "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def hg_url(site, user):
    return site.httpd.url + cgi_path(user, "hgweb.cgi")


def git_url(site, user, front="apache"):
    return site.front(front).url + cgi_path(user, "git.cgi", "/git.git")


@pytest.mark.parametrize("user", ["sg-alice", "sg-bob"])
def test_hg_clone_and_push_through_apache(cgi_site, vcs_repos, workdir, user):
    site = cgi_site(fronts=("apache",))
    clone = workdir / "hg-clone"
    out = hg("clone", hg_url(site, user), str(clone))
    assert out.returncode == 0, (out.stdout, out.stderr, site.httpd.error_log()[-3000:],
                                 site.gw.stderr_text()[-3000:])
    assert (clone / "README").read_text() == "hg of %s\n" % user

    (clone / "pushed.txt").write_text("pushed through sandgate-cgi\n" * 2000)
    assert hg("commit", "-A", "-m", "pushed via hgweb.cgi", cwd=clone).returncode == 0
    out = hg("push", hg_url(site, user), cwd=clone)
    assert out.returncode == 0, (out.stdout, out.stderr, site.httpd.error_log()[-3000:])

    served = vcs_repos[user] / "hg"
    tip = hg("log", "-R", str(served), "-r", "tip", "--template", "{desc}", user=user)
    assert tip.stdout == "pushed via hgweb.cgi", tip.stderr
    # Written by the cell as the user: the new store files are the user's.
    again = workdir / "hg-again"
    assert hg("clone", hg_url(site, user), str(again)).returncode == 0
    assert (again / "pushed.txt").read_text() == "pushed through sandgate-cgi\n" * 2000


@pytest.mark.parametrize("user", ["sg-alice", "sg-bob"])
def test_git_clone_and_push_through_apache(cgi_site, vcs_repos, workdir, user):
    site = cgi_site(fronts=("apache",))
    clone = workdir / "git-clone"
    out = git("clone", git_url(site, user), str(clone), cwd=workdir)
    assert out.returncode == 0, (out.stdout, out.stderr, site.httpd.error_log()[-3000:],
                                 site.gw.stderr_text()[-3000:])
    assert (clone / "README").read_text() == "git of %s\n" % user

    (clone / "pushed.txt").write_text("pushed through git-http-backend\n" * 4000)
    for args in (("add", "pushed.txt"), ("commit", "-q", "-m", "pushed over smart HTTP")):
        out = git(*args, cwd=clone, env=IDENT)
        assert out.returncode == 0, out.stderr
    # A tiny postBuffer makes git send the pack with a chunked body.
    out = git("-c", "http.postBuffer=1024", "push", "origin", "main", cwd=clone,
              env={"GIT_TRACE_CURL": "1", "GIT_TRACE_CURL_NO_DATA": "1"})
    assert out.returncode == 0, (out.stderr[-4000:], site.httpd.error_log()[-3000:])
    assert "Transfer-Encoding: chunked" in out.stderr

    bare = vcs_repos[user] / "git.git"
    log = git("-C", str(bare), "log", "-1", "--format=%s", "main", user=user, cwd=bare)
    assert log.stdout.strip() == "pushed over smart HTTP", log.stderr

    # A second, unchunked push (small body with Content-Length).
    (clone / "second.txt").write_text("second\n")
    for args in (("add", "second.txt"), ("commit", "-q", "-m", "second push")):
        assert git(*args, cwd=clone, env=IDENT).returncode == 0
    out = git("push", "origin", "main", cwd=clone)
    assert out.returncode == 0, (out.stderr[-4000:], site.httpd.error_log()[-3000:])
    log = git("-C", str(bare), "log", "-1", "--format=%s", "main", user=user, cwd=bare)
    assert log.stdout.strip() == "second push"


def test_git_clone_through_nginx(cgi_site, vcs_repos, workdir):
    """The same wrapper over SCGI (nginx sends SCRIPT_FILENAME, PATH_INFO)."""
    site = cgi_site(fronts=("nginx",))
    clone = workdir / "git-nginx"
    out = git("clone", git_url(site, "sg-bob", "nginx"), str(clone), cwd=workdir)
    assert out.returncode == 0, (out.stderr, site.ng.error_log()[-3000:],
                                 site.gw.stderr_text()[-3000:])
    assert (clone / "README").read_text() == "git of sg-bob\n"


def test_repos_not_writable_without_the_users_word(cgi_site, vcs_repos, workdir):
    """Without `writable = [ "repos" ]` in the user's file the cell does not
    see the repository writable (if at all): no push lands there."""
    (vcs_repos["sg-alice"].parent / ".config/sandgate/apps.conf").unlink()
    site = cgi_site(fronts=("apache",))
    clone = workdir / "hg-ro"
    out = hg("clone", hg_url(site, "sg-alice"), str(clone))
    if out.returncode == 0:          # readable: then the push must fail
        (clone / "x.txt").write_text("x\n")
        assert hg("commit", "-A", "-m", "x", cwd=clone).returncode == 0
        out = hg("push", hg_url(site, "sg-alice"), cwd=clone)
        assert out.returncode != 0, out.stdout
    tip = hg("log", "-R", str(vcs_repos["sg-alice"] / "hg"), "-r", "tip",
             "--template", "{desc}", user="sg-alice")
    assert tip.stdout == "first of sg-alice"
