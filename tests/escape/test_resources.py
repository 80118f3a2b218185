"""Resource limits of a cell (sandbox/cgroup.c): catalogue rows 30 (a fork
bomb gets EAGAIN inside, the host and the other apps stay responsive) and
31 (a memory hog is OOM-killed inside its own cgroup), the CPU quota, the
defaults, and failing closed.

The attacks run in one gateway serving two apps from one configuration
file (system mode, so root): "alice" as sg-alice with small limits, where
the attacks run, and "bob" as sg-bob with the defaults, which must keep
answering meanwhile. Each attack also runs unconfined as sg-alice, with
the same code (attack_app.py), and gets what it was after there. The
cells' cgroups are read from the host: /proc/PID/cgroup and the limit
files in /sys/fs/cgroup (v1 or v2, whichever holds the controller)."""
import errno
import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (children_of, IS_ROOT, PYTHON, copy_attack_app, fields, free_port, gid_of,
                      http_request, setpriv, uid_of, wait_until, zygote_of)

needs_root = pytest.mark.skipif(not IS_ROOT, reason="system mode and the test users need root")

EHWPOISON = 133            # Linux; a text no other failure would show
FORK_BOMB_PIDS = 32        # alice's pids limit in the fork bomb test
FORK_BOMB_CAP = 256        # attack_app.py: children the loop starts at most
MEMORY_LIMIT = 64 << 20    # alice's memory limit in the memory hog test
MEMORY_HOG_CAP = 256 << 20  # attack_app.py: bytes the hog allocates at most
DEFAULT_PIDS = 512         # gateway/config.h SG_DEFAULT_PIDS


# ---------------------------------------------------------------- the host's view

def cgroup_mounts():
    """(root, mount point, fstype, super options) of each cgroup mount."""
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fstype, _, options = right.split()[:3]
            if fstype in ("cgroup", "cgroup2"):
                root, point = left.split()[3:5]
                mounts.append((root, point, fstype, options.split(",")))
    return mounts


def cgroup_dir(pid, controller):
    """The directory of pid's cgroup in the hierarchy that has controller:
    its v1 hierarchy, or else the v2 one."""
    with open("/proc/%d/cgroup" % pid) as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    v1 = [path for _, ctrls, path in lines if controller in ctrls.split(",")]
    v2 = [path for hid, ctrls, path in lines if hid == "0" and ctrls == ""]
    for path, kind in [(p, "cgroup") for p in v1] + [(p, "cgroup2") for p in v2]:
        for root, point, fstype, options in cgroup_mounts():
            if fstype != kind or (kind == "cgroup" and controller not in options):
                continue
            base = root.rstrip("/")
            if path == root or path.startswith(base + "/"):
                return point + path[len(base):].rstrip("/")
    return None


LIMIT_FILES = {"memory": ("memory.max", "memory.limit_in_bytes"), "pids": ("pids.max",),
               "cpu": ("cpu.max", "cpu.cfs_quota_us")}


def read_limit(directory, controller):
    """The limit file of controller in directory (v2 name, else v1), as text."""
    for name in LIMIT_FILES[controller]:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path) as f:
                return f.read().strip()
    return None


def read_number(directory, name):
    with open(os.path.join(directory, name)) as f:
        return int(f.read().split()[0])


def oom_kills(directory):
    """OOM kills counted in a memory cgroup: v2 memory.events, v1
    memory.oom_control (its oom_kill line), else v1 memory.failcnt."""
    for name in ("memory.events", "memory.oom_control"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
    return read_number(directory, "memory.failcnt")


# ---------------------------------------------------------------- two apps

def start_two_apps(sandgate, workdir, alice_settings):
    """One gateway, two cells: /alice/ (sg-alice, alice_settings) and /bob/
    (sg-bob, defaults), both serving attack_app.py. Returns the gateway."""
    app = copy_attack_app(workdir) / "attack_app.py"
    addr = "127.0.0.1:%d" % free_port()
    conf = workdir / "resources.conf"
    conf.write_text(
        'listeners = ( { http = "%s"; } );\n'
        'apps = (\n'
        '  { name = "alice"; module = "%s"; user = "sg-alice"; %s\n'
        '    route = { prefix = "/alice"; }; },\n'
        '  { name = "bob"; module = "%s"; user = "sg-bob"; route = { prefix = "/bob"; }; }\n'
        ');\n' % (addr, app, alice_settings, app))
    sg = sandgate("-c", conf, http=[addr], ready_path="/alice/?attack=none")
    assert sg.wait_ready("/bob/?attack=none"), sg.stderr_text()[-4000:]
    return sg


def answers(sg, app):
    """The app answers (attack_app.py lists its attacks with a 404)."""
    resp = sg.get("/%s/?attack=none" % app, timeout=10)
    return resp.status == 404 and b"attacks" in resp.body


def unconfined(workdir, name):
    """The attack run by plain python3 outside sandgate, as sg-alice."""
    argv = setpriv(uid_of("sg-alice"), gid_of("sg-alice")) + [
        PYTHON, str(workdir / "attack" / "attack_app.py"), name]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=str(workdir))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# ---------------------------------------------------------------- row 30

