"""The cell's filesystem view (sandbox/fs_*.c, docs/architecture.md
"Filesystem layer"): catalogue rows 4, 5, 23, 25, 28, 29 and 31's disk
part, read-only system and app paths, the generated /etc/passwd, no home
directories, nosuid/nodev on every mount, and failing closed.

The attacks are in fs_app.py, which a cell serves from workdir/fs (owned
by the app's user, so that the same attack run unconfined as that user
can write there) with workdir/data as its writable directory and an 8 MiB
/tmp. Each runs in system mode (root starts sandgate, the app runs as
nobody) and in user mode (sandgate as sg-alice)."""
import ctypes
import errno
import json
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import (IS_ROOT, PYTHON, fields, free_port, gid_of, http_request, setpriv,
                      uid_of, wait_until)

HERE = Path(__file__).resolve().parent
FS_APP = HERE / "fs_app.py"
TMP_SIZE = 8 << 20
DEVICES = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}
CELL_ROOT = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp",
             "usr"}

needs_root = pytest.mark.skipif(not IS_ROOT, reason="system mode and the test users need root")


class FsCell:
    """sandgate serving fs_app.py; .dir the app's directory, .data its
    writable directory, .sock the gateway's own Unix socket."""

    def __init__(self, sg, mode, uid, gid, directory, data, sock):
        self.sg, self.mode, self.uid, self.gid = sg, mode, uid, gid
        self.dir, self.data, self.sock = directory, data, sock

    def attack(self, name, arg=None):
        path = "/?attack=" + name + ("&arg=" + arg if arg is not None else "")
        resp = self.sg.get(path)
        assert resp.status == 200, resp.body
        return resp.json()

    def unconfined(self, name, arg=None):
        """The attack by plain python3 as the app's user, in its directory."""
        argv = [PYTHON, str(self.dir / "fs_app.py"), name] + ([arg] if arg is not None else [])
        if IS_ROOT:
            argv = setpriv(self.uid, self.gid) + argv
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                             cwd=str(self.dir))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


def app_ids(request, mode):
    """(user sandgate runs as or None, the app's uid, gid)."""
    if mode == "system":
        return None, uid_of("nobody"), gid_of("nobody")
    if IS_ROOT:
        request.getfixturevalue("test_users")
        return "sg-alice", uid_of("sg-alice"), gid_of("sg-alice")
    return None, os.getuid(), os.getgid()


def owned_dir(path, uid, gid):
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    if IS_ROOT:
        os.chown(path, uid, gid)
    return path


@pytest.fixture(params=["system", "user"])
def fs_cell(request, sandgate, workdir):
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    runner, uid, gid = app_ids(request, mode)
    directory = owned_dir(workdir / "fs", uid, gid)
    shutil.copy(FS_APP, directory / "fs_app.py")
    (directory / "fs_app.py").chmod(0o644)
    data = owned_dir(workdir / "data", uid, gid)
    sock = owned_dir(workdir / "sock", uid, gid) / "gw.sock"
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), "--http", "unix:%s" % sock,
                  "--writable", data, "--tmp-size", "8M", directory / "fs_app.py",
                  user=runner, ready_path="/?attack=none")
    return FsCell(sg, mode, uid, gid, directory, data, sock)


# ---------------------------------------------------------------- row 4

def test_runtime_binary_not_writable_4(fs_cell):
    """Opening /proc/self/exe or /proc/1/exe for writing fails; pid 1 of the
    cell is the zygote (sandgate-worker), the gateway is not in the cell."""
    inside = fs_cell.attack("exe_write")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert seen["self"] in ("ETXTBSY", "EACCES", "EROFS"), inside
    assert seen["pid1"] in ("ETXTBSY", "EACCES", "EROFS"), inside
    assert seen["pid1_exe"] == "sandgate-worker", inside


# ---------------------------------------------------------------- row 5

def test_no_leaked_directory_or_cwd_5(fs_cell):
    """Only the worker's own descriptors (0-7: none a directory), the cwd is
    the app's directory, and climbing with openat(fd, "..") from it ends
    at the cell's root. Unconfined the same climb reaches the host's."""
    inside = fs_cell.attack("leaked_fds")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert seen["dirs"] == "-" and seen["cwd"] == str(fs_cell.dir), inside
    assert set(seen["top"].split(",")) <= CELL_ROOT, inside
    low = [int(fd) for fd in seen["fds"].split(",") if int(fd) < 9]
    assert all(fd <= 7 for fd in low), inside
    outside = fs_cell.unconfined("leaked_fds")
    assert outside["ok"] and fields(outside["detail"])["host"] != "-", outside


# ---------------------------------------------------------------- row 23

