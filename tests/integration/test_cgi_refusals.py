"""suEXEC's checks (protocols.md E4), one refusal per test: through Apache
and build/sandgate-cgi (the status, the gateway's one log line, the
launcher's line in Apache's error log), the launcher's exit code (suEXEC's
code for the same check: run directly as www-data with the environment
Apache gives it, since Apache logs no exit code), and over SCGI where
Apache cannot send the request at all ("..", relative paths, no such user).
"""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import IO_TIMEOUT, IS_ROOT, gid_of, uid_of
from cgi_fixtures import (APACHE_MODULES, ENV_PY, apache_cgi_conf, cgi_bin,  # noqa: F401
                          cgi_homes, cgi_path, cgi_site, chown_to, home_of, make_dir,
                          put_script, write_user_file)

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="system mode: needs root")

ALICE, BOB = "sg-alice", "sg-bob"


def refused_everywhere(site, user, rest, status, code, logged):
    """GET /~USER/cgi-bin/REST through Apache answers status, the gateway
    logs one refusal of `logged` with (code), Apache's error log has the
    launcher's line, and the launcher run directly exits with code."""
    resp = site.get("apache", user, rest)
    assert resp.status == status, (resp, resp.body, site.gw.stderr_text()[-2000:],
                                   site.httpd.error_log()[-2000:])
    line = site.refusal_logged(logged, code)
    assert line, ("no refusal of %s (%d) in the log" % (logged, code),
                  site.gw.stderr_text()[-3000:])
    assert site.gw.stderr_text().count(line) == 1
    errors = site.httpd.error_log()
    assert any("sandgate-cgi:" in l and "refused" in l and "(%d)" % code in l
               for l in errors.splitlines()), errors[-2000:]
    rc, out, err = site.launch(cgi_path(user, rest))
    assert rc == code, (rc, out, err)
    assert out.startswith(b"Status: %d " % status), out
    assert "(%d)" % code in err, err


def test_unknown_user_102(cgi_site, cgi_homes):
    """The script's owner is not in cgi.allow (nor allow_group)."""
    site = cgi_site(allow=[ALICE], fronts=("apache",))
    refused_everywhere(site, BOB, "env.py", 403, 102, cgi_bin(BOB) / "env.py")
    assert site.get("apache", ALICE, "hello.py").status == 200


def test_no_such_user_102(cgi_site):
    """SCGI: /~NAME/ of no user (Apache's mod_userdir never maps it). A
    name the admin did not allow is refused before the user database is
    asked (a remote client picks the name: a slow name service would hold
    up the gateway); an allowed name is looked up."""
    site = cgi_site(fronts=(), allow=[ALICE, BOB, "sg-ghost-allowed"])
    for name, reason in (("sg-nobody-here", "not in cgi.allow or cgi.allow_group (or no such "
                                            "user)"),
                         ("sg-ghost-allowed", "no such user")):
        resp = site.scgi("/home/%s/public_html/cgi-bin/x.py" % name,
                         "/~%s/cgi-bin/x.py" % name)
        assert resp.status == 403, resp
        assert "%s (102)" % reason in site.gw.stderr_text(), site.gw.stderr_text()[-2000:]


def test_uid_below_min_uid_107(cgi_site, cgi_homes):
    floor = uid_of(BOB) + 1
    assert uid_of(ALICE) >= floor
    site = cgi_site(min_uid=floor, fronts=("apache",))
    refused_everywhere(site, BOB, "env.py", 403, 107, cgi_bin(BOB) / "env.py")


def test_gid_below_min_gid_108(cgi_site, cgi_homes):
    floor = gid_of(BOB) + 1
    assert gid_of(ALICE) >= floor
    site = cgi_site(min_gid=floor, fronts=("apache",))
    refused_everywhere(site, BOB, "env.py", 403, 108, cgi_bin(BOB) / "env.py")


def test_symlinked_script_into_another_users_home_114(cgi_site, cgi_homes):
    """cgi-bin/evil.py -> sg-bob's env.py: a symbolic link on the way is
    refused, wherever it points."""
    link = cgi_bin(ALICE) / "evil.py"
    link.symlink_to(cgi_bin(BOB) / "env.py")
    chown_to(link, ALICE)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "evil.py", 403, 114, link)


def test_symlinked_directory_114(cgi_site, cgi_homes):
    link = cgi_bin(ALICE) / "bobs"
    link.symlink_to(cgi_bin(BOB))
    chown_to(link, ALICE)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "bobs/env.py", 403, 114, link)


def test_mount_point_below_the_root_114(cgi_site, cgi_homes, tmp_path):
    """A directory mounted into the user's tree (a FUSE mount, a network
    filesystem) is not crossed: the walk would wait on it in the gateway's
    loop. A bind mount stands in for it."""
    elsewhere = tmp_path / "mounted"
    elsewhere.mkdir()
    chown_to(elsewhere, ALICE)
    put_script(ALICE, "env.py", ENV_PY, directory=elsewhere)
    target = cgi_bin(ALICE) / "mnt"
    target.mkdir()
    chown_to(target, ALICE)
    subprocess.run(["mount", "--bind", str(elsewhere), str(target)], check=True)
    try:
        site = cgi_site(fronts=("apache",))
        refused_everywhere(site, ALICE, "mnt/env.py", 403, 114, target)
    finally:
        subprocess.run(["umount", str(target)], check=True)
        target.rmdir()


