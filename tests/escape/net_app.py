"""Network and cgroup namespace attacks (sandbox/netns.c), in the style of
attack_app.py.

As a WSGI app, /?attack=NAME&arg=VALUE runs the attack NAME in the serving
worker. As a program, `python3 net_app.py NAME arg=VALUE` runs the same
code unconfined (conftest.Cell.unconfined), so that a test can show the
sandbox made the difference.

The answer is JSON {"ok": bool, "errno": int or null, "detail": str}: ok is
true when the attack got what it was after (a host listener reached, a
nested user namespace made), errno is the error of the refused step, and
detail is what was seen, as space-separated key=value words.

One attack runs at import time, before the zygote's seccomp filter is
loaded: it tries to make a nested user namespace, which only the second
wall (user.max_user_namespaces = 0 in the cell) stops there.
"""
import ctypes
import errno as errno_names
import os
import socket

import attack_wsgi

CLONE_NEWUSER = 0x10000000
libc = ctypes.CDLL(None, use_errno=True)


def result(ok, err=None, **seen):
    detail = " ".join("%s=%s" % (k, v) for k, v in seen.items())
    return {"ok": bool(ok), "errno": err, "detail": detail}


def errname(err):
    return errno_names.errorcode.get(err, str(err)) if err else "ok"


def try_connect(family, address):
    """errno of a connect (None when it worked)."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(address)
        return None
    except OSError as e:
        return e.errno
    finally:
        s.close()


def nested_userns_errno():
    """unshare(CLONE_NEWUSER) in a forked child: its errno, None if it worked."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        rc = libc.unshare(CLONE_NEWUSER)
        os.write(w, str(0 if rc == 0 else ctypes.get_errno()).encode())
        os._exit(0)
    os.close(w)
    text = os.read(r, 16).decode()
    os.close(r)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # the zygote (pid 1) reaped it first
    if not text:
        return -1  # the child died before answering
    return int(text) if text != "0" else None


# Before the filter: only the max_user_namespaces wall applies (row 9).
AT_IMPORT = {"nested_userns": nested_userns_errno()}


# ---------------------------------------------------------------- row 22

def attack_abstract(name):
    """connect() to a host daemon's abstract Unix socket "\\0NAME"."""
    err = try_connect(socket.AF_UNIX, "\0" + name)
    return result(err is None, err, connect=errname(err))


# ---------------------------------------------------------------- network modes

def attack_tcp(port):
    """connect() to a host listener on 127.0.0.1:PORT."""
    err = try_connect(socket.AF_INET, ("127.0.0.1", int(port)))
    return result(err is None, err, connect=errname(err))


def attack_interfaces(_):
    """The interfaces this network namespace has (/proc/net/dev), and
    whether a local route to 127.0.0.1 exists (/proc/net/fib_trie: only
    for an interface that is up). Gained: any interface but lo."""
    with open("/proc/net/dev") as f:
        names = sorted(line.split(":", 1)[0].strip() for line in f if ":" in line)
    with open("/proc/net/fib_trie") as f:
        local = "127.0.0.1" in f.read()
    return result(names != ["lo"], None, interfaces=",".join(names), local_route=int(local))


def attack_loop_self(_):
    """Listen on 127.0.0.1 and connect to it: the cell's own loopback.
    ok when the connection came through."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
    except OSError as e:
        srv.close()
        return result(False, e.errno, bind=errname(e.errno))
    err = try_connect(socket.AF_INET, srv.getsockname())
    srv.close()
    return result(err is None, err, connect=errname(err))


# ---------------------------------------------------------------- row 9

def attack_nested_userns(_):
    """A nested user namespace: made at import (before the seccomp filter),
    and now (under it). The sysctl that forbids them, read from /proc."""
    with open("/proc/sys/user/max_user_namespaces") as f:
        limit = f.read().strip()
    at_import = AT_IMPORT["nested_userns"]
    now = nested_userns_errno()
    return result(at_import is None or now is None, at_import, max_user_namespaces=limit,
                  at_import=errname(at_import), now=errname(now))


# ---------------------------------------------------------------- cgroup namespace

def attack_cgroup(_):
    """Where this process sees itself in each cgroup hierarchy. Gained: a
    path above the cell's own cgroup (anything but "/")."""
    with open("/proc/self/cgroup") as f:
        paths = [line.rstrip("\n").split(":", 2)[2] for line in f]
    ns = os.readlink("/proc/self/ns/cgroup")
    return result(any(p != "/" for p in paths), None, paths=",".join(paths), ns=ns)


ATTACKS = {name[len("attack_"):]: fn for name, fn in globals().items()
           if name.startswith("attack_")}


def run(name, arg):
    fn = ATTACKS.get(name)
    return fn(arg) if fn else None


application = attack_wsgi.wsgi(lambda name, args: run(name, args.get("arg", "")), ATTACKS)

if __name__ == "__main__":
    attack_wsgi.main(lambda name, args: run(name, args.get("arg", "")), ATTACKS)