@needs_root
def test_fork_bomb_gets_eagain_inside_30(sandgate, workdir, test_users):
    """Inside (pids = 32): the fork loop stops at EAGAIN with the cell's
    pids.current at its limit; meanwhile bob answers, the gateway answers
    and the host can fork; afterwards alice's cell serves again.
    Unconfined as sg-alice the loop starts all 256 children."""
    sg = start_two_apps(sandgate, workdir, "pids = %d;" % FORK_BOMB_PIDS)
    pids_dir = cgroup_dir(zygote_of(sg, "sg-alice"), "pids")
    assert pids_dir and "/sandgate/alice-" in pids_dir, pids_dir
    assert read_limit(pids_dir, "pids") == str(FORK_BOMB_PIDS)
    assert read_limit(cgroup_dir(zygote_of(sg, "sg-bob"), "pids"), "pids") == str(DEFAULT_PIDS)

    with ThreadPoolExecutor(1) as pool:
        bomb = pool.submit(sg.get, "/alice/?attack=fork_bomb")
        full = wait_until(lambda: read_number(pids_dir, "pids.current") >= FORK_BOMB_PIDS
                          or bomb.done(), 30)
        assert full and not bomb.done(), "the cell never reached its pids limit"
        # While the cell is full: the others are not.
        assert answers(sg, "bob")
        assert subprocess.run(["/bin/true"], timeout=10).returncode == 0
        assert not bomb.done(), "the checks above outlasted the bomb; nothing was shown"
        resp = bomb.result(timeout=60)
    assert resp.status == 200, resp.body
    inside = resp.json()
    seen = fields(inside["detail"])
    assert not inside["ok"] and inside["errno"] == errno.EAGAIN, inside
    # The zygote and the two workers count against the same 32.
    assert 0 < int(seen["children"]) <= FORK_BOMB_PIDS - 3, inside
    assert wait_until(lambda: read_number(pids_dir, "pids.current") <= 3, 10)
    assert answers(sg, "alice")

    outside = unconfined(workdir, "fork_bomb")
    assert outside["ok"] and fields(outside["detail"])["children"] == str(FORK_BOMB_CAP), outside


# ---------------------------------------------------------------- row 31

@needs_root
def test_memory_hog_is_killed_in_its_cell_31(sandgate, workdir, test_users):
    """Inside (memory = 64M): the OOM killer ends the hogging worker, in the
    cell's memory cgroup; the gateway answers 502, bob keeps answering, and
    alice's cell recovers (the zygote forks a new worker). Unconfined as
    sg-alice the hog gets all 256 MiB."""
    sg = start_two_apps(sandgate, workdir, 'memory = "64M";')
    alice = zygote_of(sg, "sg-alice")
    mem_dir = cgroup_dir(alice, "memory")
    assert mem_dir and "/sandgate/alice-" in mem_dir, mem_dir
    assert int(read_limit(mem_dir, "memory")) == MEMORY_LIMIT
    # bob has no memory limit: his cell shares the gateway's memory cgroup.
    assert cgroup_dir(zygote_of(sg, "sg-bob"), "memory") == cgroup_dir(sg.proc.pid, "memory")

    resp = sg.get("/alice/?attack=memory_hog")
    assert resp.status == 502, resp.body
    assert sg.wait_for_log("app alice: worker "), sg.stderr_text()[-4000:]
    assert re.search(r"app alice: worker \d+ killed by signal 9", sg.stderr_text())
    assert oom_kills(mem_dir) >= 1
    assert answers(sg, "bob")
    assert sg.wait_ready("/alice/?attack=none")
    assert zygote_of(sg, "sg-alice") == alice, "the zygote itself was killed"
    assert sg.proc.poll() is None

    outside = unconfined(workdir, "memory_hog")
    assert outside["ok"] and fields(outside["detail"])["allocated"] == str(MEMORY_HOG_CAP)


