"""Fifty users on one host (issue 5, "Tests", first point): sg-u01..sg-u50,
created when missing, each declare one app in ~/.config/sandgate/apps.conf;
one gateway (root) serves them all through one shared SCGI socket behind
one nginx at /~USER/who/ (examples/nginx-userdir.conf).

- Every app answers 200 with its own uid.
- Isolation spot-checks between random pairs (the seed is printed; set
  SG_FIFTY_SEED to replay): app A cannot see B's app file (ENOENT: B's
  home is not in A's view), which A can read on the host.
- With idle_timeout = 3, every cell stops: no process of any of the users
  is left under the gateway.
- The memory totals (PSS of the 50 cells while all are up, and of the
  gateway) are printed in the test output and kept as record_property.
"""
import os
import pwd
import random
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import IS_ROOT, WEB_USER, as_user, ensure_user, wait_until
from test_on_demand import descendants, proc_table
from test_self_service import chown_to, nginx_userdir

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="system mode: needs root")

USERS = ["sg-u%02d" % i for i in range(1, 51)]
APP_DIR = "sg-fifty"           # under each user's home, removed afterwards
USER_FILE = ".config/sandgate/apps.conf"
IDLE = 3                       # the apps' idle_timeout, seconds
PAIRS = 5                      # isolation spot-checks
THREADS = 8                    # concurrent requests through nginx