def test_host_control_sockets_absent_23(fs_cell):
    """/run, docker.sock, D-Bus, systemd and the gateway's own Unix socket:
    ENOENT inside. Unconfined the gateway's socket and /run are there."""
    inside = fs_cell.attack("control_sockets", str(fs_cell.sock))
    assert not inside["ok"], inside
    missing = fields(inside["detail"])["missing"].split(",")
    assert all(m.endswith(":ENOENT") for m in missing), inside
    outside = fs_cell.unconfined("control_sockets", str(fs_cell.sock))
    found = fields(outside["detail"])["found"].split(",")
    assert outside["ok"] and str(fs_cell.sock) in found and "/run" in found, outside


# ---------------------------------------------------------------- row 28

def test_kernel_tunables_not_writable_28(fs_cell):
    """core_pattern and drop_caches refuse writes (EROFS/EACCES; /proc/sys is
    a read-only mount), sysrq-trigger too where the kernel has one, and
    there is no /sys (so no cgroup release_agent). Unconfined /sys is
    there (the writes fail outside too, for a non-root user: not run as
    root, as they would change the host)."""
    inside = fs_cell.attack("kernel_tunables")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert seen["core_pattern"] in ("EROFS", "EACCES") and seen["drop_caches"] in ("EROFS",
                                                                                    "EACCES")
    assert seen["sysrq-trigger"] in ("EROFS", "EACCES", "ENOENT"), inside
    assert seen["sys"] == "ENOENT", inside
    options = fields(fs_cell.attack("proc_sys_mount")["detail"])["options"].split(",")
    assert "ro" in options, options
    assert fields(fs_cell.unconfined("kernel_tunables")["detail"])["sys"] == "ok"


# ---------------------------------------------------------------- row 29

def test_side_channels_masked_29(fs_cell):
    """/proc/kallsyms, /proc/interrupts and /proc/softirqs are masked
    (EACCES: a nodev bind of /dev/null over each) and there is no
    /sys/class/powercap. Unconfined the same user reads interrupts."""
    inside = fs_cell.attack("side_channels")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert seen["kallsyms"] == "EACCES" and seen["interrupts"] == "EACCES", inside
    assert seen["softirqs"] == "EACCES" and seen["powercap"] == "ENOENT", inside
    outside = fs_cell.unconfined("side_channels")
    assert outside["ok"] and fields(outside["detail"])["interrupts"].startswith("read"), outside


# ---------------------------------------------------------------- row 31

def test_tmp_fills_at_tmp_size_31(fs_cell):
    """Filling /tmp stops with ENOSPC at tmp_size (8M here); the cell keeps
    serving. Unconfined the host's /tmp takes twice that."""
    inside = fs_cell.attack("fill_tmp", str(8 * TMP_SIZE))
    assert not inside["ok"] and inside["errno"] == errno.ENOSPC, inside
    assert int(fields(inside["detail"])["written"]) <= TMP_SIZE, inside
    assert fs_cell.attack("fill_tmp", str(1 << 20))["ok"], "/tmp stayed full"
    outside = fs_cell.unconfined("fill_tmp", str(2 * TMP_SIZE))
    assert outside["ok"], outside


# ---------------------------------------------------------------- the view

def test_app_dir_usr_etc_read_only(fs_cell):
    """Creating a file in the app's directory, /, /etc or /usr/lib, or
    appending to /etc/passwd: EROFS. Unconfined the app's user writes its
    own directory."""
    inside = fs_cell.attack("write_system")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert all(seen[k] == "EROFS" for k in ("app", "root", "etc", "usr", "passwd")), inside
    if IS_ROOT:
        outside = fs_cell.unconfined("write_system")
        assert fields(outside["detail"])["app"] == "ok", outside


def test_passwd_names_only_the_cell_user_no_homes(fs_cell):
    """/etc/passwd lists the cell's user alone; /home and /root do not
    exist. Unconfined: the host's accounts and /home."""
    inside = fs_cell.attack("host_accounts")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    name = "nobody" if fs_cell.mode == "system" else subprocess.run(
        ["id", "-un", str(fs_cell.uid)], capture_output=True, text=True).stdout.strip()
    assert seen["users"] == name, inside
    assert seen["home"] == "ENOENT" and seen["root"] == "ENOENT", inside
    assert fs_cell.unconfined("host_accounts")["ok"]


