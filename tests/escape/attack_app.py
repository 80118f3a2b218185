"""Attacks from inside a cell (shared/research/sandboxes.md, the catalogue).

As a WSGI app, /?attack=NAME runs the attack NAME in the serving worker.
As a program, `python3 attack_app.py NAME` runs the same code unconfined,
so that a test can show the sandbox is what made the difference.

Either way the answer is JSON {"ok": bool, "errno": int or null,
"detail": str}: ok is true when the attack got what it was after (a
capability, a way to gain privileges, a higher limit), errno is the error
of the step that was refused, if one was, and detail is what was seen, as
space-separated key=value words.
"""
import ctypes
import errno as errno_names
import os
import resource
import select
import subprocess
import time

import attack_wsgi

HERE = os.path.dirname(os.path.abspath(__file__))
SETUID_BINARY = "/usr/bin/su"              # setuid root on Debian
FILE_CAPS_BINARY = os.path.join(HERE, "fcap-cat")  # made by the test: cat + cap_net_bind_service
NOFILE_MAX = 4096                          # sandbox/rlimits.h SG_RLIMIT_NOFILE_MAX
FORK_BOMB_CAP = 256        # children at most: a cell's pids limit stops the loop first
FORK_BOMB_HOLD = 3.0       # seconds the children are held, for the test to look around
MEMORY_HOG_CAP = 256 << 20  # bytes at most: a cell's memory limit stops the loop first
MEMORY_HOG_CHUNK = 8 << 20
CPU_SPIN_SECONDS = 1.0     # wall time the CPU spin takes

PR_CAPBSET_READ = 23
PR_GET_SECUREBITS = 27
PR_SET_SECUREBITS = 28
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_IS_SET = 1
CELL_SECUREBITS = 0xef     # every bit but KEEP_CAPS, each locked (sandbox/creds.c)
LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)


def result(ok, err=None, **seen):
    detail = " ".join("%s=%s" % (k, v) for k, v in seen.items())
    return {"ok": bool(ok), "errno": err, "detail": detail}


def prctl(option, arg=0):
    """(return value, errno): the raw prctl(2) answer."""
    ctypes.set_errno(0)
    rc = libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0),
                    ctypes.c_ulong(0), ctypes.c_ulong(0))
    return rc, (ctypes.get_errno() if rc < 0 else None)


def errname(err):
    return errno_names.errorcode.get(err, str(err)) if err else "ok"


