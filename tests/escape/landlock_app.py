"""Attacks for the Landlock layer and the seccomp options (test_landlock.py).

As a WSGI app, /?attack=NAME&KEY=VALUE runs attack NAME in the serving
worker; as a program, `python3 landlock_app.py NAME [KEY=VALUE]` runs the
same code unconfined, to show the sandbox made the difference. The answer is
JSON {"ok": bool, "errno": int or null, "detail": str}, as in
attack_app.py: ok when the call succeeded, errno the error it got.
"""
import ctypes
import errno as errno_names
import mmap
import os
import socket

import attack_wsgi

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]

NR_KEYCTL = 250  # x86_64 (the suite runs on x86_64)
KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING = 0, -3
MAP_FAILED = ctypes.c_void_p(-1).value


def result(err, **seen):
    detail = " ".join("%s=%s" % (k, v) for k, v in seen.items())
    return {"ok": err is None, "errno": err, "detail": detail}


def oserror(fn):
    try:
        return fn()
    except OSError as e:
        return result(e.errno, error=errno_names.errorcode.get(e.errno, "?"))


def attack_bind(port):
    """A TCP listener on 127.0.0.1:port (bind_ports)."""
    def run():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(port)))
        return result(None)
    return oserror(run)


def attack_connect(port):
    """A TCP connection to 127.0.0.1:port (connect_ports)."""
    def run():
        with socket.create_connection(("127.0.0.1", int(port)), timeout=10):
            pass
        return result(None)
    return oserror(run)


def attack_kill(pid):
    """kill(pid, 0): may this process signal pid?"""
    return oserror(lambda: (os.kill(int(pid), 0), result(None))[1])


def attack_kill_self():
    """kill(getpid(), 0): signalling inside the cell still works."""
    return attack_kill(os.getpid())


def attack_abstract(sock):
    """connect() to the abstract Unix socket @sock."""
    def run():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect("\0" + sock)
        return result(None)
    return oserror(run)


def attack_proc_mem_write():
    """Open /proc/self/mem for writing (Dirty COW's path, row 37)."""
    def run():
        fd = os.open("/proc/self/mem", os.O_RDWR)
        os.close(fd)
        return result(None)
    return oserror(run)


def attack_keyctl():
    """keyctl(KEYCTL_GET_KEYRING_ID): denied by wsgi.policy (row 14)."""
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(NR_KEYCTL), ctypes.c_long(KEYCTL_GET_KEYRING_ID),
                      ctypes.c_long(KEY_SPEC_SESSION_KEYRING), ctypes.c_long(0))
    return result(ctypes.get_errno() if rc == -1 else None, rc=rc)


def attack_ctypes_callback():
    """qsort through a ctypes callback (CFUNCTYPE): libffi builds a closure."""
    cmp_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                             ctypes.POINTER(ctypes.c_int))
    values = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
    def run():
        libc.qsort(values, 5, ctypes.sizeof(ctypes.c_int), cmp_t(lambda a, b: a[0] - b[0]))
        return result(None if list(values) == [1, 2, 3, 4, 5] else errno_names.EINVAL,
                      sorted=",".join(map(str, values)))
    try:
        return run()
    except MemoryError:
        return result(errno_names.ENOMEM, error="MemoryError")


def attack_rwx_mmap():
    """An anonymous mapping both writable and executable."""
    prot = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
    ctypes.set_errno(0)
    addr = libc.mmap(None, mmap.PAGESIZE, prot, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if addr == MAP_FAILED:
        return result(ctypes.get_errno())
    libc.munmap(addr, mmap.PAGESIZE)
    return result(None)


def attack_status():
    """/proc/self/status: the seccomp mode and filter count."""
    with open("/proc/self/status") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return result(None, seccomp=status.get("Seccomp", "?"),
                  filters=status.get("Seccomp_filters", "?"))


def attack_subprocess():
    """subprocess.run(["/bin/true"]): a program, as wsgi-exec.policy allows.
    A child killed before its exec answers ok false, signal=N."""
    import subprocess
    try:
        subprocess.run(["/bin/true"], check=True, timeout=30)
    except OSError as e:
        return result(e.errno, error=type(e).__name__)
    except subprocess.CalledProcessError as e:
        return {"ok": False, "errno": None, "detail": "signal=%d" % -e.returncode}
    return result(None)


ATTACKS = {name[len("attack_"):]: fn for name, fn in globals().items()
           if name.startswith("attack_")}


def run(name, args):
    fn = ATTACKS.get(name)
    return None if fn is None else fn(**args)


application = attack_wsgi.wsgi(run, ATTACKS)

if __name__ == "__main__":
    attack_wsgi.main(run, ATTACKS)
