"""The root gateway's own privileges (gateway/privs.c, SECURITY.md).

After startup a gateway started as root keeps uid 0 and exactly
CAP_SETUID, CAP_SETGID, CAP_DAC_READ_SEARCH, CAP_CHOWN and
CAP_NET_BIND_SERVICE (permitted, effective and bounding; nothing
inheritable or ambient), and still does everything it does later:

- starts cells for sg-alice and sg-bob from directories only their owner
  may search (0700), each answering with its own uid, and watches their
  modules for reload on touch there;
- reloads (SIGHUP) into a configuration with a new app whose socket is a
  port below 1024 and a new one on a Unix socket given to www-data's group;
- restarts a cell whose zygote was killed;
- `sandgate check --probe` still runs as root.
"""
import json
import os
import re
import signal
import socket

import pytest

from conftest import (free_port, needs_root, scgi_request, run_sandgate, uid_of, gid_of,
                      wait_until, WEB_USER)

pytestmark = needs_root

KEPT = {"cap_chown": 0, "cap_dac_read_search": 2, "cap_setgid": 6, "cap_setuid": 7,
        "cap_net_bind_service": 10}
KEPT_MASK = sum(1 << bit for bit in KEPT.values())

WHO_APP = '''\
import json
import os


def application(environ, start_response):
    body = json.dumps({"uid": os.getuid(), "app": %r}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
'''

APP = '''  { name = "%(name)s"; user = "%(user)s"; module = "%(dir)s/app.py"; processes = 1;
    route = { prefix = "/%(name)s"; }; %(extra)s }'''


def private_app(workdir, name, user):
    """workdir/NAME/app.py in a directory that only user may search."""
    d = workdir / name
    d.mkdir()
    (d / "app.py").write_text(WHO_APP % name)
    os.chown(d / "app.py", uid_of(user), gid_of(user))
    os.chown(d, uid_of(user), gid_of(user))
    d.chmod(0o700)
    return d


def config(workdir, sock, apps):
    text = 'listeners = ( { scgi = "unix:%s"; } );\napps = (\n' % sock
    text += ",\n".join(APP % dict(a, dir=workdir / a["name"], extra=a.get("extra", ""))
                       for a in apps)
    return text + "\n);\n"


def caps(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return {k: int(fields[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def who(addr, path):
    resp = scgi_request(addr, path)
    assert resp.status == 200, (path, resp.status, resp.body)
    return json.loads(resp.body)


def zygote_pid(sg, app):
    found = re.findall(r"app %s ready \(zygote pid (\d+)\)" % re.escape(app), sg.stderr_text())
    return int(found[-1]) if found else None


@pytest.fixture
def gateway(sandgate, workdir, test_users):
    for name, user in (("alice", "sg-alice"), ("bob", "sg-bob")):
        private_app(workdir, name, user)
    sock = workdir / "shared.sock"
    conf = workdir / "sandgate.conf"
    apps = [{"name": "alice", "user": "sg-alice"}, {"name": "bob", "user": "sg-bob"}]
    conf.write_text(config(workdir, sock, apps))
    sg = sandgate("-c", conf, scgi=["unix:%s" % sock], ready_path="/alice/")
    assert wait_until(lambda: zygote_pid(sg, "bob"))
    return sg, conf, "unix:%s" % sock, apps


def test_keeps_exactly_the_documented_capabilities(gateway):
    sg = gateway[0]
    c = caps(sg.proc.pid)
    assert c["CapPrm"] == KEPT_MASK, hex(c["CapPrm"])
    assert c["CapEff"] == KEPT_MASK, hex(c["CapEff"])
    assert c["CapBnd"] == KEPT_MASK, hex(c["CapBnd"])
    assert c["CapInh"] == 0 and c["CapAmb"] == 0
    with open("/proc/%d/status" % sg.proc.pid) as f:
        assert re.search(r"^Uid:\s+0\s+0\s+0\s+0$", f.read(), re.M)


def test_cells_of_both_users_start_from_private_directories(gateway):
    sg, _, addr, _ = gateway
    assert who(addr, "/alice/") == {"uid": uid_of("sg-alice"), "app": "alice"}
    assert who(addr, "/bob/") == {"uid": uid_of("sg-bob"), "app": "bob"}
    # Reload on touch watches the module in the 0700 directory.
    assert "cannot watch" not in sg.stderr_text()
    # The cells themselves hold nothing in the host's namespace.
    c = caps(zygote_pid(sg, "alice"))
    assert c["CapEff"] == 0 and c["CapPrm"] == 0


def test_reload_opens_a_low_port_and_a_group_owned_socket(gateway, workdir):
    sg, conf, addr, apps = gateway
    private_app(workdir, "carol", "sg-alice")
    private_app(workdir, "dave", "sg-bob")
    port = next(p for p in range(900, 1000) if port_free(p))
    dave_sock = workdir / "dave.sock"
    apps = apps + [
        {"name": "carol", "user": "sg-alice", "extra": 'socket = "127.0.0.1:%d";' % port},
        {"name": "dave", "user": "sg-bob",
         "extra": 'socket = "unix:%s"; socket_group = "%s";' % (dave_sock, WEB_USER)},
    ]
    conf.write_text(config(workdir, addr[len("unix:"):], apps))
    sg.signal(signal.SIGHUP)
    assert wait_until(lambda: zygote_pid(sg, "carol") and zygote_pid(sg, "dave")), \
        sg.stderr_text()[-3000:]
    assert who("127.0.0.1:%d" % port, "/carol/")["uid"] == uid_of("sg-alice")
    assert os.stat(dave_sock).st_gid == gid_of(WEB_USER)
    assert who("unix:%s" % dave_sock, "/dave/")["uid"] == uid_of("sg-bob")
    assert who(addr, "/alice/")["uid"] == uid_of("sg-alice")


def test_a_killed_cell_is_restarted(gateway):
    sg, _, addr, _ = gateway
    old = zygote_pid(sg, "alice")
    os.kill(old, signal.SIGKILL)
    assert wait_until(lambda: zygote_pid(sg, "alice") not in (None, old), timeout=30), \
        sg.stderr_text()[-3000:]
    assert who(addr, "/alice/")["uid"] == uid_of("sg-alice")


def test_check_probe_still_works_as_root():
    proc = run_sandgate("check", "--probe")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