# ---------------------------------------------------------------- cpu

@needs_root
def test_cpu_quota(sandgate, workdir, test_users):
    """cpu = "20%": the cell's quota is 20 ms per 100 ms, and a worker that
    spins for a second of wall time gets about a fifth of it."""
    sg = start_two_apps(sandgate, workdir, 'cpu = "20%";')
    cpu_dir = cgroup_dir(zygote_of(sg, "sg-alice"), "cpu")
    assert cpu_dir and "/sandgate/alice-" in cpu_dir, cpu_dir
    assert read_limit(cpu_dir, "cpu") in ("20000", "20000 100000")
    inside = sg.get("/alice/?attack=cpu_spin").json()
    assert not inside["ok"], inside
    assert float(fields(inside["detail"])["cpu"]) < 0.5, inside


# ---------------------------------------------------------------- defaults

@needs_root
def test_system_mode_defaults_and_cleanup(sandgate, workdir):
    """As root without options: pids.max 512 in a cgroup of the cell's own,
    and no memory or cpu limit (the cell shares the gateway's memory and cpu
    cgroups). The directory is gone once the gateway has stopped. With
    --pids max there is no cgroup at all."""
    app = copy_attack_app(workdir) / "attack_app.py"
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), app, ready_path="/?attack=none")
    zygote = children_of(sg.proc.pid)[0]
    pids_dir = cgroup_dir(zygote, "pids")
    assert "/sandgate/attack_app-" in pids_dir, pids_dir
    assert read_limit(pids_dir, "pids") == str(DEFAULT_PIDS)
    for controller in ("memory", "cpu"):
        assert cgroup_dir(zygote, controller) == cgroup_dir(sg.proc.pid, controller)
    assert sg.stop() == 0
    assert not os.path.exists(pids_dir)

    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), "--pids", "max", app,
                  ready_path="/?attack=none")
    zygote = children_of(sg.proc.pid)[0]
    assert cgroup_dir(zygote, "pids") == cgroup_dir(sg.proc.pid, "pids")


# ---------------------------------------------------------------- fail closed

@needs_root
def test_user_mode_limit_needs_delegation(sandgate, workdir, test_users):
    """The gateway as sg-alice (user mode) with --pids 10: the cgroups are
    root's, so the cell does not start; the log names the layer, the call
    and the errno, and says that cgroup delegation is needed; 503."""
    app = copy_attack_app(workdir) / "attack_app.py"
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), "--pids", "10", app,
                  user="sg-alice", ready=False)
    assert sg.wait_listening(), sg.stderr_text()[-4000:]
    assert sg.wait_for_log("cannot start its cell: cgroup: mkdir "), sg.stderr_text()[-4000:]
    line = [x for x in sg.stderr_text().splitlines() if "cannot start its cell" in x][0]
    assert os.strerror(errno.EACCES) in line and "cgroup delegation is needed" in line, line
    assert sg.probe("/?attack=none") == 503
    assert children_of(sg.proc.pid) == []


@needs_root
def test_a_cgroup_that_cannot_be_made_stops_the_cell(workdir, denied_gateway):
    """System mode with the default pids limit and mkdirat failing
    (seccomp, errno EHWPOISON): the cell does not start, the log names the
    layer, the call and the errno, and the app answers 503."""
    app = copy_attack_app(workdir) / "attack_app.py"
    addr = "127.0.0.1:%d" % free_port()
    gw = denied_gateway(EHWPOISON, ["mkdirat"], ["serve", "--http", addr, app])
    expected = re.compile(r"cannot start its cell: cgroup: mkdir /\S+: %s"
                          % re.escape(os.strerror(EHWPOISON)))
    assert wait_until(lambda: expected.search(gw.stderr_text()) or gw.proc.poll() is not None,
                      20) and expected.search(gw.stderr_text()), gw.stderr_text()[-4000:]
    assert http_request("http://" + addr, "/?attack=none", timeout=10).status == 503
    assert gw.stop() == 0, gw.stderr_text()[-4000:]
