"""Escape rows re-run from a CGI script (issue 6): sg-alice's CGI scripts,
run by Apache through build/sandgate-cgi in her OWNER~cgi cell under
policies/cgi-exec.policy, try what the WSGI attack apps try. The cell
allows fork and exec (Perl, sh, git), so these rows show the rest of the
sandbox still holds there.

- attack.py runs an attack app's WSGI application (attack_app.py,
  proc_app.py, net_app.py, seccomp_app.py: the same code as the WSGI
  rows) through wsgiref's CGIHandler, in the warm Python of the cell:
  /~sg-alice/cgi-bin/attack.py/MODULE?attack=NAME&ARG=VALUE.
- escape.sh tries the same from an exec'd shell: the host's tools
  (unshare, mount, su, cat) rather than system calls made by hand.
"""
import importlib.util
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from integration_conftest import IS_ROOT, apache, nginx, uid_of  # noqa: F401

_FIXTURES = Path(__file__).resolve().parent.parent / "integration" / "cgi_fixtures.py"
_spec = importlib.util.spec_from_file_location("cgi_fixtures", _FIXTURES)
cgi_fixtures = importlib.util.module_from_spec(_spec)
sys.modules["cgi_fixtures"] = cgi_fixtures
_spec.loader.exec_module(cgi_fixtures)
from cgi_fixtures import (cgi_bin, cgi_homes, cgi_site, chown_to, home_of,  # noqa: E402,F401
                          memory_scan_py, put_script, vcs_repos)

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="CGI runs in system mode: needs root")

HERE = Path(__file__).resolve().parent
ATTACK_MODULES = ("attack_wsgi.py", "attack_app.py", "proc_app.py", "net_app.py",
                  "seccomp_app.py")
ALICE, BOB = "sg-alice", "sg-bob"

ATTACK_CGI = r'''#!/usr/bin/python3
"""An escape-suite attack app as a CGI script: PATH_INFO names the module."""
import importlib
import os
from wsgiref.handlers import CGIHandler

MODULES = ("attack_app", "proc_app", "net_app", "seccomp_app")
name = os.environ.get("PATH_INFO", "").strip("/")
if name not in MODULES:
    print("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno module %r" % name)
else:
    CGIHandler().run(importlib.import_module(name).application)
'''

# Each line NAME=STATUS: the exit status of one try (0: it worked).
ESCAPE_SH = r'''#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
try() { name=$1; shift; "$@" >/dev/null 2>&1; echo "$name=$?"; }
try read_other /bin/cat "$1"
try read_shadow /bin/cat /etc/shadow
try unshare_user /usr/bin/unshare -U /bin/true
try unshare_mount /usr/bin/unshare -m /bin/true
try mount_tmpfs /bin/mount -t tmpfs none /tmp
try su_root /bin/su -c /bin/true root
try write_etc /bin/sh -c 'echo x > /etc/sg-cgi-escape'
try write_own_root /bin/sh -c 'echo x > ./sg-cgi-written'
echo "nonewprivs=$(grep NoNewPrivs /proc/self/status | tr -dc 0-9)"
echo "seccomp=$(grep '^Seccomp:' /proc/self/status | tr -dc 0-9)"
echo "capeff=$(grep CapEff /proc/self/status | cut -f2)"
echo "procs=$(ls /proc | grep -c '^[0-9]')"
'''


@pytest.fixture
def attack_site(cgi_site, cgi_homes):
    """sg-alice's cgi-bin with attack.py, the attack apps and escape.sh;
    the gateway and Apache in front."""
    for name in ATTACK_MODULES:
        target = cgi_bin(ALICE) / name
        shutil.copy(HERE / name, target)
        chown_to(target, ALICE)
        target.chmod(0o644)
    put_script(ALICE, "attack.py", ATTACK_CGI)
    put_script(ALICE, "escape.sh", ESCAPE_SH.replace('"$1"', '"%s"' % (cgi_bin(BOB) / "env.py")))
    return cgi_site(fronts=("apache",))