def test_outside_the_cgi_roots_114(cgi_site, cgi_homes):
    """SCGI: SCRIPT_FILENAME outside every CGI root of the user."""
    site = cgi_site(roots=("public_html/cgi-bin",), fronts=())
    stray = put_script(ALICE, "stray.py", ENV_PY, directory=home_of(ALICE) / "public_html")
    resp = site.scgi(str(stray), "/~sg-alice/stray.py")
    assert resp.status == 403, resp
    assert site.refusal_logged(stray, 114), site.gw.stderr_text()[-2000:]


def test_directory_cannot_be_opened_115(cgi_site, cgi_homes):
    """A CGI root that is not a directory (suEXEC: cannot stat directory)."""
    home = home_of(ALICE)
    (home / "www").write_text("not a directory\n")
    chown_to(home / "www", ALICE)
    site = cgi_site(roots=("public_html", "www"), fronts=())
    resp = site.scgi(str(home / "www" / "x.py"), "/~sg-alice/x.py")
    assert resp.status == 403, resp
    assert "(115)" in site.gw.stderr_text(), site.gw.stderr_text()[-2000:]
    (home / "www").unlink()


@pytest.mark.parametrize("mode,who", [(0o777, "others"), (0o775, "group")])
def test_directory_writable_116(cgi_site, cgi_homes, mode, who):
    """A script in a world-writable (or group-writable) directory."""
    d = make_dir(cgi_bin(ALICE) / "open", ALICE, mode)
    put_script(ALICE, "env.py", ENV_PY, directory=d)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "open/env.py", 403, 116, d)
    assert who in site.refusal_logged(d, 116)


def test_no_such_script_117(cgi_site, cgi_homes):
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "missing.py", 404, 117, cgi_bin(ALICE) / "missing.py")


def test_not_a_regular_file_117(cgi_site, cgi_homes):
    """The cgi-bin directory itself (Apache runs the launcher for it too)."""
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "", 404, 117, cgi_bin(ALICE))


@pytest.mark.parametrize("mode", [0o757, 0o775])
def test_script_writable_118(cgi_site, cgi_homes, mode):
    path = put_script(ALICE, "loose.py", ENV_PY, mode=mode)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "loose.py", 403, 118, path)


@pytest.mark.parametrize("mode", [0o4755, 0o2755])
def test_setuid_setgid_119(cgi_site, cgi_homes, mode):
    path = put_script(ALICE, "setid.py", ENV_PY, mode=0o755)
    os.chmod(path, mode)
    assert Path(path).stat().st_mode & 0o6000
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "setid.py", 403, 119, path)


def test_script_owned_by_another_user_120(cgi_site, cgi_homes):
    path = put_script(ALICE, "bobs.py", ENV_PY)
    chown_to(path, BOB)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "bobs.py", 403, 120, path)


def test_script_of_another_group_120(cgi_site, cgi_homes):
    path = put_script(ALICE, "group.py", ENV_PY)
    chown_to(path, ALICE, group=BOB)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "group.py", 403, 120, path)


def test_directory_owned_by_another_user_120(cgi_site, cgi_homes):
    d = make_dir(cgi_bin(ALICE) / "rootdir", ALICE)
    put_script(ALICE, "env.py", ENV_PY, directory=d)
    os.chown(d, 0, 0)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "rootdir/env.py", 403, 120, d)


@pytest.mark.parametrize("name,mode", [("noexec.py", 0o644), ("noexec.sh", 0o644),
                                       ("groupx.py", 0o654)])
def test_script_not_executable_121(cgi_site, cgi_homes, name, mode):
    """suEXEC's 121: no execute bit for the owner. A Python script too,
    though it would run in the worker's interpreter without exec(2)."""
    path = put_script(ALICE, name, ENV_PY if name.endswith(".py") else "#!/bin/sh\necho\n",
                      mode=mode)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, name, 403, 121, path)
    path.chmod(0o755)
    assert site.get("apache", ALICE, name).status == 200


def test_extension_not_allowed_122(cgi_site, cgi_homes):
    path = put_script(ALICE, "env.txt", ENV_PY)
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "env.txt", 403, 122, path)


@pytest.mark.parametrize("filename", [
    "public_html/cgi-bin/env.py",                                   # relative
    "/home/sg-alice/public_html/cgi-bin/../cgi-bin/env.py",         # ..
    "/home/sg-alice/public_html/cgi-bin/./env.py",
    "/home/sg-alice/public_html//cgi-bin/env.py",
])
def test_bad_path_over_scgi_104(cgi_site, cgi_homes, filename):
    """SCRIPT_FILENAME relative or with "." or ".." (nginx would have
    normalised the URL; a hostile SCGI client need not)."""
    site = cgi_site(fronts=())
    resp = site.scgi(filename, "/~sg-alice/cgi-bin/env.py")
    assert resp.status in (400, 404), resp
    assert "(104)" in site.gw.stderr_text(), site.gw.stderr_text()[-2000:]


