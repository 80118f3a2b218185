"""CGI scripts of two real users through Apache httpd (mod_cgid) running
build/sandgate-cgi for /~USER/cgi-bin/ (examples/apache-cgi.conf), the way
suEXEC would run them, but in each user's cell (issue 6).

- Each user's script answers with that user's uid, in a fresh fork per
  request (module state does not leak), with the environment cleaned.
- A chunked POST reaches the script with CONTENT_LENGTH unset (E1).
- Perl, shell and NPH scripts; a script that writes 1 MiB before it reads
  a 1 MiB POST; a script that hangs with children (all killed at the
  timeout); a script that leaves a child behind (killed with the group).
- The script's exit status becomes the launcher's.
"""
import hashlib
import os

import pytest

from conftest import IO_TIMEOUT, IS_ROOT, gid_of, uid_of, wait_until
from cgi_fixtures import (APACHE_MODULES, apache_cgi_conf, cgi_homes, cgi_path,  # noqa: F401
                          cgi_site, chunks,
                          curl_in_background, host_pids_named, marker, script_env,
                          text_fields, wait_gone)

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="system mode: needs root")

MIB = 1 << 20


@pytest.mark.parametrize("user", ["sg-alice", "sg-bob"])
def test_each_users_script_runs_as_that_user(cgi_site, user):
    site = cgi_site()
    resp = site.get("apache", user, "env.py", "/x/y?q=1")
    assert resp.status == 200, (resp, resp.body[:2000], site.httpd.error_log()[-2000:])
    info = resp.json()
    assert (info["uid"], info["euid"], info["gid"]) == (uid_of(user), uid_of(user), gid_of(user))
    env = info["env"]
    script = "/home/%s/public_html/cgi-bin/env.py" % user
    assert env["SCRIPT_FILENAME"] == script
    assert env["SCRIPT_NAME"] == "/~%s/cgi-bin/env.py" % user
    assert env["PATH_INFO"] == "/x/y"
    assert env["QUERY_STRING"] == "q=1"
    assert env["REQUEST_URI"] == "/~%s/cgi-bin/env.py/x/y?q=1" % user
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert env["SERVER_SOFTWARE"].startswith("Apache")
    # suEXEC's safe list: the launcher's own variables stay out.
    assert not [k for k in env if "SANDGATE" in k], env
    assert "PATH_TRANSLATED" not in env
    assert "CONTENT_LENGTH" not in env
    # C11: the script's directory is the working directory; run as __main__.
    assert info["cwd"] == os.path.dirname(script)
    assert (info["name"], info["file"], info["argv"][0]) == ("__main__", script, script)


def test_a_fresh_fork_per_request(cgi_site):
    """Python scripts run in the warm interpreter, but each in a fork of
    its own: what one request leaves in the interpreter, the next never sees."""
    site = cgi_site()
    seen = [site.get("apache", "sg-alice", "env.py").json() for _ in range(4)]
    assert [s["seen_before"] for s in seen] == [False] * 4


def test_chunked_post_without_content_length_E1(cgi_site):
    """mod_cgid de-chunks a chunked body and leaves CONTENT_LENGTH unset:
    the body ends at EOF, and every byte reaches the script."""
    site = cgi_site()
    body = os.urandom(300000)
    # http.client sends an iterable body chunked (no Content-Length).
    resp = site.get("apache", "sg-alice", "env.py", method="POST", body=chunks(body),
                    headers={"Content-Type": "application/octet-stream"})
    assert resp.status == 200, (resp, site.httpd.error_log()[-2000:])
    info = resp.json()
    assert info["env"].get("HTTP_TRANSFER_ENCODING") == "chunked"
    assert "CONTENT_LENGTH" not in info["env"]
    assert info["body_len"] == len(body)
    assert info["body_sha256"] == hashlib.sha256(body).hexdigest()
    for script in ("env.pl", "env.sh"):
        resp = site.get("apache", "sg-bob", script, method="POST", body=chunks(body))
        assert resp.status == 200, (script, resp)
        assert text_fields(resp.body)["body_len"].strip() == str(len(body))