def attack(site, module, name, **args):
    resp = site.get("apache", ALICE, "attack.py",
                    "/%s?%s" % (module, urlencode(dict(attack=name, **args))))
    assert resp.status == 200, (resp, resp.body[:2000], site.httpd.error_log()[-2000:],
                                site.gw.stderr_text()[-2000:])
    return json.loads(resp.body)


def test_runs_in_the_cell_as_alice(attack_site):
    got = attack(attack_site, "proc_app", "seccomp_status")
    assert got is not None
    resp = attack_site.get("apache", ALICE, "env.py")
    assert resp.json()["uid"] == uid_of(ALICE)


@pytest.mark.parametrize("path", [
    "/home/sg-bob/public_html/cgi-bin/env.py",      # another user's script
    "/home/sg-bob/.config/sandgate",                # another user's home
    "/etc/shadow",
])
def test_other_files_out_of_reach(attack_site, path):
    got = attack(attack_site, "proc_app", "read", path=path)
    assert not got["ok"], got


def test_host_processes_invisible(attack_site):
    """/proc in the cell lists the cell's processes only: none of another
    uid, not the test runner, not the gateway."""
    got = attack(attack_site, "proc_app", "pids")
    assert not got["ok"], got
    for pid in (os.getpid(), attack_site.gw.proc.pid):
        entry = attack(attack_site, "proc_app", "proc_entry", pid=str(pid))
        assert not entry["ok"], entry


def test_cgi_root_is_read_only(attack_site):
    """A script cannot rewrite itself or plant another in its CGI root."""
    for path in (cgi_bin(ALICE) / "env.py", cgi_bin(ALICE) / "planted.py"):
        got = attack(attack_site, "proc_app", "write", path=str(path), text="x")
        assert not got["ok"], (path, got)
    assert "x" != (cgi_bin(ALICE) / "env.py").read_text()
    assert not (cgi_bin(ALICE) / "planted.py").exists()


def test_ptrace_refused(attack_site):
    got = attack(attack_site, "proc_app", "ptrace_attach")
    assert not got["ok"], got


@pytest.mark.parametrize("name", [
    "unshare_newuser", "clone_newuser", "clone_newuser_newns", "unshare_newuser_newnet",
    "setns", "mount", "umount2", "fsopen", "open_tree", "move_mount", "pivot_root",
    "chroot", "ptrace_traceme", "bpf", "keyctl", "add_key", "init_module",
    "finit_module", "kexec_load", "perf_event_open", "userfaultfd", "io_uring_setup",
    "open_by_handle_at", "socket_packet", "chmod_setuid",
])
def test_system_calls_refused(attack_site, name):
    got = attack(attack_site, "seccomp_app", name)
    assert not got["ok"], got


def test_no_nested_user_namespace(attack_site):
    got = attack(attack_site, "net_app", "nested_userns")
    assert not got["ok"], got


