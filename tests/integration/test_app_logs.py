"""Per-user app logs (gateway/app_logs.c, gateway/log_open.c).

In system mode an app of a user with a home logs to
~USER/.local/state/sandgate/APP.log, a file the user owns, opened with the
user's credentials without following symlinks, and not to the gateway's
log. SIGUSR1 opens it again (logrotate): after a rename the old file keeps
the old lines and a new file gets the new ones, while the cell runs on.
A symlink the user planted at the path (to /etc/shadow, to another user's
world-writable file) is refused, not followed: the log falls back to the
gateway's own, and the target is untouched. An administrator's `log =`
path is opened as the user too.
"""
import os
import pwd
import signal
import shutil
from pathlib import Path

import pytest

from conftest import gid_of, needs_root, run_sandgate, scgi_request, uid_of, wait_until

pytestmark = needs_root

APP = '''\
import logging
import sys


def application(environ, start_response):
    sys.stderr.write("line %s\\n" % environ["QUERY_STRING"])
    sys.stderr.flush()
    logging.getLogger("shop").warning("warned %s", environ["QUERY_STRING"])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
'''

CONF = '''\
listeners = ( { scgi = "unix:%(sock)s"; } );
apps = ( { name = "%(name)s"; user = "sg-alice"; module = "%(dir)s/app.py"; processes = 1;
           %(extra)s } );
'''


@pytest.fixture
def alice_home(test_users):
    """sg-alice's home (made if missing), and her state directory removed after."""
    home = Path(pwd.getpwnam("sg-alice").pw_dir)
    if not home.exists():
        home.mkdir(parents=True)
        os.chown(home, uid_of("sg-alice"), gid_of("sg-alice"))
        home.chmod(0o700)
    state = home / ".local" / "state" / "sandgate"
    yield home
    shutil.rmtree(state, ignore_errors=True)


def as_alice(fn):
    """Runs fn() in a child process as sg-alice (plants files as her)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(gid_of("sg-alice"), gid_of("sg-alice"), gid_of("sg-alice"))
            os.setresuid(uid_of("sg-alice"), uid_of("sg-alice"), uid_of("sg-alice"))
            fn()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert status == 0


def start(sandgate, workdir, name="shop", extra=""):
    app_dir = workdir / "app"
    app_dir.mkdir(exist_ok=True)
    (app_dir / "app.py").write_text(APP)
    (app_dir / "app.py").chmod(0o644)
    sock = workdir / "shared.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(CONF % {"sock": sock, "name": name, "dir": app_dir, "extra": extra})
    sg = sandgate("-c", conf, scgi=["unix:%s" % sock])
    return sg, "unix:%s" % sock


def hit(addr, tag):
    assert scgi_request(addr, "/", query=tag).status == 200


def has(path, text):
    return path.exists() and text in path.read_text(errors="replace")


def test_the_log_is_a_file_the_user_owns(sandgate, workdir, alice_home):
    sg, addr = start(sandgate, workdir)
    hit(addr, "one")
    log = alice_home / ".local/state/sandgate/shop.log"
    assert wait_until(lambda: has(log, "line one") and has(log, "warned one")), \
        sg.stderr_text()[-2000:]
    st = log.stat()
    assert (st.st_uid, st.st_mode & 0o777) == (uid_of("sg-alice"), 0o600)
    assert (log.parent.stat().st_uid, log.parent.stat().st_mode & 0o777) == \
        (uid_of("sg-alice"), 0o700)
    # Lines as the cell wrote them, levels included (the gateway's log would
    # wrap each as an INFO line marked <shop>); none of it in the gateway's log.
    assert "INFO [shop zygote] seccomp filter loaded" in log.read_text()
    assert "<shop>" not in log.read_text()
    assert "line one" not in sg.stderr_text()


def test_sigusr1_reopens_after_logrotate(sandgate, workdir, alice_home):
    sg, addr = start(sandgate, workdir)
    log = alice_home / ".local/state/sandgate/shop.log"
    hit(addr, "before")
    assert wait_until(lambda: has(log, "line before"))
    rotated = log.with_name("shop.log.1")
    os.rename(log, rotated)
    sg.signal(signal.SIGUSR1)
    assert wait_until(log.exists), sg.stderr_text()[-2000:]
    hit(addr, "after")
    assert wait_until(lambda: has(log, "line after"))
    assert "line before" not in log.read_text()
    assert "line after" not in rotated.read_text()
    assert log.stat().st_uid == uid_of("sg-alice")


@pytest.mark.parametrize("target", ["/etc/shadow", "bob"])
def test_a_planted_symlink_is_not_followed(sandgate, workdir, alice_home, target):
    if target == "bob":
        # sg-bob's file that anyone may write: only O_NOFOLLOW keeps it out.
        victim = workdir / "bob.txt"
        victim.write_text("bob's\n")
        os.chown(victim, uid_of("sg-bob"), gid_of("sg-bob"))
        victim.chmod(0o666)
    else:
        victim = Path(target)
    before = (victim.stat().st_size, victim.stat().st_mtime_ns, victim.read_bytes())
    state = alice_home / ".local/state/sandgate"

    def plant():
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.symlink(str(victim), str(state / "shop.log"))
    as_alice(plant)
    sg, addr = start(sandgate, workdir)
    hit(addr, "planted")
    assert sg.wait_for_log("line planted"), sg.stderr_text()[-2000:]
    assert "Too many levels of symbolic links" in sg.stderr_text()
    assert (victim.stat().st_size, victim.stat().st_mtime_ns, victim.read_bytes()) == before
    assert (state / "shop.log").is_symlink()


def test_an_admin_path_is_opened_as_the_user(sandgate, workdir, alice_home):
    mine = workdir / "alice-logs"
    mine.mkdir()
    os.chown(mine, uid_of("sg-alice"), gid_of("sg-alice"))
    sg, addr = start(sandgate, workdir, extra='log = "%s/shop.log";' % mine)
    hit(addr, "admin")
    log = mine / "shop.log"
    assert wait_until(lambda: has(log, "line admin"))
    assert log.stat().st_uid == uid_of("sg-alice")


def test_an_admin_path_the_user_cannot_write_is_refused(workdir, alice_home):
    root_only = workdir / "root-only"
    root_only.mkdir(mode=0o755)
    app_dir = workdir / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(APP)
    conf = workdir / "bad.conf"
    conf.write_text(CONF % {"sock": workdir / "bad.sock", "name": "shop", "dir": app_dir,
                            "extra": 'log = "%s/shop.log";' % root_only})
    proc = run_sandgate("serve", "-c", conf)
    assert proc.returncode != 0
    assert "app shop: log %s/shop.log as sg-alice: open: Permission denied" % root_only \
        in proc.stderr, proc.stderr
    assert not (root_only / "shop.log").exists()
