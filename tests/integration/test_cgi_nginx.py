"""The same users' CGI scripts reached by nginx over SCGI, without the
launcher (examples/nginx-cgi.conf): the gateway's SCGI listener with
cgi = true runs the script SCRIPT_FILENAME names after the same checks,
and parses its output (C7-C10) into an SCGI response.
"""
import hashlib
import os
import shutil
import subprocess

import pytest

from conftest import IS_ROOT, gid_of, uid_of, wait_until
from cgi_fixtures import (cgi_homes, cgi_path, cgi_site, chunks,  # noqa: F401
                          curl_in_background, home_of, host_pids_named, marker,
                          script_env, text_fields, wait_gone)

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="system mode: needs root")

MIB = 1 << 20


@pytest.mark.parametrize("user", ["sg-alice", "sg-bob"])
def test_each_users_script_runs_as_that_user(cgi_site, user):
    site = cgi_site(fronts=("nginx",))
    resp = site.get("nginx", user, "env.py", "/x/y?q=1",
                    headers={"Proxy": "http://evil.example/", "X-Dash": "1"})
    assert resp.status == 200, (resp, resp.body[:2000], site.ng.error_log()[-2000:],
                                site.gw.stderr_text()[-2000:])
    info = resp.json()
    assert (info["uid"], info["euid"], info["gid"]) == (uid_of(user), uid_of(user), gid_of(user))
    env = info["env"]
    script = "/home/%s/public_html/cgi-bin/env.py" % user
    assert env["SCRIPT_FILENAME"] == script
    assert env["SCRIPT_NAME"] == "/~%s/cgi-bin/env.py" % user
    assert env["PATH_INFO"] == "/x/y"
    assert env["QUERY_STRING"] == "q=1"
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert env["HTTP_X_DASH"] == "1"
    assert "HTTP_PROXY" not in env          # C4, even as nginx's empty value
    assert "SCGI" not in env
    assert info["cwd"] == os.path.dirname(script)
    assert info["seen_before"] is False


@pytest.mark.parametrize("script,lang", [("env.pl", "perl"), ("env.sh", "sh")])
def test_perl_and_shell_scripts(cgi_site, script, lang):
    site = cgi_site(fronts=("nginx",))
    for user in ("sg-alice", "sg-bob"):
        resp = site.get("nginx", user, script, "/p?a=b", method="POST", body=b"12345")
        assert resp.status == 200, (resp, resp.body[:1000], site.gw.stderr_text()[-2000:])
        fields = text_fields(resp.body)
        assert fields["lang"] == lang and int(fields["uid"]) == uid_of(user)
        assert fields["body_len"].strip() == "5"
        assert script_env(resp.body)["CONTENT_LENGTH"] == "5"


def test_nph_script_C10(cgi_site):
    site = cgi_site(fronts=("nginx",))
    resp = site.get("nginx", "sg-bob", "nph-hello.cgi")
    assert resp.status == 202, (resp, resp.body, site.gw.stderr_text()[-2000:])
    assert resp.header("X-Nph") == "yes"
    assert resp.body == b"nph uid=%d\n" % uid_of("sg-bob")


def test_redirects_and_status_C8(cgi_site):
    """Location without Status is a 302 over SCGI, local or absolute; a
    Status line passes through."""
    site = cgi_site(fronts=("nginx",))
    resp = site.get("nginx", "sg-alice", "redirect.sh", "?away")
    assert resp.status == 302, resp
    assert resp.header("Location") == "http://example.com/elsewhere"
    resp = site.get("nginx", "sg-alice", "redirect.sh", "?local")
    assert resp.status == 302, resp
    assert resp.header("Location").endswith("/~sg-alice/cgi-bin/hello.py")
    resp = site.get("nginx", "sg-alice", "redirect.sh", "?status")
    assert resp.status == 418 and resp.body == b"teapot\n"


def test_bad_output_is_a_502_C7(cgi_site):
    """A script whose output has no valid head: 502 over SCGI (and the
    reason in the gateway's log), never its bytes passed on as a response."""
    site = cgi_site(fronts=("nginx",))
    resp = site.get("nginx", "sg-alice", "badhead.sh")
    assert resp.status == 502, (resp, resp.body)
    assert b"body" not in resp.body


def test_head_drops_the_body_C9(cgi_site):
    site = cgi_site(fronts=("nginx",))
    resp = site.get("nginx", "sg-alice", "hello.py", method="HEAD")
    assert resp.status == 200 and resp.body == b""
    resp = site.scgi(str(home_of("sg-alice") / "public_html/cgi-bin/hello.py"),
                     "/~sg-alice/cgi-bin/hello.py", method="HEAD")
    assert resp.status == 200 and resp.body == b"", resp.raw