def test_every_mount_nosuid_nodev(fs_cell):
    """mountinfo: nosuid on every mount, nodev on every one but the five
    device nodes of /dev; read-only /, /usr, /dev, /proc and the app's
    directory; noexec /tmp, /dev, /proc and the writable directory."""
    rows = fields(fs_cell.attack("mounts")["detail"])["mounts"]
    mounts = {}
    for row in rows.split("|"):
        point, options = row.rsplit("=", 1)
        mounts[point] = options.split(",")
    for point, options in mounts.items():
        assert "nosuid" in options, (point, options)
        assert "nodev" in options or point in DEVICES, (point, options)
    for point in ("/", "/usr", "/dev", "/proc", str(fs_cell.dir)):
        assert "ro" in mounts[point], (point, mounts[point])
    for point in ("/tmp", "/dev", "/proc", str(fs_cell.data)):
        assert "noexec" in mounts[point], (point, mounts[point])
    assert "rw" in mounts[str(fs_cell.data)] and "rw" in mounts["/tmp"]
    assert not any(p.startswith(("/sys", "/home", "/run", "/root")) for p in mounts), mounts


def test_writable_dir_is_writable_not_executable(fs_cell):
    """The writable directory takes a file, which cannot be mapped
    executable there (noexec: EPERM). Unconfined it can."""
    inside = fs_cell.attack("exec_writable", str(fs_cell.data))
    assert not inside["ok"] and inside["errno"] == errno.EPERM, inside
    assert fields(inside["detail"])["wrote"] == "yes"
    assert fs_cell.unconfined("exec_writable", str(fs_cell.data))["ok"]


def test_only_the_cells_processes(fs_cell):
    """/proc shows the zygote and its workers only."""
    inside = fs_cell.attack("processes")
    assert not inside["ok"], inside
    assert fields(inside["detail"])["names"] == "sandgate-worker", inside
    assert fs_cell.unconfined("processes")["ok"]


# ---------------------------------------------------------------- row 25, failing closed

CONF = """\
listeners = ( { http = "127.0.0.1:%(port)d"; } );
apps = ( { name = "fs"; module = "%(module)s"; processes = 1; %(extra)s } );
"""


def refused_cell(sandgate, workdir, module, extra="", user=None):
    """sandgate -c with one app whose cell must not start: returns the
    gateway once its log says so, after checking the app answers 503."""
    port = free_port()
    conf = workdir / "fs.conf"
    conf.write_text(CONF % {"port": port, "module": module, "extra": extra})
    conf.chmod(0o644)
    sg = sandgate("-c", conf, ready=False, user=user, http=["127.0.0.1:%d" % port])
    assert sg.wait_for_log("app fs: cannot start its cell: filesystem"), sg.stderr_text()[-4000:]
    assert sg.wait_listening()
    assert http_request(sg.url, "/?attack=none", timeout=10).status == 503
    return sg


def decoy(workdir, uid, gid):
    """workdir/decoy, a directory the cell must never get: a symlink's
    target, with a copy of the app in it."""
    target = owned_dir(workdir / "decoy", uid, gid)
    shutil.copy(FS_APP, target / "fs_app.py")
    (target / "fs_app.py").chmod(0o644)
    return target


@pytest.mark.parametrize("mode", ["system", "user"])
def test_writable_symlink_refused_25(request, sandgate, workdir, mode):
    """A writable directory configured as a symlink (what a user who swaps
    it mid-setup makes of it): the cell does not start, the app answers
    503 and the log names the filesystem layer and the symlink; the
    target is not mounted anywhere (no cell exists)."""
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    runner, uid, gid = app_ids(request, mode)
    directory = owned_dir(workdir / "fs", uid, gid)
    shutil.copy(FS_APP, directory / "fs_app.py")
    (directory / "fs_app.py").chmod(0o644)
    link = workdir / "data"
    link.symlink_to(decoy(workdir, uid, gid))
    sg = refused_cell(sandgate, workdir, directory / "fs_app.py",
                      'writable = [ "%s" ];' % link, user=runner)
    line = [ln for ln in sg.stderr_text().splitlines() if "cannot start its cell" in ln][0]
    assert str(link) in line and "symbolic link" in line, line


@pytest.mark.parametrize("mode", ["system", "user"])
def test_app_dir_through_symlink_refused_25(request, sandgate, workdir, mode):
    """The module's directory reached through a symlink: refused (503, the
    log names the link), the decoy it points to is never served."""
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    runner, uid, gid = app_ids(request, mode)
    link = workdir / "app"
    link.symlink_to(decoy(workdir, uid, gid))
    sg = refused_cell(sandgate, workdir, link / "fs_app.py", user=runner)
    line = [ln for ln in sg.stderr_text().splitlines() if "cannot start its cell" in ln][0]
    assert str(link) in line and "symbolic link" in line, line


