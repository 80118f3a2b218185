"""Attacks on what belongs to others: their files, processes, sockets and
IPC objects, the gateway's own, and the kernel entry points of Dirty COW
(shared/research/sandboxes.md, the catalogue, rows 13, 32, 33 and 37, and
the cross-user tests).

As a WSGI app, /?attack=NAME&key=value... runs the attack NAME in the
serving worker, with its arguments from the query string. As a program,
`python3 proc_app.py NAME key=value...` runs the same code unconfined, so
that a test can show the sandbox is what made the difference.

Either way the answer is JSON {"ok": bool, "errno": int or null,
"detail": str}, as attack_app.py answers: ok is true when the attack got
what it was after, errno is the error of the step that was refused, and
detail is what was seen, as space-separated key=value words.

At import the app probes the IPC objects that ipc_probe.json (next to this
file, written by the test) names, before the seccomp filter is loaded:
what a process forked during the import could reach. ?attack=ipc_at_import
answers with that.
"""
import ctypes
import errno as errno_names
import json
import mmap
import os
import signal
import socket

import attack_wsgi

HERE = os.path.dirname(os.path.abspath(__file__))
IPC_PROBE_FILE = os.path.join(HERE, "ipc_probe.json")

IPC_CREAT = 0o1000
IPC_RMID = 0
PTRACE_ATTACH = 16
PTRACE_DETACH = 17

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
libc.mq_unlink.argtypes = [ctypes.c_char_p]


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


libc.process_vm_writev.restype = ctypes.c_ssize_t
libc.process_vm_writev.argtypes = [ctypes.c_int, ctypes.POINTER(IoVec), ctypes.c_ulong,
                                   ctypes.POINTER(IoVec), ctypes.c_ulong, ctypes.c_ulong]


def result(ok, err=None, **seen):
    detail = " ".join("%s=%s" % (k, v) for k, v in seen.items())
    return {"ok": bool(ok), "errno": err, "detail": detail}


def errname(err):
    return errno_names.errorcode.get(err, str(err)) if err else "ok"


def call(fn, *args):
    """(return value, errno or None) of a libc call that returns -1 on error."""
    ctypes.set_errno(0)
    rc = fn(*args)
    return rc, (ctypes.get_errno() if rc == -1 else None)


def os_errno(fn, *args):
    """(value, errno or None) of an os/socket call that raises OSError."""
    try:
        return fn(*args), None
    except OSError as e:
        return None, e.errno


# ---------------------------------------------------------------- files

def attack_read(path):
    """Read someone else's file. Gained: its bytes."""
    def read():
        with open(path, "rb") as f:
            return f.read()
    data, err = os_errno(read)
    return result(err is None, err, bytes=len(data) if data is not None else -1)


def attack_write(path, text):
    """Writes text to path (mode from the umask); the test's own step, to
    leave data where an app keeps it. Gained: written."""
    def write():
        with open(path, "w") as f:
            f.write(text)
    _, err = os_errno(write)
    return result(err is None, err)


# ---------------------------------------------------------------- sockets

