"""Self-service configuration (issue 5): sg-alice and sg-bob declare apps
in ~/.config/sandgate/apps.conf, the system file's `users` group holds the
ceilings, and one gateway (root) serves both through one shared SCGI
listener behind nginx at /~USER/APP/ (examples/nginx-userdir.conf).

- Each user's app answers with that user's uid.
- A broken file of sg-alice's (a value over a ceiling, a symlink to
  sg-bob's file or to /etc/shadow, a syntax error, a policy the admin did
  not allow, a route outside /~sg-alice) is refused with FILE:LINE and
  the rule, in the log and in `sandgate check --user sg-alice`, and sg-bob's
  app keeps answering.
- over = "clamp" lowers the value and says so; the app runs.
- A SIGHUP after the fix picks sg-alice's app up without a restart.
- examples/sandgate-system.conf passes `sandgate check`.
"""
import grp
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (IS_ROOT, WEB_USER, run_sandgate, uid_of, wait_until)

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="system mode: needs root")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APP_DIR = "sg-selftest"        # under each user's home, removed afterwards
USER_FILE = ".config/sandgate/apps.conf"

WHO_APP = '''\
import os


def application(environ, start_response):
    body = ("uid=%d script=%s\\n" % (os.getuid(), environ["SCRIPT_NAME"])).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

SYSTEM_CONF = '''\
listeners = ( { scgi = "unix:%(sock)s"; socket_group = "%(web)s"; } );
users = {
  allow = [ "sg-alice", "sg-bob" ];
  limits = { processes = 2; memory = "256M"; pids = 64; cpu = 1; timeout = 60;
             policies = [ "wsgi" ]; networks = [ "none", "loopback" ];
             hosts = [ "*.users.example.com" ]; max_apps = 4; over = "%(over)s"; };
};
'''

GOOD = 'apps = (\n  { name = "hello"; module = "%s/app.py"; }\n);\n' % APP_DIR


def chown_to(path, user):
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid, follow_symlinks=False)


@pytest.fixture
def homes(test_users):
    """Each test user's home (created if missing, as the user's), with an
    app in ~/sg-selftest; the app and the user's file are removed after."""
    made = {}
    for name in test_users:
        home = Path(pwd.getpwnam(name).pw_dir)
        if not home.exists():
            home.mkdir(mode=0o755, parents=True)
            chown_to(home, name)
        for d in (home / APP_DIR, home / ".config", home / ".config/sandgate"):
            d.mkdir(mode=0o755, exist_ok=True)
            chown_to(d, name)
        (home / APP_DIR / "app.py").write_text(WHO_APP)
        chown_to(home / APP_DIR / "app.py", name)
        made[name] = home
    yield made
    for home in made.values():
        shutil.rmtree(home / APP_DIR, ignore_errors=True)
        f = home / USER_FILE
        if f.is_symlink() or f.exists():
            f.unlink()


def user_file(homes, user):
    return homes[user] / USER_FILE


def write_user_file(homes, user, text):
    path = user_file(homes, user)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_text(text)
    path.chmod(0o644)
    chown_to(path, user)
    return path


def symlink_user_file(homes, user, target):
    path = user_file(homes, user)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.symlink_to(target)
    chown_to(path, user)
    return path


def nginx_userdir(sock):
    """examples/nginx-userdir.conf with the test's socket."""
    text = (EXAMPLES / "nginx-userdir.conf").read_text()
    assert "unix:/run/sandgate/users.sock" in text
    return text.replace("unix:/run/sandgate/users.sock", "unix:%s" % sock)


@pytest.fixture
def shared(sandgate, nginx, workdir, homes):
    """start(over="refuse") -> (gateway, nginx, system file): the gateway
    with the users' files as they are, behind nginx."""
    def start(over="refuse"):
        sock = workdir / "users.sock"
        conf = workdir / "sandgate.conf"
        conf.write_text(SYSTEM_CONF % {"sock": sock, "web": WEB_USER, "over": over})
        conf.chmod(0o644)
        sg = sandgate("-c", conf, scgi=["unix:%s" % sock])
        ng = nginx(nginx_userdir(sock))
        return sg, ng, conf
    return start


def answers(ng, user, app="hello"):
    """The body of a 200 for /~USER/APP/, else None."""
    try:
        resp = ng.get("/~%s/%s/" % (user, app), timeout=5)
    except OSError:
        return None
    return resp.text if resp.status == 200 else None


def wait_answer(ng, user, app="hello"):
    return wait_until(lambda: answers(ng, user, app))


def test_user_apps_through_nginx(shared, homes):
    write_user_file(homes, "sg-alice", GOOD)
    write_user_file(homes, "sg-bob", GOOD)
    sg, ng, _ = shared()
    alice = wait_answer(ng, "sg-alice")
    bob = wait_answer(ng, "sg-bob")
    assert alice == "uid=%d script=/~sg-alice/hello\n" % uid_of("sg-alice"), sg.stderr_text()
    assert bob == "uid=%d script=/~sg-bob/hello\n" % uid_of("sg-bob")
    assert "app sg-alice~hello ready" in sg.stderr_text()
    resp = ng.get("/~sg-alice/nothing/")
    assert resp.status == 404



BROKEN = {
    "over_ceiling": (
        'apps = (\n  { name = "hello"; module = "%s/app.py";\n    memory = "1G"; }\n);\n'
        % APP_DIR,
        ':3: app "hello": memory 1G is above the admin\'s limit 256M (refused)'),
    "syntax_error": (
        'apps = (\n  { name = "hello";\n    module = \n);\n',
        ":4: syntax error"),
    "policy_not_allowed": (
        'apps = (\n  { name = "hello"; module = "%s/app.py";\n'
        '    policy = "wsgi-exec"; }\n);\n' % APP_DIR,
        ':3: app "hello": policy "wsgi-exec" is not allowed by the admin (allowed: "wsgi")'),
    "prefix_outside": (
        'apps = (\n  { name = "hello"; module = "%s/app.py";\n'
        '    route = { prefix = "/~sg-bob/hello2"; }; }\n);\n' % APP_DIR,
        ':3: app "hello": route.prefix "/~sg-bob/hello2" is outside the admin\'s prefixes '
        "(/~sg-alice): a user's apps are routed under those"),
    "network_not_allowed": (
        'apps = (\n  { name = "hello"; module = "%s/app.py"; network = "host"; }\n);\n'
        % APP_DIR,
        ':2: app "hello": network "host" is not allowed by the admin (allowed: "none", '
        '"loopback")'),
}

SYMLINK_REFUSED = (": refused: it is a symbolic link, or a directory on the way to it is "
                   "one (users' files are read without following links)")


def set_broken(homes, case):
    """sg-alice's file for a case; returns the message expected for it."""
    if case == "symlink_to_bob":
        symlink_user_file(homes, "sg-alice", user_file(homes, "sg-bob"))
        return str(user_file(homes, "sg-alice")) + SYMLINK_REFUSED
    if case == "symlink_to_shadow":
        symlink_user_file(homes, "sg-alice", "/etc/shadow")
        return str(user_file(homes, "sg-alice")) + SYMLINK_REFUSED
    text, suffix = BROKEN[case]
    write_user_file(homes, "sg-alice", text)
    return str(user_file(homes, "sg-alice")) + suffix


CASES = sorted(BROKEN) + ["symlink_to_bob", "symlink_to_shadow"]


@pytest.mark.parametrize("case", CASES)
def test_broken_user_file_refused_others_unaffected(shared, homes, case):
    write_user_file(homes, "sg-bob", GOOD)
    want = set_broken(homes, case)
    sg, ng, conf = shared()
    assert wait_answer(ng, "sg-bob") == "uid=%d script=/~sg-bob/hello\n" % uid_of("sg-bob")
    assert sg.wait_for_log(want), sg.stderr_text()
    assert answers(ng, "sg-alice") is None
    assert ng.get("/~sg-alice/hello/").status == 404
    check = run_sandgate("check", "-c", conf, "--user", "sg-alice")
    assert check.returncode == 1
    assert want in check.stderr, check.stderr
    assert "%s: 1 problem" % user_file(homes, "sg-alice") in check.stdout
    bob = run_sandgate("check", "-c", conf, "--user", "sg-bob")
    assert bob.returncode == 0 and "ok (1 app)" in bob.stdout, bob.stderr
    # Not a word of /etc/shadow anywhere.
    assert "root:" not in sg.stderr_text() + check.stderr


def test_clamp_lowers_and_says_so(shared, homes):
    write_user_file(homes, "sg-alice", BROKEN["over_ceiling"][0])
    write_user_file(homes, "sg-bob", GOOD)
    sg, ng, conf = shared(over="clamp")
    assert wait_answer(ng, "sg-alice") == "uid=%d script=/~sg-alice/hello\n" % uid_of("sg-alice")
    want = (str(user_file(homes, "sg-alice")) + ':3: app "hello": memory 1G is above the '
            "admin's limit 256M (clamped to 256M)")
    assert want in sg.stderr_text()
    check = run_sandgate("check", "-c", conf, "--user", "sg-alice")
    assert check.returncode == 0 and want in check.stderr
    assert "ok (1 app, values clamped)" in check.stdout


def test_sighup_after_fix_picks_the_app_up(shared, homes):
    write_user_file(homes, "sg-bob", GOOD)
    want = set_broken(homes, "syntax_error")
    sg, ng, _ = shared()
    assert wait_answer(ng, "sg-bob")
    assert sg.wait_for_log(want)
    assert answers(ng, "sg-alice") is None
    write_user_file(homes, "sg-alice", GOOD)
    sg.signal(signal.SIGHUP)
    assert wait_answer(ng, "sg-alice") == "uid=%d script=/~sg-alice/hello\n" % uid_of("sg-alice")
    # Broken again: the app she had keeps serving, with the refusal logged.
    write_user_file(homes, "sg-alice", BROKEN["policy_not_allowed"][0])
    sg.signal(signal.SIGHUP)
    assert sg.wait_for_log("1 user file refused; that user's apps stay as they were")
    assert wait_answer(ng, "sg-alice")
    assert answers(ng, "sg-bob")


TWO = ('apps = (\n  { name = "hello"; module = "%s/app.py"; },\n'
       '  { name = "two"; module = "%s/app.py"; }\n);\n' % (APP_DIR, APP_DIR))


def test_edit_picked_up_without_sighup_for_that_user_alone(shared, homes):
    """inotify: sg-alice edits her file; her new app answers, her unchanged
    app and sg-bob's keep their cells; a broken edit changes nothing."""
    write_user_file(homes, "sg-alice", GOOD)
    write_user_file(homes, "sg-bob", GOOD)
    sg, ng, _ = shared()
    assert wait_answer(ng, "sg-alice") and wait_answer(ng, "sg-bob")
    write_user_file(homes, "sg-alice", TWO)
    assert wait_answer(ng, "sg-alice", "two") == \
        "uid=%d script=/~sg-alice/two\n" % uid_of("sg-alice"), sg.stderr_text()
    log = sg.stderr_text()
    assert "sg-alice's apps file changed: reading it again" in log
    assert log.count("app sg-alice~hello: cell starting") == 1
    assert log.count("app sg-bob~hello: cell starting") == 1
    assert "SIGHUP" not in log
    write_user_file(homes, "sg-alice", BROKEN["policy_not_allowed"][0])
    assert sg.wait_for_log(str(user_file(homes, "sg-alice")) + BROKEN["policy_not_allowed"][1])
    assert answers(ng, "sg-alice", "two") and answers(ng, "sg-bob")
    assert sg.stderr_text().count("app sg-alice~two: cell starting") == 1


def test_user_path_she_cannot_reach_is_not_bound(shared, homes, workdir):
    """A user's pythonpath into a directory she may not traverse (0700 by
    root, with a readable directory inside): the cell re-resolves it as
    her, so it does not start; sg-bob's app is unaffected."""
    hidden = workdir / "root-only"
    (hidden / "pub").mkdir(parents=True)
    hidden.chmod(0o700)
    (hidden / "pub").chmod(0o755)
    write_user_file(homes, "sg-alice", 'apps = ( { name = "hello"; module = "%s/app.py";\n'
                    '  pythonpath = "%s"; } );\n' % (APP_DIR, hidden / "pub"))
    write_user_file(homes, "sg-bob", GOOD)
    sg, ng, _ = shared()
    assert wait_answer(ng, "sg-bob")
    assert sg.wait_for_log("%s: resolving it again in the cell: Permission denied"
                           % (hidden / "pub")), sg.stderr_text()
    assert answers(ng, "sg-alice") is None


def test_user_file_rules_of_the_file_itself(homes, workdir):
    """Not the user's, or writable by others: refused before parsing."""
    conf = workdir / "sandgate.conf"
    conf.write_text(SYSTEM_CONF % {"sock": workdir / "u.sock", "web": WEB_USER,
                                   "over": "refuse"})
    path = write_user_file(homes, "sg-alice", GOOD)
    path.chmod(0o666)
    out = run_sandgate("check", "-c", conf, "--user", "sg-alice")
    assert out.returncode == 1
    assert "%s: refused: writable by others (chmod go-w)" % path in out.stderr
    path.chmod(0o644)
    os.chown(path, uid_of("sg-bob"), -1)
    out = run_sandgate("check", "-c", conf, "--user", "sg-alice")
    assert out.returncode == 1
    assert "%s: refused: owned by uid %d, not by sg-alice" % (path, uid_of("sg-bob")) \
        in out.stderr
    path.unlink()
    out = run_sandgate("check", "-c", conf, "--user", "sg-alice")
    assert out.returncode == 0 and "ok (0 apps)" in out.stdout


def test_example_system_config_checks():
    out = run_sandgate("check", "-c", EXAMPLES / "sandgate-system.conf")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("sandgate-system.conf: ok")


def test_user_app_through_apache(sandgate, apache, workdir, homes):
    """examples/apache-userdir.conf in front of the same gateway."""
    write_user_file(homes, "sg-alice", GOOD)
    sock = workdir / "users.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(SYSTEM_CONF % {"sock": sock, "web": WEB_USER, "over": "refuse"})
    conf.chmod(0o644)
    sandgate("-c", conf, scgi=["unix:%s" % sock])
    text = (EXAMPLES / "apache-userdir.conf").read_text()
    assert "unix:/run/sandgate/users.sock" in text
    httpd = apache(text.replace("unix:/run/sandgate/users.sock", "unix:%s" % sock))
    got = wait_until(lambda: answers(httpd, "sg-alice"))
    assert got == "uid=%d script=/~sg-alice/hello\n" % uid_of("sg-alice"), \
        httpd.error_log()[-2000:]


GROUP = "sg-selftest"


@pytest.fixture
def alice_in_group(test_users):
    """The group sg-selftest with sg-alice as its one member (created
    when missing, left for later runs, as the test users are)."""
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", GROUP], check=True, capture_output=True,
                       timeout=60)
    subprocess.run(["gpasswd", "-M", "sg-alice", GROUP], check=True, capture_output=True,
                   timeout=60)
    return GROUP


def test_allow_group(sandgate, nginx, workdir, homes, alice_in_group):
    """users.allow_group: its members have apps, others do not."""
    write_user_file(homes, "sg-alice", GOOD)
    write_user_file(homes, "sg-bob", GOOD)
    sock = workdir / "users.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text((SYSTEM_CONF % {"sock": sock, "web": WEB_USER, "over": "refuse"})
                    .replace('allow = [ "sg-alice", "sg-bob" ];',
                             'allow_group = "%s";' % alice_in_group))
    conf.chmod(0o644)
    sg = sandgate("-c", conf, scgi=["unix:%s" % sock])
    ng = nginx(nginx_userdir(sock))
    assert wait_answer(ng, "sg-alice")
    assert ng.get("/~sg-bob/hello/").status == 404
    assert "sg-bob~hello" not in sg.stderr_text()
    out = run_sandgate("check", "-c", conf, "--user", "sg-bob")
    assert out.returncode == 1
    assert 'user "sg-bob" is not in users.allow or users.allow_group' in out.stderr


# ---- per-user virtual hosts: limits.hosts = [ "%u.users.example.test" ] ----

VHOST_CONF = SYSTEM_CONF.replace('hosts = [ "*.users.example.com" ]',
                                 'hosts = [ "%%u.users.example.test" ]')


def vhost_file(user, host=None):
    return ('apps = (\n  { name = "site"; module = "%s/app.py";\n'
            '    route = { host = "%s"; }; }\n);\n'
            % (APP_DIR, host or "%s.users.example.test" % user))


def vhost_answer(server, user):
    try:
        resp = server.get("/", headers={"Host": "%s.users.example.test" % user}, timeout=5)
    except OSError:
        return None
    return resp.text if resp.status == 200 else None


def start_vhosts(sandgate, workdir):
    sock = workdir / "users.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(VHOST_CONF % {"sock": sock, "web": WEB_USER, "over": "refuse"})
    conf.chmod(0o644)
    sg = sandgate("-c", conf, scgi=["unix:%s" % sock])
    return sg, sock, conf


def example_with_socket(name, sock):
    text = (EXAMPLES / name).read_text()
    assert "unix:/run/sandgate/users.sock" in text
    return text.replace("unix:/run/sandgate/users.sock", "unix:%s" % sock)


@pytest.mark.parametrize("front", ["nginx", "apache"])
def test_user_virtual_hosts(sandgate, nginx, apache, workdir, homes, front):
    """examples/nginx-user-vhosts.conf and apache-user-vhosts.conf: each
    user's app takes the whole of their own host name."""
    write_user_file(homes, "sg-alice", vhost_file("sg-alice"))
    write_user_file(homes, "sg-bob", vhost_file("sg-bob"))
    sg, sock, _ = start_vhosts(sandgate, workdir)
    if front == "nginx":
        server = nginx(example_with_socket("nginx-user-vhosts.conf", sock))
    else:
        server = apache(example_with_socket("apache-user-vhosts.conf", sock))
    alice = wait_until(lambda: vhost_answer(server, "sg-alice"))
    assert alice == "uid=%d script=\n" % uid_of("sg-alice"), sg.stderr_text()
    assert vhost_answer(server, "sg-bob") == "uid=%d script=\n" % uid_of("sg-bob")
    resp = server.get("/", headers={"Host": "nobody.users.example.test"})
    assert resp.status == 404


def test_user_cannot_claim_anothers_host(sandgate, workdir, homes):
    """With %u in the pattern, sg-bob naming sg-alice's host is refused
    with FILE:LINE; sg-alice's own app is unaffected."""
    write_user_file(homes, "sg-alice", vhost_file("sg-alice"))
    path = write_user_file(homes, "sg-bob", vhost_file("sg-bob", "sg-alice.users.example.test"))
    sg, _, conf = start_vhosts(sandgate, workdir)
    out = run_sandgate("check", "-c", conf, "--user", "sg-bob")
    assert out.returncode == 1
    want = ('%s:3: app "site": route.host "sg-alice.users.example.test" matches none of the '
            "admin's hosts (users.limits.hosts: 1 pattern)" % path)
    assert want in out.stderr, out.stderr
    assert wait_until(lambda: want in sg.stderr_text()), sg.stderr_text()



def test_rewriting_the_file_in_a_loop_is_rate_limited(shared, homes):
    """A user who rewrites their file every 0.8 s for 10 s: each write
    settles (0.3 s) and would be read again, but a user's file is read at
    most every 3 s, so at most 5 reloads happen, not 12."""
    write_user_file(homes, "sg-alice", GOOD)
    sg, ng, _ = shared()
    assert wait_answer(ng, "sg-alice")
    for _ in range(12):
        write_user_file(homes, "sg-alice", GOOD)
        time.sleep(0.8)
    time.sleep(3.5)                       # let the last one settle
    reloads = sg.stderr_text().count("sg-alice's apps file changed: reading it again")
    assert 1 <= reloads <= 6, reloads