@needs_root
def test_missing_writable_fails_closed(sandgate, workdir):
    """A writable directory that does not exist: no cell, 503, and the log
    names the filesystem layer, the path and the errno."""
    directory = owned_dir(workdir / "fs", uid_of("nobody"), gid_of("nobody"))
    shutil.copy(FS_APP, directory / "fs_app.py")
    (directory / "fs_app.py").chmod(0o644)
    missing = workdir / "no-such-dir"
    sg = refused_cell(sandgate, workdir, directory / "fs_app.py",
                      'writable = [ "%s" ];' % missing)
    assert wait_until(lambda: "filesystem: %s: %s: No such file or directory" % (missing, missing)
                      in sg.stderr_text()), sg.stderr_text()[-4000:]


RENAME_EXCHANGE = 2


def exchange(a, b):
    """renameat2(a, b, RENAME_EXCHANGE): swaps the two names atomically."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), RENAME_EXCHANGE) != 0:
        raise OSError(ctypes.get_errno(), "renameat2")


@needs_root
def test_setup_race_never_mounts_the_target_25(sandgate, workdir):
    """Row 25 live: while cells are restarted (SIGHUP), a thread keeps
    swapping the app's directory with a symlink to a decoy directory
    (renameat2 RENAME_EXCHANGE). Whatever each start sees, a cell either
    serves the real directory or is refused: the decoy's marker never
    shows in an answer. (Both refusals happen in such a run, depending on
    when the swap falls: the gateway's "is a symbolic link" and the
    cell's "is now a symbolic link"; not asserted, as that is timing.)
    Afterwards, with the real directory in place, a reload serves it
    again."""
    uid, gid = uid_of("nobody"), gid_of("nobody")
    real = owned_dir(workdir / "app", uid, gid)
    target = decoy(workdir, uid, gid)
    for d, marker in ((real, "REAL"), (target, "DECOY")):
        shutil.copy(FS_APP, d / "fs_app.py")
        (d / "fs_app.py").chmod(0o644)
        (d / marker).write_text(marker)
    (workdir / "alt").symlink_to(target)
    port = free_port()
    conf = workdir / "race.conf"
    conf.write_text(CONF % {"port": port, "module": real / "fs_app.py", "extra": ""})
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port], ready_path="/?attack=none")

    stop = threading.Event()
    swaps = [0]

    def swapper():
        while not stop.is_set():
            exchange(workdir / "app", workdir / "alt")
            swaps[0] += 1

    seen = set()
    thread = threading.Thread(target=swapper)
    thread.start()
    try:
        for _ in range(15):
            sg.signal(signal.SIGHUP)
            for _ in range(5):
                try:
                    resp = http_request(sg.url, "/?attack=here", timeout=10)
                except OSError:
                    continue
                if resp.status == 200:
                    seen.add(fields(resp.json()["detail"])["names"])
    finally:
        stop.set()
        thread.join()
    if swaps[0] % 2:
        exchange(workdir / "app", workdir / "alt")
    assert (workdir / "app").is_dir() and not (workdir / "app").is_symlink()
    assert all("DECOY" not in names for names in seen), seen
    sg.signal(signal.SIGHUP)
    assert wait_until(lambda: sg.probe("/?attack=here") == 200)
    resp = http_request(sg.url, "/?attack=here", timeout=10)
    assert "REAL" in fields(resp.json()["detail"])["names"].split(","), resp.body


@needs_root
def test_root_group_directory_refused(sandgate, workdir):
    """The cell resolves the app's paths again as the app's user, without
    the gateway's supplementary groups: a writable directory inside one that
    only group root may enter (0750 root:root) is refused, though the root
    gateway, whose groups include root's, reaches it. The same user on the
    host gets EACCES too."""
    directory = owned_dir(workdir / "fs", uid_of("nobody"), gid_of("nobody"))
    shutil.copy(FS_APP, directory / "fs_app.py")
    (directory / "fs_app.py").chmod(0o644)
    fence = workdir / "group-root"
    fence.mkdir(mode=0o750)
    fence.chmod(0o750)
    os.chown(fence, 0, 0)
    inner = owned_dir(fence / "data", uid_of("nobody"), gid_of("nobody"))
    groups = os.getgroups()
    os.setgroups([0])  # as a root login shell or sudo has them; the gateway inherits
    try:
        sg = refused_cell(sandgate, workdir, directory / "fs_app.py",
                          'writable = [ "%s" ];' % inner)
    finally:
        os.setgroups(groups)
    with open("/proc/%d/status" % sg.proc.pid) as f:
        groups_line = [line for line in f if line.startswith("Groups:")][0]
    assert groups_line.split()[1:] == ["0"], groups_line
    assert "Permission denied" in sg.stderr_text(), sg.stderr_text()[-4000:]
    probe = subprocess.run(setpriv(uid_of("nobody"), gid_of("nobody")) +
                           ["/usr/bin/test", "-x", str(inner)])
    assert probe.returncode != 0
