"""Filesystem attacks from inside a cell (catalogue rows 4, 5, 23, 28, 29,
31's disk part, and the mount view itself), in the form of attack_app.py:
/?attack=NAME[&arg=TEXT] in a worker, or `python3 fs_app.py NAME [ARG]`
unconfined. The answer is JSON {"ok": bool, "errno": int or null,
"detail": str}: ok is true when the attack got what it was after.
"""
import errno as errno_names
import json
import mmap
import os
import stat
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
FILL_CHUNK = 1 << 20


def result(ok, err=None, **seen):
    detail = " ".join("%s=%s" % (k, v) for k, v in seen.items())
    return {"ok": bool(ok), "errno": err, "detail": detail}


def errname(err):
    return errno_names.errorcode.get(err, str(err)) if err else "ok"


def try_open(path, flags):
    """None when path opened with flags (and was closed again), else errno."""
    try:
        os.close(os.open(path, flags))
        return None
    except OSError as e:
        return e.errno


# ---------------------------------------------------------------- row 4

def attack_exe_write(arg):
    """Open the running program for writing through /proc/self/exe and
    /proc/1/exe (runc CVE-2019-5736). Also names what pid 1 is."""
    errs = {p: try_open(p, os.O_WRONLY) for p in ("/proc/self/exe", "/proc/1/exe")}
    try:
        pid1 = os.path.basename(os.readlink("/proc/1/exe"))
    except OSError as e:
        pid1 = errname(e.errno)
    opened = [p for p, e in errs.items() if e is None]
    first = next((e for e in errs.values() if e), None)
    return result(opened, first, self=errname(errs["/proc/self/exe"]),
                  pid1=errname(errs["/proc/1/exe"]), pid1_exe=pid1)


# ---------------------------------------------------------------- row 5

def climb(start_fd):
    """openat(fd, "..") fifty times: the names in the directory reached."""
    fd = os.dup(start_fd)
    for _ in range(50):
        up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = up
    try:
        return sorted(os.listdir(fd))
    finally:
        os.close(fd)


def attack_leaked_fds(arg):
    """Every open descriptor: a directory among them (other than our own)
    or a cwd outside the app's directory would be a way out; then climb
    from the cwd with openat(fd, "..") and see whether the host's root
    (its /home, /root, /work...) is reached."""
    listing = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    fds = []
    dirs = []
    try:
        for name in os.listdir(listing):
            fd = int(name)
            if fd == listing:
                continue
            try:
                target = os.readlink("/proc/self/fd/%d" % fd)
                mode = os.fstat(fd).st_mode
            except OSError:
                continue
            fds.append(fd)
            if stat.S_ISDIR(mode):
                dirs.append("%d:%s" % (fd, target))
    finally:
        os.close(listing)
    cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        top = climb(cwd)
    finally:
        os.close(cwd)
    host = [n for n in ("home", "root", "work", "var", "boot") if n in top]
    return result(host or dirs, None, fds=",".join(map(str, sorted(fds))) or "-",
                  dirs=",".join(dirs) or "-", cwd=os.getcwd(), top=",".join(top) or "-",
                  host=",".join(host) or "-")


# ---------------------------------------------------------------- row 23

def attack_control_sockets(arg):
    """Host control sockets (arg: more paths, comma-separated, such as the
    gateway's own): what exists of them."""
    paths = ["/run", "/var/run", "/run/docker.sock", "/var/run/docker.sock",
             "/run/dbus/system_bus_socket", "/run/systemd/private", "/tmp/.X11-unix"]
    paths += [p for p in (arg or "").split(",") if p]
    seen = {}
    for p in paths:
        try:
            os.lstat(p)
            seen[p] = "exists"
        except OSError as e:
            seen[p] = errname(e.errno)
    found = [p for p, v in seen.items() if v == "exists"]
    missing = [p + ":" + v for p, v in seen.items() if v != "exists"]
    return result(found, None, found=",".join(found) or "-", missing=",".join(missing) or "-")


# ---------------------------------------------------------------- row 28

def attack_kernel_tunables(arg):
    """Write kernel state: /proc/sys/kernel/core_pattern, /proc/sys/vm/
    drop_caches, /proc/sysrq-trigger; and find /sys (cgroup release_agent)."""
    errs = {}
    for p in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches",
              "/proc/sysrq-trigger"):
        errs[os.path.basename(p)] = try_open(p, os.O_WRONLY)
    sys_err = try_open("/sys", os.O_RDONLY | os.O_DIRECTORY)
    written = [p for p, e in errs.items() if e is None]
    seen = {k: errname(e) for k, e in errs.items()}
    return result(written, next((e for e in errs.values() if e), None),
                  sys=errname(sys_err), **seen)


