"""Syscalls a cell's seccomp filter must refuse (policies/wsgi.policy), and a
few it must allow, tried with ctypes: a try-syscall matrix like
bubblewrap's tests/try-syscall.c (shared/research/sandboxes.md, the
catalogue rows in the names).

As a WSGI app, /?attack=NAME makes the call NAME in the serving worker.
As a program, `python3 seccomp_app.py NAME` makes the same call unconfined,
so that a test can show the filter is what made the difference.

Either way the answer is JSON {"ok": bool, "errno": int or null, "detail":
str}, as in attack_app.py: errno is the call's error (null when it
succeeded), ok is true when the call succeeded, detail says more as
key=value words. Calls that would change the calling process (unshare,
clone, execve, ptrace, personality...) run in a forked child that reports
its errno through a pipe and exits; a child killed by a signal is reported
as signal=N. Everything here is harmless when it succeeds: bogus handles,
NULL paths, invalid flags, or effects confined to that child.
"""
import ctypes
import mmap
import os
import platform
import struct
import tempfile

import attack_wsgi

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

# x86_64 syscall numbers (the suite runs on x86_64; see skip in the tests).
NR = {
    "ioctl": 16, "socket": 41, "clone": 56, "fork": 57, "execve": 59, "ptrace": 101,
    "personality": 135, "chroot": 161, "mount": 165, "umount2": 166, "swapon": 167,
    "reboot": 169, "init_module": 175, "keyctl": 250, "add_key": 248,
    "request_key": 249, "unshare": 272, "kexec_load": 246, "perf_event_open": 298,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308,
    "process_vm_readv": 310, "kcmp": 312, "finit_module": 313, "memfd_create": 319,
    "bpf": 321, "execveat": 322, "userfaultfd": 323, "pivot_root": 155,
    "io_uring_setup": 425, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "clone3": 435, "pidfd_getfd": 438, "getpid": 39, "socketpair": 53,
}
X32_SYSCALL_BIT = 0x40000000

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_VSOCK, AF_ALG = 1, 2, 10, 16, 17, 40, 38
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET = 1, 2, 3, 5
FIONREAD, FIONBIO, TIOCSTI, TIOCLINUX = 0x541B, 0x5421, 0x5412, 0x541C
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x20000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
CLONE_FILES = 0x400
SIGCHLD = 17
READ_IMPLIES_EXEC = 0x0400000
PTRACE_TRACEME = 0
KCMP_FILE = 0
KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING = 0, -3
UFFD_USER_MODE_ONLY = 1
BPF_MAP_CREATE = 0
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
MFD_CLOEXEC = 1


def result(err, **seen):
    detail = " ".join("%s=%s" % (k, v) for k, v in seen.items())
    return {"ok": err is None, "errno": err, "detail": detail}


def raw(name, *args):
    """errno of syscall NAME with integer/pointer args, or None on success;
    the second value is the return value."""
    nr = NR[name] if isinstance(name, str) else name
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(nr),
                      *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    return (ctypes.get_errno() if rc == -1 else None), rc


def closing(name, *args):
    """raw() for calls that return a descriptor: closes it."""
    err, rc = raw(name, *args)
    if err is None and rc >= 0:
        os.close(rc)
    return result(err)