# GET /            -> "uid=N"
# GET /?read=PATH  -> "read=ok" or "read=ENOENT" (the errno's name)
WHO_APP = '''\
import errno
import os
from urllib.parse import parse_qs


def application(environ, start_response):
    path = parse_qs(environ.get("QUERY_STRING", "")).get("read")
    if path:
        try:
            with open(path[0], "rb") as f:
                f.read(1)
            body = "read=ok"
        except OSError as e:
            body = "read=" + errno.errorcode.get(e.errno, str(e.errno))
    else:
        body = "uid=%d" % os.getuid()
    body = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

USER_APPS = ('apps = ( { name = "who"; module = "%s/app.py"; processes = 1;\n'
             '          idle_timeout = %d; queue_timeout = 60; } );\n' % (APP_DIR, IDLE))

SYSTEM_CONF = '''\
listeners = ( { scgi = "unix:%(sock)s"; socket_group = "%(web)s"; } );
users = {
  allow = [ %(allow)s ];
  limits = { processes = 1; memory = "128M"; pids = 32; cpu = 1; timeout = 60;
             policies = [ "wsgi" ]; networks = [ "none" ]; max_apps = 1; };
};
'''


def app_file(user):
    return Path(pwd.getpwnam(user).pw_dir) / APP_DIR / "app.py"


@pytest.fixture(scope="module")
def fifty_users():
    """The users (conftest's ensure_user), each with a home of their own
    (0755, so that on the host each may read the others' apps), the app and the apps file; app and file removed afterwards,
    users and homes left for later runs (as sg-alice's are)."""
    homes = {}
    for name in USERS:
        home = Path(ensure_user(name).pw_dir)
        if not home.exists():
            home.mkdir(mode=0o755, parents=True)
            chown_to(home, name)
        home.chmod(0o755)      # others may look in: the host read below needs it
        for d in (home / APP_DIR, home / ".config", home / ".config/sandgate"):
            d.mkdir(mode=0o755, exist_ok=True)
            chown_to(d, name)
        for path, text in ((home / APP_DIR / "app.py", WHO_APP),
                           (home / USER_FILE, USER_APPS)):
            path.write_text(text)
            path.chmod(0o644)
            chown_to(path, name)
        homes[name] = home
    yield homes
    for home in homes.values():
        shutil.rmtree(home / APP_DIR, ignore_errors=True)
        (home / USER_FILE).unlink(missing_ok=True)


def get(ng, path):
    """(status, body) through nginx, or (None, error text)."""
    try:
        resp = ng.get(path, timeout=90)
    except OSError as e:
        return None, str(e)
    return resp.status, resp.text


def answer_of(ng, user, query=""):
    """The body of a 200 from USER's app, retried (bounded) while the
    cell starts; None if none came."""
    path = "/~%s/who/%s" % (user, "?" + query if query else "")

    def ok_body():
        status, body = get(ng, path)
        return body if status == 200 else None
    return wait_until(ok_body, 90, 0.5)


def user_cells(gateway_pid, uids):
    """{pid: uid} of the processes under the gateway that run as one of uids."""
    table = proc_table()
    return {pid: table[pid][1] for pid in descendants(gateway_pid)
            if pid in table and table[pid][1] in uids}


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def report(capsys, record_property, name, value):
    """A line in the test output with or without -s, and a junit property."""
    record_property(name, value)
    with capsys.disabled():
        print("\n[fifty users] %s: %s" % (name, value), end="")


def test_fifty_users_one_socket(sandgate, nginx, workdir, fifty_users, capsys,
                                record_property):
    uids = {pwd.getpwnam(u).pw_uid: u for u in USERS}
    sock = workdir / "users.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(SYSTEM_CONF % {"sock": sock, "web": WEB_USER,
                                   "allow": ", ".join('"%s"' % u for u in USERS)})
    conf.chmod(0o644)
    sg = sandgate("-c", conf, scgi=["unix:%s" % sock])
    ng = nginx(nginx_userdir(sock))

    # Every app, through nginx, answers with its own uid.
    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        got = dict(zip(USERS, pool.map(lambda u: answer_of(ng, u), USERS)))
    first_all = time.monotonic() - started
    wrong = {u: b for u, b in got.items() if b != "uid=%d" % pwd.getpwnam(u).pw_uid}
    assert not wrong, (wrong, sg.stderr_text()[-4000:], ng.error_log()[-2000:])
    report(capsys, record_property, "first answer of all 50 apps (s)", "%.1f" % first_all)

    # All 50 cells up at once: ask each again (cells that went idle in the
    # meantime come back) until a process of every user is under the gateway.
    def all_up():
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(lambda u: get(ng, "/~%s/who/" % u), USERS))
        cells = user_cells(sg.proc.pid, uids)
        return cells if set(cells.values()) == set(uids) else None
    cells = wait_until(all_up, 60, 0)
    assert cells, "not all 50 users had a cell at once"
    under = descendants(sg.proc.pid)      # the cells' processes, whoever runs them
    cell_pss = sum(pss_kib(pid) for pid in under)
    report(capsys, record_property, "processes under the gateway (of the 50 users)",
           "%d (%d)" % (len(under), len(cells)))
    report(capsys, record_property, "PSS of all cells (MiB)", "%.1f" % (cell_pss / 1024))
    report(capsys, record_property, "PSS of the gateway (MiB)",
           "%.1f" % (pss_kib(sg.proc.pid) / 1024))

    # Isolation: A's cell does not see B's home; on the host A can read it.
    seed = int(os.environ.get("SG_FIFTY_SEED", time.time_ns() % 1000000))
    report(capsys, record_property, "isolation seed (SG_FIFTY_SEED)", seed)
    rng = random.Random(seed)
    for a, b in (rng.sample(USERS, 2) for _ in range(PAIRS)):
        target = str(app_file(b))
        host = subprocess.run(as_user(a) + ["/usr/bin/python3", "-c",
                                            "open(%r, 'rb').read(1)" % target],
                              capture_output=True, text=True, timeout=30)
        assert host.returncode == 0, ("on the host %s reads %s" % (a, target), host.stderr)
        assert answer_of(ng, a, "read=" + target) == "read=ENOENT", (a, b, seed)
        own = str(app_file(a))
        assert answer_of(ng, a, "read=" + own) == "read=ok", (a, seed)

    # Idle: every cell stops; no process of any of the users is left.
    left = wait_until(lambda: not user_cells(sg.proc.pid, uids), 60, 0.5)
    assert left, ("cells still running after idle_timeout: %r"
                  % sorted(set(uids[u] for u in user_cells(sg.proc.pid, uids).values())))
    assert sg.stderr_text().count("(idle_timeout); stopping its cell") >= len(USERS)
    with capsys.disabled():
        print()