def test_bad_path_from_the_launcher_104(cgi_site, cgi_homes):
    """PATH_INFO with ".." (Apache refuses such URLs itself: only a launcher
    run by something else could send it)."""
    site = cgi_site(fronts=())
    rc, out, err = site.launch("/~sg-alice/cgi-bin/../cgi-bin/env.py")
    assert rc == 104, (rc, out, err)
    assert out.startswith(b"Status: 40"), out
    rc, out, err = site.launch("/x", env={"PATH_INFO": None, "PATH_TRANSLATED": None})
    assert rc == 104, (rc, out, err)


DIRECT = ("/sandgate-cgi/~sg-alice/cgi-bin/env.py", "/sandgate-cgi/~sg-alice/stray.py")


def test_direct_request_to_the_launcher_url_104(cgi_site, cgi_homes, apache):
    """GET /sandgate-cgi/~USER/FILE runs the launcher without the Action:
    any file beneath the roots (here all of public_html) would run, past the
    handler's scope and the real URL's access control. Apache refuses it
    (Require env REDIRECT_STATUS); without that guard, the gateway does."""
    site = cgi_site(roots=("public_html",), fronts=("apache",))
    put_script(ALICE, "stray.py", ENV_PY, directory=home_of(ALICE) / "public_html")
    for path in DIRECT:
        resp = site.httpd.get(path, timeout=IO_TIMEOUT)
        assert resp.status == 403, (path, resp, resp.body[:500])
    assert "refused" not in site.gw.stderr_text(), site.gw.stderr_text()[-2000:]
    assert site.get("apache", ALICE, "env.py").status == 200

    open_conf = apache_cgi_conf(site.launcher_sock)
    assert "Require env REDIRECT_STATUS" in open_conf
    httpd = apache(open_conf.replace("Require env REDIRECT_STATUS", "Require all granted"),
                   modules=APACHE_MODULES)
    for path in DIRECT:
        resp = httpd.get(path, timeout=IO_TIMEOUT)
        assert resp.status == 403, (path, resp, resp.body[:500])
        assert site.refusal_logged(path[len("/sandgate-cgi"):], 104), \
            site.gw.stderr_text()[-2000:]
    assert httpd.get(cgi_path(ALICE, "env.py"), timeout=IO_TIMEOUT).status == 200


@pytest.mark.parametrize("env", [{"REDIRECT_STATUS": None},
                                 {"REDIRECT_URL": None},
                                 {"REDIRECT_URL": "/~sg-alice/cgi-bin/hello.py"},
                                 {"REDIRECT_URL": "http://h/~sg-alice/cgi-bin/hello.py"},
                                 {"REDIRECT_URL": "http://h"},
                                 {"REDIRECT_URL": "ftp://h/~sg-alice/cgi-bin/env.py"}])
def test_launcher_without_the_actions_redirect_104(cgi_site, cgi_homes, env):
    """The launcher run with no REDIRECT_STATUS, or a REDIRECT_URL that is
    not its PATH_INFO: not the Action's run."""
    site = cgi_site(fronts=())
    rc, out, err = site.launch(cgi_path(ALICE, "env.py"), env=env)
    assert rc == 104, (rc, out, err)
    assert out.startswith(b"Status: 403 "), out
    assert "not run by the web server's Action" in err, err
    rc, out, err = site.launch(cgi_path(ALICE, "env.py"))
    assert rc == 0 and b"Content-Type" in out, (rc, out[:300], err)


def test_no_script_filename_over_scgi_104(cgi_site, cgi_homes):
    site = cgi_site(fronts=())
    resp = site.scgi("", "/~sg-alice/cgi-bin/env.py")
    assert resp.status in (400, 404), resp
    assert "(104)" in site.gw.stderr_text(), site.gw.stderr_text()[-2000:]


def test_owner_must_match_the_tilde_user(cgi_site, cgi_homes):
    """SCGI: SCRIPT_NAME says /~sg-bob/ but the script is sg-alice's: the
    target is the /~NAME/ user, and the script is beneath none of his roots."""
    site = cgi_site(fronts=())
    resp = site.scgi(str(cgi_bin(ALICE) / "env.py"), "/~sg-bob/cgi-bin/env.py")
    assert resp.status == 403, resp
    assert site.refusal_logged(cgi_bin(ALICE) / "env.py", 114), site.gw.stderr_text()[-2000:]


def test_the_users_own_cgi_group_narrows(cgi_site, cgi_homes):
    """sg-alice's own file allows .py only: her Perl script is refused
    (122) while her Python one runs; sg-bob, with no file, keeps the admin's."""
    write_user_file(ALICE, 'cgi = { extensions = [ ".py" ]; };\n')
    site = cgi_site(fronts=("apache",))
    refused_everywhere(site, ALICE, "env.pl", 403, 122, cgi_bin(ALICE) / "env.pl")
    assert site.get("apache", ALICE, "env.py").status == 200
    assert site.get("apache", BOB, "env.pl").status == 200