def in_child(fn):
    """Runs fn() in a forked child, which exits at once with fn's errno (0
    for success). Returns result(); a child killed by a signal gives
    errno None, ok False and signal=N."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            err = fn()
            code = 0 if err is None else min(err, 250)
        except BaseException:
            code = 251
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {"ok": False, "errno": None, "detail": "signal=%d" % os.WTERMSIG(status)}
    code = os.WEXITSTATUS(status)
    return result(None if code == 0 else code)


# ---------------------------------------------------------------- row 7, 9: namespaces

def attack_clone3():
    """clone3 with no arguments: ENOSYS in the cell (glibc then uses clone);
    EINVAL from the kernel (size 0) outside."""
    return result(raw("clone3", 0, 0)[0])


def clone_child(flags):
    def fn():
        err, rc = raw("clone", flags | SIGCHLD, 0, 0, 0, 0)
        if err is None and rc == 0:
            os._exit(0)  # the clone's own child
        if err is None:
            os.waitpid(rc, 0)
        return err
    return in_child(fn)


def attack_clone_newuser():
    return clone_child(CLONE_NEWUSER)


def attack_clone_newuser_newns():
    return clone_child(CLONE_NEWUSER | CLONE_NEWNS)


def attack_clone_newuser_newnet():
    return clone_child(CLONE_NEWUSER | CLONE_NEWNET)


def attack_clone_newuser_newpid():
    return clone_child(CLONE_NEWUSER | CLONE_NEWPID)


def attack_clone_newuser_newipc_newuts_newcgroup():
    return clone_child(CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)


def attack_clone_plain():
    """A plain fork-style clone: allowed (positive control)."""
    return clone_child(0)


def attack_thread():
    """A thread: glibc's pthread_create tries clone3 (ENOSYS in the cell)
    and falls back to clone, whose flags the filter allows (positive
    control)."""
    import threading
    seen = []
    t = threading.Thread(target=lambda: seen.append(threading.get_native_id()))
    t.start()
    t.join(30)
    return {"ok": bool(seen), "errno": None, "detail": "tid=%s" % (seen[0] if seen else "none")}


def attack_unshare_newuser():
    return in_child(lambda: raw("unshare", CLONE_NEWUSER)[0])


def attack_unshare_newuser_newnet():
    return in_child(lambda: raw("unshare", CLONE_NEWUSER | CLONE_NEWNET)[0])


def attack_unshare_files():
    """unshare(CLONE_FILES): no namespace, allowed (positive control)."""
    return in_child(lambda: raw("unshare", CLONE_FILES)[0])


def attack_setns():
    return result(raw("setns", -1, CLONE_NEWUSER)[0])


# ---------------------------------------------------------------- row 20, 21: sockets

def attack_socket_alg():
    return closing("socket", AF_ALG, SOCK_SEQPACKET, 0)


def attack_socket_packet():
    return closing("socket", AF_PACKET, SOCK_RAW, 0)


def attack_socket_netlink():
    return closing("socket", AF_NETLINK, SOCK_RAW, 0)


def attack_socket_vsock():
    return closing("socket", AF_VSOCK, SOCK_STREAM, 0)


def attack_socket_unix_high_bits():
    """AF_UNIX with bits set above 32: the kernel reads an int, so the rule
    compares the low 32 bits and this is allowed (positive control)."""
    return closing("socket", AF_UNIX | 1 << 32, SOCK_STREAM, 0)


def attack_socket_inet():
    return closing("socket", AF_INET, SOCK_STREAM, 0)


def attack_socket_inet6():
    return closing("socket", AF_INET6, SOCK_DGRAM, 0)


# ---------------------------------------------------------------- rows 1-3, 39: ioctl

def ioctl_on_pipe(cmd):
    r, w = os.pipe()
    try:
        arg = ctypes.create_string_buffer(8)
        return result(raw("ioctl", r, cmd, arg)[0])
    finally:
        os.close(r)
        os.close(w)


def attack_ioctl_tiocsti():
    return ioctl_on_pipe(TIOCSTI)


def attack_ioctl_tiocsti_high_bits():
    """CVE-2019-10063: the kernel truncates cmd to 32 bits."""
    return ioctl_on_pipe(TIOCSTI | 1 << 32)


def attack_ioctl_tioclinux():
    return ioctl_on_pipe(TIOCLINUX)


def attack_ioctl_fionread():
    return ioctl_on_pipe(FIONREAD)


def attack_ioctl_fionread_high_bits():
    return ioctl_on_pipe(FIONREAD | 1 << 32)


# ---------------------------------------------------------------- row 18, 19: personality, ABI

def attack_personality_read_implies_exec():
    return in_child(lambda: raw("personality", READ_IMPLIES_EXEC)[0])


def attack_personality_query():
    return result(raw("personality", 0xffffffff)[0])


def attack_x32_getpid():
    """getpid with the x32 bit: the filter kills (SIGSYS) on x86_64."""
    return in_child(lambda: raw(X32_SYSCALL_BIT | NR["getpid"])[0])


# mov eax, 20 (i386 getpid); int 0x80; ret
INT80_GETPID = bytes([0xb8, 0x14, 0, 0, 0, 0xcd, 0x80, 0xc3])


def int80_getpid():
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(INT80_GETPID)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    rc = ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
    return None if rc > 0 else (-rc if rc < 0 else 255)


def attack_int80_getpid():
    """The i386 entry point (int 0x80): a foreign architecture, killed."""
    return in_child(int80_getpid)


# ---------------------------------------------------------------- rows 6, 8, 10: io_uring, mounts

def attack_io_uring_setup():
    params = ctypes.create_string_buffer(120)
    return closing("io_uring_setup", 1, params)


def attack_open_tree():
    return closing("open_tree", AT_FDCWD, ctypes.c_char_p(b"/nonexistent-sandgate"), 0)


def attack_fsopen():
    return closing("fsopen", ctypes.c_char_p(b"nosuchfs-sandgate"), 0)


def attack_move_mount():
    return result(raw("move_mount", -1, ctypes.c_char_p(b""), -1, ctypes.c_char_p(b""), 0)[0])


def attack_mount():
    return result(raw("mount", 0, 0, 0, 0, 0)[0])


def attack_umount2():
    return result(raw("umount2", 0, 0)[0])


def attack_pivot_root():
    return result(raw("pivot_root", 0, 0)[0])


def attack_chroot():
    return result(raw("chroot", 0)[0])


# ---------------------------------------------------------------- rows 11, 12: other processes

def attack_ptrace_traceme():
    return in_child(lambda: raw("ptrace", PTRACE_TRACEME, 0, 0, 0)[0])


def attack_process_vm_readv():
    """Reads 8 bytes of its own memory."""
    src = ctypes.create_string_buffer(b"sandgate", 8)
    dst = ctypes.create_string_buffer(8)
    local = struct.pack("QQ", ctypes.addressof(dst), 8)
    remote = struct.pack("QQ", ctypes.addressof(src), 8)
    lbuf, rbuf = ctypes.create_string_buffer(local, 16), ctypes.create_string_buffer(remote, 16)
    return result(raw("process_vm_readv", os.getpid(), lbuf, 1, rbuf, 1, 0)[0])


def attack_pidfd_getfd():
    return result(raw("pidfd_getfd", -1, 0, 0)[0])


def attack_kcmp():
    pid = os.getpid()
    return result(raw("kcmp", pid, pid, KCMP_FILE, 0, 0)[0])


# ---------------------------------------------------------------- rows 14-17, 24, 26

def attack_keyctl():
    return result(raw("keyctl", KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)[0])


def attack_request_key():
    return result(raw("request_key", ctypes.c_char_p(b"user"), ctypes.c_char_p(b"sandgate-none"),
                      0, 0)[0])


def attack_add_key():
    """Adds a key to the thread keyring of a child that exits at once."""
    return in_child(lambda: raw("add_key", ctypes.c_char_p(b"user"),
                                ctypes.c_char_p(b"sandgate-test"), ctypes.c_char_p(b"x"), 1,
                                -1)[0])


def attack_userfaultfd():
    return closing("userfaultfd", UFFD_USER_MODE_ONLY | os.O_CLOEXEC)


def attack_bpf():
    return result(raw("bpf", BPF_MAP_CREATE, 0, 0)[0])


def attack_perf_event_open():
    return closing("perf_event_open", 0, 0, -1, -1, 0)


def attack_finit_module():
    return result(raw("finit_module", -1, ctypes.c_char_p(b""), 0)[0])


def attack_init_module():
    return result(raw("init_module", 0, 0, ctypes.c_char_p(b""))[0])


def attack_kexec_load():
    return result(raw("kexec_load", 0, 1000, 0, 0)[0])


def attack_reboot():
    """Wrong magic: EINVAL at best, never a reboot."""
    return result(raw("reboot", 0, 0, 0, 0)[0])


def attack_swapon():
    return result(raw("swapon", 0, 0)[0])


def attack_open_by_handle_at():
    handle = ctypes.create_string_buffer(struct.pack("II", 8, 1) + b"\0" * 8)
    return closing("open_by_handle_at", AT_FDCWD, handle, os.O_RDONLY)


def attack_name_to_handle_at():
    handle = ctypes.create_string_buffer(struct.pack("II", 128, 0) + b"\0" * 128)
    mount_id = ctypes.c_int()
    return result(raw("name_to_handle_at", AT_FDCWD, ctypes.c_char_p(b"/"), handle,
                      ctypes.byref(mount_id), 0)[0])


def attack_memfd_create():
    return closing("memfd_create", ctypes.c_char_p(b"sandgate"), MFD_CLOEXEC)


def exec_true():
    argv = (ctypes.c_char_p * 2)(b"/bin/true", None)
    envp = (ctypes.c_char_p * 1)(None)
    return raw("execve", ctypes.c_char_p(b"/bin/true"), argv, envp)[0]


def attack_execve():
    """execve of /bin/true in a child (which then exits 0: success)."""
    return in_child(exec_true)


def execveat_true():
    fd = os.open("/bin/true", os.O_RDONLY | os.O_CLOEXEC)
    argv = (ctypes.c_char_p * 2)(b"true", None)
    envp = (ctypes.c_char_p * 1)(None)
    return raw("execveat", fd, ctypes.c_char_p(b""), argv, envp, AT_EMPTY_PATH)[0]


def attack_execveat():
    return in_child(execveat_true)


def attack_subprocess():
    """What an app would do: subprocess.run(["/bin/true"])."""
    import subprocess
    try:
        subprocess.run(["/bin/true"], check=True, timeout=30)
    except OSError as e:
        return result(e.errno, error=type(e).__name__)
    return result(None)


def attack_chmod_setuid():
    """Row 38: a set-id bit on a file of one's own."""
    fd, path = tempfile.mkstemp(prefix="sandgate-seccomp-")
    try:
        os.chmod(path, 0o4755)
        return result(None)
    except OSError as e:
        return result(e.errno)
    finally:
        os.close(fd)
        os.unlink(path)


def attack_chmod_plain():
    """chmod without set-id bits: allowed (positive control)."""
    fd, path = tempfile.mkstemp(prefix="sandgate-seccomp-")
    try:
        os.chmod(path, 0o600)
        return result(None)
    except OSError as e:
        return result(e.errno)
    finally:
        os.close(fd)
        os.unlink(path)


def attack_status():
    """/proc/self/status: Seccomp mode and filter count (not an attack)."""
    with open("/proc/self/status") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return {"ok": True, "errno": None,
            "detail": "seccomp=%s filters=%s machine=%s" % (
                status.get("Seccomp", "?"), status.get("Seccomp_filters", "?"),
                platform.machine())}


ATTACKS = {name[len("attack_"):]: fn for name, fn in globals().items()
           if name.startswith("attack_")}


def run(name):
    fn = ATTACKS.get(name)
    if fn is None:
        return None
    try:
        return fn()
    except OSError as e:
        return result(e.errno, error=type(e).__name__)


application = attack_wsgi.wsgi(lambda name, args: run(name), ATTACKS)

if __name__ == "__main__":
    attack_wsgi.main(lambda name, args: run(name), ATTACKS)