def proc_status(pid="self"):
    """/proc/PID/status as a dict of its fields (text values)."""
    with open("/proc/%s/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


# ---------------------------------------------------------------- row 35

class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def capget():
    """(effective, permitted, inheritable) of this thread, from capget(2)."""
    header = CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (CapData * 2)()
    if libc.capget(ctypes.byref(header), data) < 0:
        raise OSError(ctypes.get_errno(), "capget")
    return tuple(getattr(data[0], f) | getattr(data[1], f) << 32
                 for f in ("effective", "permitted", "inheritable"))


def count_caps(option, sub=None):
    """How many capabilities a per-capability prctl query reports as set."""
    total = 0
    for cap in range(64):
        ctypes.set_errno(0)
        args = (sub, cap) if sub is not None else (cap, 0)
        rc = libc.prctl(ctypes.c_int(option), ctypes.c_ulong(args[0]), ctypes.c_ulong(args[1]),
                        ctypes.c_ulong(0), ctypes.c_ulong(0))
        if rc < 0:
            break  # EINVAL: past the kernel's last capability
        total += rc
    return total


def attack_caps():
    """Leftover capabilities: any of the five sets not empty."""
    status = proc_status()
    sets = {name: int(status[name], 16)
            for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    eff, prm, inh = capget()
    bounding = count_caps(PR_CAPBSET_READ)
    ambient = count_caps(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET)
    ok = any(sets.values()) or eff or prm or inh or bounding or ambient
    return result(ok, **{k: "%x" % v for k, v in sets.items()},
                  capget="%x/%x/%x" % (eff, prm, inh), bounding=bounding, ambient=ambient)


def attack_securebits():
    """Securebits left unlocked, or clearing them works."""
    bits, _ = prctl(PR_GET_SECUREBITS)
    rc, err = prctl(PR_SET_SECUREBITS, 0)
    ok = (bits & CELL_SECUREBITS) != CELL_SECUREBITS or rc == 0
    return result(ok, err, securebits="%#x" % bits, clear=errname(err))


# ---------------------------------------------------------------- row 34

def attack_no_new_privs():
    """A setuid exec could raise privileges: no_new_privs is off."""
    flag, err = prctl(PR_GET_NO_NEW_PRIVS)
    status = proc_status().get("NoNewPrivs", "missing")
    return result(flag == 0 or status != "1", err, prctl=flag, status=status)


def read_some(fd, marker, timeout):
    """Reads fd until marker shows up, EOF, or timeout; returns the bytes."""
    got, deadline = b"", time.monotonic() + timeout
    while marker not in got:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        got += chunk
    return got


def exec_and_inspect(argv, feed, marker):
    """Runs argv with pipes, waits until it has certainly exec'd (marker in
    its output: a prompt, or feed echoed back), and returns (status of the
    new program or None if it is gone, errno if it could not be run)."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as e:
        return None, e.errno
    try:
        if feed:
            proc.stdin.write(feed)
            proc.stdin.flush()
        read_some(proc.stdout.fileno(), marker, 5.0)
        try:
            return proc_status(proc.pid), None
        except OSError:
            return None, None
    finally:
        proc.kill()
        proc.wait()


def exec_attack(argv, feed, marker):
    status, err = exec_and_inspect(argv, feed, marker)
    if status is None:
        return result(False, err, exec=errname(err) if err else "exited-early")
    euid = int(status["Uid"].split()[1])
    prm, eff = int(status["CapPrm"], 16), int(status["CapEff"], 16)
    ours = int(proc_status()["CapPrm"], 16)
    gained = euid != os.geteuid() or (prm & ~ours) != 0
    return result(gained, None, exec="ok", euid=euid, our_euid=os.geteuid(),
                  CapPrm="%x" % prm, CapEff="%x" % eff)


def attack_setuid_exec():
    """Exec a setuid-root binary (su, left waiting at its password prompt)
    and read its effective uid: gained when it differs from ours."""
    return exec_attack([SETUID_BINARY, "-c", "true", "root"], b"", b"Password")


def attack_file_caps():
    """Exec a binary with file capabilities (a copy of cat with
    cap_net_bind_service+p) and read its capability sets."""
    return exec_attack([FILE_CAPS_BINARY], b"ping\n", b"ping")


# ---------------------------------------------------------------- rlimits

def raise_limit(which, value):
    """Tries soft=hard=value; returns the errno, or None. (Python reports
    setrlimit's EPERM, a refused raise of the hard limit, as ValueError.)"""
    try:
        resource.setrlimit(which, (value, value))
        return None
    except ValueError:
        return errno_names.EPERM
    except OSError as e:
        return e.errno


def limit_text(which):
    soft, hard = resource.getrlimit(which)
    show = lambda v: "inf" if v == resource.RLIM_INFINITY else str(v)  # noqa: E731
    return "%s/%s" % (show(soft), show(hard))


def attack_core_limit():
    """Turn core dumps back on: soft (then hard) RLIMIT_CORE raised."""
    before = limit_text(resource.RLIMIT_CORE)
    err = raise_limit(resource.RLIMIT_CORE, resource.RLIM_INFINITY)
    if err:
        raise_limit(resource.RLIMIT_CORE, resource.getrlimit(resource.RLIMIT_CORE)[1])
    ok = resource.getrlimit(resource.RLIMIT_CORE)[0] != 0
    return result(ok, err, before=before, after=limit_text(resource.RLIMIT_CORE))


def attack_nofile_limit():
    """More descriptors than a cell may have: RLIMIT_NOFILE above 4096."""
    before = limit_text(resource.RLIMIT_NOFILE)
    err = raise_limit(resource.RLIMIT_NOFILE, 1 << 20)
    if err:
        raise_limit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    ok = resource.getrlimit(resource.RLIMIT_NOFILE)[0] > NOFILE_MAX
    return result(ok, err, before=before, after=limit_text(resource.RLIMIT_NOFILE))


# ---------------------------------------------------------------- rows 30-31

def attack_fork_bomb():
    """A fork loop: children that wait on a pipe, until fork fails or
    FORK_BOMB_CAP of them run. They are held FORK_BOMB_HOLD seconds, then
    let go (the pipe closes) and reaped. Gained: all of them started."""
    r, w = os.pipe()
    children, err = [], None
    try:
        while len(children) < FORK_BOMB_CAP:
            try:
                pid = os.fork()
            except OSError as e:
                err = e.errno
                break
            if pid == 0:
                os.close(w)
                os.read(r, 1)  # EOF once the parent closes w
                os._exit(0)
            children.append(pid)
        time.sleep(FORK_BOMB_HOLD)
    finally:
        os.close(w)
        os.close(r)
        for pid in children:
            os.waitpid(pid, 0)
    return result(err is None, err, children=len(children), fork=errname(err))


def attack_memory_hog():
    """An allocation loop, MEMORY_HOG_CHUNK at a time with every page
    written, up to MEMORY_HOG_CAP. Gained: all of it. Under a memory limit
    the OOM killer ends this process before it can answer."""
    chunks = []
    try:
        while len(chunks) * MEMORY_HOG_CHUNK < MEMORY_HOG_CAP:
            chunks.append(b"\x01" * MEMORY_HOG_CHUNK)
    except MemoryError:
        return result(False, errno_names.ENOMEM, allocated=len(chunks) * MEMORY_HOG_CHUNK)
    return result(True, None, allocated=len(chunks) * MEMORY_HOG_CHUNK)


def attack_cpu_spin():
    """Spins for CPU_SPIN_SECONDS of wall time. Gained: more than half of
    it as CPU time (a cell's cpu quota gives it less)."""
    start, before = time.monotonic(), time.process_time()
    while time.monotonic() - start < CPU_SPIN_SECONDS:
        pass
    used = time.process_time() - before
    return result(used > CPU_SPIN_SECONDS / 2, None, cpu="%.3f" % used)


ATTACKS = {name[len("attack_"):]: fn for name, fn in globals().items()
           if name.startswith("attack_")}


def run(name):
    fn = ATTACKS.get(name)
    if fn is None:
        return None
    try:
        return fn()
    except OSError as e:
        return result(False, e.errno, error=type(e).__name__, text=str(e).replace(" ", "_"))


application = attack_wsgi.wsgi(lambda name, args: run(name), ATTACKS)

if __name__ == "__main__":
    attack_wsgi.main(lambda name, args: run(name), ATTACKS)