@pytest.mark.parametrize("script", ["bigio.pl", "bigio.py"])
def test_write_1mib_before_reading_1mib_post(cgi_site, script):
    site = cgi_site(fronts=("nginx",))
    body = os.urandom(MIB)
    for kw in ({"body": body}, {"body": chunks(body, 65536)}):
        resp = site.get("nginx", "sg-alice", script, method="POST", **kw)
        assert resp.status == 200, (resp, site.gw.stderr_text()[-2000:])
        assert resp.body[:MIB] == b"x" * MIB
        assert resp.body[MIB:].decode() == "\nread=%d sha256=%s\n" % (
            MIB, hashlib.sha256(body).hexdigest())


def test_hanging_script_504_and_children_killed(cgi_site):
    site = cgi_site(timeout=3, fronts=("nginx",))
    mark = "q" + marker()
    client = curl_in_background(site.ng.url + cgi_path("sg-bob", "hang.pl", "?" + mark))
    assert wait_until(lambda: len(host_pids_named("sg-cgi-" + mark)) == 4), \
        host_pids_named("sg-cgi-" + mark)
    out, err = client.communicate(timeout=120)
    assert out == b"504", (out, err, site.gw.stderr_text()[-2000:])
    assert wait_gone("sg-cgi-" + mark), host_pids_named("sg-cgi-" + mark)


@pytest.mark.parametrize("how", ["", "-setsid"], ids=["same-group", "own-session"])
def test_background_child_killed(cgi_site, how):
    site = cgi_site(fronts=("nginx",))
    mark = marker() + how
    resp = site.get("nginx", "sg-alice", "background.pl", "?" + mark)
    assert resp.status == 200 and resp.body == b"left a child\n", resp
    assert wait_gone("sg-cgi-" + mark), host_pids_named("sg-cgi-" + mark)


def test_http_proxy_never_exported_C4(cgi_site):
    """A raw SCGI head with HTTP_PROXY set (a front end without nginx's
    scgi_param HTTP_PROXY "" line): the script never sees it."""
    site = cgi_site(fronts=())
    resp = site.scgi(str(home_of("sg-alice") / "public_html/cgi-bin/env.py"),
                     "/~sg-alice/cgi-bin/env.py",
                     headers={"Proxy": "http://evil.example/", "X-Ok": "1"})
    assert resp.status == 200, (resp, site.gw.stderr_text()[-2000:])
    env = resp.json()["env"]
    assert "HTTP_PROXY" not in env and env["HTTP_X_OK"] == "1"


@pytest.mark.parametrize("enabled", [False, True])
def test_authorization_only_when_enabled_C5(cgi_site, enabled):
    site = cgi_site(pass_auth=enabled, fronts=("nginx",))
    resp = site.get("nginx", "sg-bob", "env.py", headers={"Authorization": "Basic YTpi"})
    assert resp.status == 200, resp
    env = resp.json()["env"]
    assert env.get("HTTP_AUTHORIZATION") == ("Basic YTpi" if enabled else None), env


def test_stderr_goes_to_the_users_log(cgi_site):
    """Over SCGI the script's stderr is the cell's: the user's own log."""
    site = cgi_site(fronts=("nginx",))
    mark = marker()
    resp = site.get("nginx", "sg-alice", "stderr.sh", "?" + mark)
    assert resp.status == 200 and resp.body == b"said %s\n" % mark.encode()
    log = home_of("sg-alice") / ".local/state/sandgate/cgi.log"

    def logged():
        try:
            return "stderr of %s" % mark in log.read_text(errors="replace")
        except OSError:
            return False
    assert wait_until(logged), (log, site.gw.stderr_text()[-2000:])


def test_a_replaced_cgi_root_is_bound_again(cgi_site):
    """sg-alice replaces her public_html (a new directory with the same
    scripts) while her CGI cell runs: the cell still binds the old one, so
    the gateway notices the root's new identity, drains that cell and runs
    the script in a fresh one that binds the new directory."""
    site = cgi_site(fronts=("nginx",))
    assert site.get("nginx", "sg-alice", "env.py").status == 200
    home = home_of("sg-alice")
    old = home / "public_html.old"
    shutil.rmtree(old, ignore_errors=True)
    os.rename(home / "public_html", old)
    # cp -a as root keeps owners and modes: the checks still pass
    subprocess.run(["cp", "-a", str(old), str(home / "public_html")], check=True, timeout=60)
    try:
        resp = site.get("nginx", "sg-alice", "env.py")
        assert resp.status == 200, (resp, resp.body[:1000], site.gw.stderr_text()[-3000:])
        assert "is not the directory its cell binds" in site.gw.stderr_text()
    finally:
        shutil.rmtree(old, ignore_errors=True)