@pytest.mark.parametrize("script,lang", [("env.pl", "perl"), ("env.sh", "sh")])
@pytest.mark.parametrize("user", ["sg-alice", "sg-bob"])
def test_perl_and_shell_scripts(cgi_site, script, lang, user):
    site = cgi_site()
    resp = site.get("apache", user, script, "/p?a=b", method="POST", body=b"12345",
                    headers={"Content-Type": "text/plain"})
    assert resp.status == 200, (resp, resp.body[:1000], site.httpd.error_log()[-2000:])
    fields = text_fields(resp.body)
    assert fields["lang"] == lang
    assert int(fields["uid"]) == uid_of(user)
    assert fields["body_len"].strip() == "5"
    env = script_env(resp.body)
    assert env["PATH_INFO"] == "/p" and env["QUERY_STRING"] == "a=b"
    assert env["CONTENT_LENGTH"] == "5"
    assert not [k for k in env if "SANDGATE" in k], env


def test_nph_script(cgi_site):
    """C10: an nph- script's own status line reaches the client."""
    site = cgi_site()
    resp = site.get("apache", "sg-alice", "nph-hello.cgi")
    assert resp.status == 202, (resp, resp.body, site.httpd.error_log()[-2000:])
    assert resp.header("X-Nph") == "yes"
    assert resp.body == b"nph uid=%d\n" % uid_of("sg-alice")


@pytest.mark.parametrize("script", ["bigio.pl", "bigio.py"])
def test_write_1mib_before_reading_1mib_post(cgi_site, script):
    """The script writes 1 MiB before it reads a byte of a 1 MiB body:
    the worker pumps both ways at once, so nothing deadlocks."""
    site = cgi_site()
    body = os.urandom(MIB)
    resp = site.get("apache", "sg-bob", script, method="POST", body=body,
                    headers={"Content-Type": "application/octet-stream"})
    assert resp.status == 200, (resp, site.httpd.error_log()[-2000:])
    assert resp.body[:MIB] == b"x" * MIB
    tail = resp.body[MIB:].decode()
    assert tail == "\nread=%d sha256=%s\n" % (MIB, hashlib.sha256(body).hexdigest())
    # The same through a chunked body (no CONTENT_LENGTH: to EOF).
    resp = site.get("apache", "sg-bob", script, method="POST", body=chunks(body, 65536))
    assert resp.status == 200, resp
    assert resp.body[MIB:].decode() == tail


@pytest.mark.parametrize("quiet", [False, True], ids=["after-output", "silent"])
def test_hanging_script_killed_at_timeout_with_children(cgi_site, quiet):
    """hang.pl forks three children and sleeps; at the timeout the worker
    kills the group and every descendant: none is left on the host. A
    script that sent nothing gets a 504."""
    site = cgi_site(timeout=3)
    mark = ("q" if quiet else "") + marker()
    client = curl_in_background(site.httpd.url + cgi_path("sg-alice", "hang.pl", "?" + mark))
    assert wait_until(lambda: len(host_pids_named("sg-cgi-" + mark)) == 4), \
        (host_pids_named("sg-cgi-" + mark), site.gw.stderr_text()[-2000:])
    out, err = client.communicate(timeout=120)
    assert wait_gone("sg-cgi-" + mark), host_pids_named("sg-cgi-" + mark)
    if quiet:
        assert out == b"504", (out, err, site.httpd.error_log()[-2000:])


@pytest.mark.parametrize("how", ["", "-setsid"], ids=["same-group", "own-session"])
def test_background_child_killed_with_the_group(cgi_site, how):
    """background.pl answers and exits, leaving a child that holds stdout
    (and, with -setsid, left the process group): the response completes
    and the child is killed."""
    site = cgi_site()
    mark = marker() + how
    resp = site.get("apache", "sg-bob", "background.pl", "?" + mark)
    assert resp.status == 200 and resp.body == b"left a child\n", resp
    assert wait_gone("sg-cgi-" + mark), host_pids_named("sg-cgi-" + mark)