def test_network_none(attack_site):
    """network = "none": loopback only, and the host's listeners are out of reach."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        got = attack(attack_site, "net_app", "tcp", arg=str(port))
        assert not got["ok"], got
    got = attack(attack_site, "net_app", "interfaces")
    assert not got["ok"], got


@pytest.mark.parametrize("name", ["caps", "securebits", "no_new_privs", "setuid_exec",
                                  "core_limit", "nofile_limit"])
def test_no_privilege_to_gain(attack_site, name):
    got = attack(attack_site, "attack_app", name)
    assert not got["ok"], got


def test_from_an_execd_shell(attack_site):
    """The same from /bin/sh run by execveat in the cell: no_new_privs, a
    seccomp filter, no capabilities, and every try fails."""
    resp = attack_site.get("apache", ALICE, "escape.sh")
    assert resp.status == 200, (resp, attack_site.gw.stderr_text()[-2000:])
    got = dict(line.split("=", 1) for line in resp.text.splitlines() if "=" in line)
    for name in ("read_other", "read_shadow", "unshare_user", "unshare_mount",
                 "mount_tmpfs", "su_root", "write_etc", "write_own_root"):
        assert got[name] != "0", (name, got)
    assert not (cgi_fixtures.cgi_bin(ALICE) / "sg-cgi-written").exists()
    assert got["nonewprivs"] == "1", got
    assert got["seccomp"] == "2", got
    assert int(got["capeff"], 16) == 0, got
    assert not os.path.exists("/etc/sg-cgi-escape")


KILLER_SH = r'''#!/bin/sh
setsid sleep %(mark)s </dev/null >/dev/null 2>&1 &
kill -9 $PPID
exec sleep %(mark)s
'''


def processes_with_arg(arg):
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                if arg.encode() in f.read().split(b"\0"):
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def test_script_that_kills_its_worker_is_killed(attack_site):
    """A script kills its own worker, the subreaper that would kill what
    it leaves, and goes on sleeping with a child in a session of its own:
    the cell's pid 1 kills both (review finding 4). The cell serves on."""
    mark = str(7000000 + os.getpid() % 1000000)
    put_script(ALICE, "killer.sh", KILLER_SH % {"mark": mark})
    resp = attack_site.get("apache", ALICE, "killer.sh")
    assert resp.status >= 500, resp
    deadline = time.monotonic() + 30
    while processes_with_arg(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_with_arg(mark)
    for pid in left:
        os.kill(pid, 9)
    assert not left, (left, attack_site.gw.stderr_text()[-2000:])
    assert attack_site.get("apache", ALICE, "env.py").status == 200


LEAK_A_PY = r'''#!/usr/bin/python3
import os, sys
sys.stdout.write("Content-Type: text/plain\r\n\r\nSGLEAK-O" + os.environ["QUERY_STRING"])
'''

def test_script_cannot_read_other_requests_in_the_workers(attack_site):
    """A script scans the memory of every process in its cell for what an
    earlier request to another script carried: the workers are not
    dumpable, so their memory cannot be opened, and the script's own
    process (a fork of a worker) holds nothing of that request (review
    findings 5 and 2.1)."""
    token = os.urandom(12).hex()
    put_script(ALICE, "leak_a.py", LEAK_A_PY)
    put_script(ALICE, "leak_b.py",
               memory_scan_py('[p for p in os.listdir("/proc") if p.isdigit()]'))
    resp = attack_site.get("apache", ALICE, "leak_a.py", "?" + token)
    assert resp.status == 200 and token in resp.text, resp
    for _ in range(4):  # both workers, whichever serves
        resp = attack_site.get("apache", ALICE, "leak_b.py")
        assert resp.status == 200, (resp, attack_site.gw.stderr_text()[-2000:])
        assert "worker=Permission denied" in resp.text, resp.text
        assert token not in resp.text, resp.text


NOEXEC_SH = r'''#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
f=%(home)s/repos/sg-cgi-dropped.sh
printf '#!/bin/sh\necho ran\n' > "$f"; echo "wrote=$?"
chmod 755 "$f"; echo "chmod=$?"
"$f" >/dev/null 2>&1; echo "exec=$?"
rm -f "$f"
'''


def test_writable_directory_is_not_executable(cgi_site, vcs_repos):
    """`writable = [ "repos" ]`: the script may write there, but what it
    drops there does not run (bound noexec, Landlock without execute)."""
    put_script(ALICE, "noexec.sh", NOEXEC_SH)
    site = cgi_site(fronts=("apache",))
    resp = site.get("apache", ALICE, "noexec.sh")
    assert resp.status == 200, (resp, site.gw.stderr_text()[-2000:])
    got = dict(line.split("=", 1) for line in resp.text.splitlines() if "=" in line)
    assert got["wrote"] == "0", got
    assert got["exec"] != "0", got