def connect_and_ask(family, where, request):
    """Connects, sends request, reads the first bytes of the answer."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(where)
        if request:
            s.sendall(request)
            return s.recv(64)
        return b""


def scgi_get():
    body = b"".join(k + b"\0" + v + b"\0" for k, v in [
        (b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1"), (b"REQUEST_METHOD", b"GET"),
        (b"REQUEST_URI", b"/?attack=none"), (b"QUERY_STRING", b"attack=none"),
        (b"SERVER_PROTOCOL", b"HTTP/1.1"), (b"SERVER_NAME", b"localhost"),
        (b"SERVER_PORT", b"80"), (b"PATH_INFO", b"/")])
    return str(len(body)).encode() + b":" + body + b","


def first_word(data):
    """At most 8 characters: "Status:", "HTTP/1.1", '{"ok":tr'..."""
    words = (data or b"").decode("latin-1").split()
    return words[0][:8] if words else "-"


def request_for(scgi, http, line):
    if line:
        return line.encode("latin-1") + b"\n"
    if scgi == "1":
        return scgi_get()
    if http == "1":
        return b"GET /?attack=none HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    return b""


def attack_connect_unix(path, scgi="0", http="0", line=""):
    """Connect to a Unix socket (with scgi=1 or http=1, send a request, with
    line that line, and read the first word of the answer). Gained:
    connected."""
    got, err = os_errno(connect_and_ask, socket.AF_UNIX, path, request_for(scgi, http, line))
    return result(err is None, err, answer=first_word(got))


def attack_connect_tcp(host, port, scgi="0", http="0", line=""):
    """Connect to a TCP port (and send a request, as connect_unix).
    Gained: connected."""
    got, err = os_errno(connect_and_ask, socket.AF_INET, (host, int(port)),
                        request_for(scgi, http, line))
    return result(err is None, err, answer=first_word(got))


# ---------------------------------------------------------------- processes

def listed_pids():
    return sorted(int(e) for e in os.listdir("/proc") if e.isdigit())


def uid_of(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        return -1
    return -1


def attack_pids():
    """Every process /proc shows, with its uid. Gained: more than this
    user's own processes (someone else's are visible)."""
    pids = listed_pids()
    uids = sorted(set(uid_of(p) for p in pids))
    return result(uids != [os.getuid()], None, pids=",".join(map(str, pids)),
                  uids=",".join(map(str, uids)), me=os.getpid())


def attack_kill(pid, sig="0"):
    """Signal a process (0 only asks whether we could). Gained: allowed."""
    _, err = os_errno(os.kill, int(pid), int(sig))
    return result(err is None, err)


def attack_kill_all():
    """kill(-1, SIGKILL): every process this one may signal, but itself.
    Gained: it went through; what died is for the test to see from the
    host. detail: the pids /proc showed before."""
    before = listed_pids()
    _, err = os_errno(os.kill, -1, signal.SIGKILL)
    return result(err is None, err, before=",".join(map(str, before)), me=os.getpid())


def attack_proc_entry(pid):
    """Another process's /proc entry: its directory, cmdline, environ.
    Gained: the directory is there (cmdline of any process is readable
    by anyone on a host without hidepid)."""
    def read(name):
        with open("/proc/%s/%s" % (pid, name), "rb") as f:
            return f.read()
    _, stat_err = os_errno(os.stat, "/proc/%s" % pid)
    cmdline, cmd_err = os_errno(read, "cmdline")
    _, env_err = os_errno(read, "environ")
    return result(stat_err is None, stat_err, stat=errname(stat_err), cmdline=errname(cmd_err),
                  environ=errname(env_err),
                  argv0=(cmdline or b"").split(b"\0")[0].decode("latin-1", "replace")
                  .replace(" ", "_"))


def attack_seccomp_status():
    """Seccomp and Seccomp_filters of this process, and its pid."""
    with open("/proc/self/status") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return result(status.get("Seccomp") != "2", None, seccomp=status.get("Seccomp"),
                  filters=status.get("Seccomp_filters"), pid=os.getpid())


# ---------------------------------------------------------------- IPC (row 33)

def ipc_probe(shm_key, msg_key, mq, shm_file):
    """Whether the named SysV segment and queue, POSIX queue and /dev/shm
    file can be opened: errno names, "ok" when found."""
    _, shm = call(libc.shmget, ctypes.c_int(int(shm_key)), ctypes.c_size_t(0), ctypes.c_int(0))
    _, msg = call(libc.msgget, ctypes.c_int(int(msg_key)), ctypes.c_int(0))
    fd, mqe = call(libc.mq_open, mq.encode(), os.O_RDONLY, 0, None)
    if mqe is None:
        os.close(fd)
    fd, dev = os_errno(os.open, "/dev/shm/" + shm_file, os.O_RDONLY)
    if dev is None:
        os.close(fd)
    return {"shm": errname(shm), "msg": errname(msg), "mq": errname(mqe),
            "devshm": errname(dev)}


def probe_result(seen):
    found = [k for k, v in seen.items() if v == "ok"]
    first = next((errno_names.__dict__.get(v) for v in seen.values() if v != "ok"), None)
    return result(found, first, **seen)


def attack_ipc_probe(shm_key, msg_key, mq, shm_file):
    """The IPC objects of ipc_probe from a serving worker. Gained: any found."""
    return probe_result(ipc_probe(shm_key, msg_key, mq, shm_file))


def probe_at_import():
    try:
        with open(IPC_PROBE_FILE) as f:
            names = json.load(f)
    except OSError:
        return None
    return ipc_probe(**names)


AT_IMPORT = probe_at_import() if __name__ != "__main__" else None


def attack_ipc_at_import():
    """The same probe, as run while the app was imported (before the
    seccomp filter). Gained: any found."""
    if AT_IMPORT is None:
        return result(False, errno_names.ENOENT, probe="none")
    return probe_result(AT_IMPORT)


def attack_ipc_create(shm_key, msg_key, mq, shm_file):
    """Host side (unconfined only): creates the four objects, mode 0600."""
    _, e1 = call(libc.shmget, ctypes.c_int(int(shm_key)), ctypes.c_size_t(4096),
                 ctypes.c_int(IPC_CREAT | 0o600))
    _, e2 = call(libc.msgget, ctypes.c_int(int(msg_key)), ctypes.c_int(IPC_CREAT | 0o600))
    fd, e3 = call(libc.mq_open, mq.encode(), os.O_RDONLY | os.O_CREAT, 0o600, None)
    if e3 is None:
        os.close(fd)
    fd, e4 = os_errno(os.open, "/dev/shm/" + shm_file, os.O_WRONLY | os.O_CREAT, 0o600)
    if e4 is None:
        os.write(fd, b"secret")
        os.close(fd)
    err = e1 or e2 or e3 or e4
    return result(err is None, err)


def attack_ipc_remove(shm_key, msg_key, mq, shm_file):
    """Host side (unconfined only): removes what ipc_create made."""
    shm, _ = call(libc.shmget, ctypes.c_int(int(shm_key)), ctypes.c_size_t(0), ctypes.c_int(0))
    if shm >= 0:
        libc.shmctl(shm, IPC_RMID, None)
    msg, _ = call(libc.msgget, ctypes.c_int(int(msg_key)), ctypes.c_int(0))
    if msg >= 0:
        libc.msgctl(msg, IPC_RMID, None)
    libc.mq_unlink(mq.encode())
    os_errno(os.unlink, "/dev/shm/" + shm_file)
    return result(True)


# ---------------------------------------------------------------- Dirty COW (row 37)

def readonly_mapping():
    """A private read-only mapping of this file (what Dirty COW wrote to)."""
    fd = os.open(os.path.abspath(__file__), os.O_RDONLY)
    try:
        addr = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_PRIVATE, fd, 0)
    finally:
        os.close(fd)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap")
    return addr


def attack_proc_self_mem():
    """Write through /proc/self/mem into a private read-only mapping (the
    kernel forces the write, FOLL_FORCE: Dirty COW's path). Gained: the
    mapping now reads what was written."""
    addr = readonly_mapping()
    try:
        fd, err = os_errno(os.open, "/proc/self/mem", os.O_RDWR)
        if err is not None:
            return result(False, err, open=errname(err))
        try:
            _, err = os_errno(os.pwrite, fd, b"COW!", addr)
        finally:
            os.close(fd)
        seen = ctypes.string_at(addr, 4)
        return result(seen == b"COW!", err, open="ok", write=errname(err))
    finally:
        libc.munmap(addr, 4096)


def sleeping_child():
    """A child of ours that waits on a pipe: a process we may trace."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)
    return pid, w


def attack_ptrace_attach():
    """PTRACE_ATTACH to a child of ours (same uid: allowed by the kernel).
    Gained: attached."""
    pid, w = sleeping_child()
    try:
        rc, err = call(libc.ptrace, PTRACE_ATTACH, pid, None, None)
        if rc == 0:
            os.waitpid(pid, 0)
            libc.ptrace(PTRACE_DETACH, pid, None, None)
        return result(rc == 0, err)
    finally:
        os.close(w)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def attack_process_vm_writev():
    """process_vm_writev into our own memory (the call Dirty COW variants
    used to write another process). Gained: the bytes arrived."""
    src = ctypes.create_string_buffer(b"COW!")
    dst = ctypes.create_string_buffer(4)
    local = IoVec(ctypes.cast(src, ctypes.c_void_p), 4)
    remote = IoVec(ctypes.cast(dst, ctypes.c_void_p), 4)
    n, err = call(libc.process_vm_writev, os.getpid(), ctypes.byref(local), 1,
                  ctypes.byref(remote), 1, 0)
    return result(dst.raw == b"COW!", err, written=n)


ATTACKS = {name[len("attack_"):]: fn for name, fn in globals().items()
           if name.startswith("attack_")}


def run(name, args):
    fn = ATTACKS.get(name)
    if fn is None:
        return None
    try:
        return fn(**args)
    except OSError as e:
        return result(False, e.errno, error=type(e).__name__, text=str(e).replace(" ", "_"))


application = attack_wsgi.wsgi(run, ATTACKS)

if __name__ == "__main__":
    attack_wsgi.main(run, ATTACKS)