def test_exit_status_is_the_launchers(cgi_site):
    """The script's exit status is the launcher's (what Apache's own CGI
    would see from suEXEC)."""
    site = cgi_site()
    for code in (0, 3, 42):
        rc, out, err = site.launch(cgi_path("sg-alice", "exits.sh"), query=str(code))
        assert rc == code, (rc, out, err)
        assert out.endswith(b"exiting %d\n" % code), out
    resp = site.get("apache", "sg-alice", "exits.sh", "?7")
    assert resp.status == 200 and resp.body == b"exiting 7\n"


def test_bad_output_is_apaches_500_C7(cgi_site):
    """On the launcher path Apache parses the script's output itself: a
    head without a colon is its 500 ("malformed header")."""
    site = cgi_site(fronts=("apache",))
    resp = site.get("apache", "sg-alice", "badhead.sh")
    assert resp.status == 500, (resp, resp.body)
    assert wait_until(lambda: "malformed header" in site.httpd.error_log())


def test_local_redirect_and_status(cgi_site):
    """C8: a local Location with no Status is Apache's internal redirect
    (the target runs too, through the launcher); Status: passes through."""
    site = cgi_site()
    resp = site.get("apache", "sg-alice", "redirect.sh", "?local")
    assert resp.status == 200, (resp, site.httpd.error_log()[-2000:])
    assert resp.body == b"Hello from uid %d\n" % uid_of("sg-alice")
    resp = site.get("apache", "sg-alice", "redirect.sh", "?status")
    assert resp.status == 418 and resp.body == b"teapot\n"
    resp = site.get("apache", "sg-alice", "redirect.sh", "?away")
    assert resp.status == 302
    assert resp.header("Location") == "http://example.com/elsewhere"


@pytest.mark.parametrize("enabled", [False, True])
def test_authorization_only_when_enabled_C5(cgi_site, enabled):
    """With CGIPassAuth On, Apache hands HTTP_AUTHORIZATION to the launcher;
    the script sees it only when the admin set pass_authorization."""
    site = cgi_site(pass_auth=enabled)
    resp = site.get("apache", "sg-alice", "env.py",
                    headers={"Authorization": "Basic YTpi", "Proxy": "http://evil.example/"})
    assert resp.status == 200, resp
    env = resp.json()["env"]
    assert ("HTTP_AUTHORIZATION" in env) == enabled, env
    if enabled:
        assert env["HTTP_AUTHORIZATION"] == "Basic YTpi"
    assert "HTTP_PROXY" not in env


def test_stderr_goes_to_apaches_error_log(cgi_site):
    """On the launcher path the script's stderr is the launcher's: Apache's
    error log (as with suEXEC); stdout is the response."""
    site = cgi_site()
    mark = marker()
    resp = site.get("apache", "sg-alice", "stderr.sh", "?" + mark)
    assert resp.status == 200 and resp.body == b"said %s\n" % mark.encode()
    assert wait_until(lambda: "stderr of %s" % mark in site.httpd.error_log()), \
        site.httpd.error_log()[-2000:]


def test_qualify_redirect_url_on(cgi_site, apache):
    """With Apache's QualifyRedirectURL On, REDIRECT_URL is a full URL
    (http://HOST:PORT/~USER/...): its path is still the launcher's
    PATH_INFO, so the Action's run is recognised as before."""
    site = cgi_site(fronts=())
    conf = apache_cgi_conf(site.launcher_sock) + "\nQualifyRedirectURL On\n"
    httpd = apache(conf, modules=APACHE_MODULES)
    resp = httpd.get(cgi_path("sg-alice", "env.py", "/x"), timeout=IO_TIMEOUT)
    assert resp.status == 200, (resp, resp.body[:500], httpd.error_log()[-2000:])
    env = resp.json()["env"]
    assert env["SCRIPT_NAME"] == "/~sg-alice/cgi-bin/env.py" and env["PATH_INFO"] == "/x"