def proc_sys_mount_flags(arg):
    """Not an attack: the options of the mount holding /proc/sys."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            if parts[4] == "/proc/sys":
                return result(False, None, options=parts[5])
    return result(False, None, options="-")


# ---------------------------------------------------------------- row 29

def read_err(path):
    """(errno or None, bytes read) of reading up to 4 KiB of path."""
    try:
        with open(path, "rb") as f:
            return None, len(f.read(4096))
    except OSError as e:
        return e.errno, 0


def attack_side_channels(arg):
    """Read /proc/kallsyms, /proc/interrupts, /proc/softirqs and the RAPL
    powercap class (energy counters)."""
    seen = {}
    got = []
    for p in ("/proc/kallsyms", "/proc/interrupts", "/proc/softirqs",
              "/sys/class/powercap"):
        if p.startswith("/sys"):
            err = try_open(p, os.O_RDONLY | os.O_DIRECTORY)
            n = 0 if err else 1
        else:
            err, n = read_err(p)
        seen[os.path.basename(p)] = errname(err) if err else "read%d" % n
        if err is None and n > 0:
            got.append(p)
    return result(got, None, **seen)


# ---------------------------------------------------------------- row 31

def attack_fill_tmp(arg):
    """Write /tmp/sg-fill until the disk is full or arg bytes are written."""
    cap = int(arg)
    path = os.path.join("/tmp", "sg-fill-%d" % os.getpid())
    written, err = 0, None
    chunk = b"x" * FILL_CHUNK
    try:
        with open(path, "wb") as f:
            while written < cap:
                f.write(chunk)
                f.flush()
                written += len(chunk)
    except OSError as e:
        err = e.errno
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    return result(written >= cap, err, written=written)


# ---------------------------------------------------------------- the view

def attack_write_system(arg):
    """Create a file in the app's directory, /, /etc, /usr/lib, or replace
    /etc/passwd."""
    errs = {}
    for name, d in (("app", HERE), ("root", "/"), ("etc", "/etc"), ("usr", "/usr/lib")):
        p = os.path.join(d, ".sg-write-%d" % os.getpid())
        errs[name] = try_open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        if errs[name] is None:
            os.unlink(p)
    errs["passwd"] = try_open("/etc/passwd", os.O_WRONLY | os.O_APPEND)
    done = [k for k, e in errs.items() if e is None]
    return result(done, next((e for e in errs.values() if e), None),
                  **{k: errname(e) for k, e in errs.items()})


def attack_host_accounts(arg):
    """The host's accounts and homes: /etc/passwd's users, /home, /root."""
    with open("/etc/passwd") as f:
        users = [line.split(":", 1)[0] for line in f if line.strip()]
    homes = {p: try_open(p, os.O_RDONLY | os.O_DIRECTORY) for p in ("/home", "/root")}
    reached = [p for p, e in homes.items() if e is None]
    return result(len(users) > 1 or reached, None, users=",".join(users),
                  home=errname(homes["/home"]), root=errname(homes["/root"]))


def mounts(arg):
    """Not an attack: every mount as mountpoint=options (from mountinfo)."""
    with open("/proc/self/mountinfo") as f:
        rows = [line.split()[4] + "=" + line.split()[5] for line in f]
    return result(False, None, mounts="|".join(rows))


def attack_exec_writable(arg):
    """Map a file of the writable directory arg as executable (noexec)."""
    path = os.path.join(arg, "sg-exec-%d" % os.getpid())
    with open(path, "wb") as f:
        f.write(b"\xc3" * 4096)
    err = None
    try:
        with open(path, "rb") as f:
            mmap.mmap(f.fileno(), 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC).close()
    except OSError as e:
        err = e.errno
    finally:
        os.unlink(path)
    return result(err is None, err, wrote="yes")


def attack_processes(arg):
    """Processes visible in /proc: anything not of this cell (the gateway,
    the host's) would show as another program name."""
    names = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/comm" % entry) as f:
                    names.add(f.read().strip())
            except OSError:
                pass
    others = sorted(n for n in names if n not in ("sandgate-worker",))
    return result(others, None, names=",".join(sorted(names)), others=",".join(others) or "-")


def attack_here(arg):
    """Not an attack: the names in the app's own directory."""
    return result(False, None, names=",".join(sorted(os.listdir(HERE))))


ATTACKS = {name[len("attack_"):]: fn for name, fn in globals().items()
           if name.startswith("attack_")}
ATTACKS["proc_sys_mount"] = proc_sys_mount_flags
ATTACKS["mounts"] = mounts


def run(name, arg=None):
    try:
        return ATTACKS[name](arg)
    except OSError as e:
        return result(False, e.errno, failed=type(e).__name__, where=str(e).replace(" ", "_"))


def application(environ, start_response):
    q = parse_qs(environ.get("QUERY_STRING", ""))
    name = q.get("attack", [""])[0]
    if name not in ATTACKS:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"attacks: " + " ".join(sorted(ATTACKS)).encode()]
    body = json.dumps(run(name, q.get("arg", [None])[0])).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
