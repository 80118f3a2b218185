"""Starting and stopping the servers under test.

Every server is started in a session of its own, with a clean environment,
either as the unprivileged RUN_AS user (setpriv) or as root when it drops
privileges itself (sandgate in system mode). Each start is recorded in
RUN/pids as "pid starttime name" so that `run.sh --cleanup RUN` can stop
what a killed run left behind; nothing is ever signalled by name.

Stopping: SIGTERM to the process the bench started, then (bounded waits)
SIGTERM and SIGKILL to whatever is left of its tree as it was just before
the stop, each process named by (pid, start time).
"""
import os
import signal
import socket
import subprocess
import threading
import time

from . import procs

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class StartError(Exception):
    pass


class Server:
    def __init__(self, name, role, popen, log_path, ident):
        self.name, self.role, self.popen, self.log_path = name, role, popen, log_path
        self.ident = ident
        self.lines = []          # (monotonic time, line) when stderr is captured
        self.reader = None

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def log_tail(self, n=4):
        try:
            with open(self.log_path, errors="replace") as fh:
                lines = [ln.rstrip() for ln in fh if ln.strip()]
        except OSError:
            lines = [ln for _, ln in self.lines]
        return " | ".join(lines[-n:])[:400]


class Runner:
    def __init__(self, run_dir, run_as, home, stop_timeout=8.0):
        self.run_dir, self.run_as, self.home = run_dir, run_as, home
        self.stop_timeout = stop_timeout
        self.servers = []
        self.helpers = []        # short-lived Popen objects (wrk, strace, clients)

    # ---------------------------------------------------------------- start
    def env(self):
        return {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": self.home}

    def start(self, name, argv, role, log_dir, as_root=False, capture=False, cwd=None):
        """Start argv; role is front, backend or apache (see memory.py).

        capture=True: stderr+stdout come through a pipe, and each line is kept
        with the monotonic time it arrived (for cold-start timing), as well as
        written to the log file.
        """
        pre = [] if as_root else ["setpriv", "--reuid=" + self.run_as, "--regid=" + self.run_as,
                                  "--init-groups", "--"]
        log_path = os.path.join(log_dir, name + ".log")
        logf = open(log_path, "ab")
        try:
            popen = subprocess.Popen(
                pre + list(argv), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if capture else logf,
                stderr=subprocess.STDOUT, env=self.env(), cwd=cwd or self.run_dir,
                start_new_session=True, close_fds=True)
        finally:
            if not capture:
                logf.close()
        ident = None
        for _ in range(50):
            ident = procs.identity(popen.pid)
            if ident is not None or popen.poll() is not None:
                break
            time.sleep(0.002)
        srv = Server(name, role, popen, log_path, ident or (popen.pid, -1))
        if capture:
            srv.reader = threading.Thread(target=_pump, args=(popen.stdout, logf, srv.lines),
                                          daemon=True)
            srv.reader.start()
        self.servers.append(srv)
        with open(os.path.join(self.run_dir, "pids"), "a") as fh:
            fh.write("%d %d %s\n" % (srv.ident[0], srv.ident[1], name))
        return srv

    # ---------------------------------------------------------------- waits
    def wait_unix(self, srv, path, timeout, kind=socket.SOCK_STREAM):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(path):
                s = socket.socket(socket.AF_UNIX, kind)
                s.settimeout(1)
                try:
                    s.connect(path)
                    return
                except OSError:
                    pass
                finally:
                    s.close()
            self._check_alive(srv)
            time.sleep(0.05)
        raise StartError("%s: no listener on %s after %ss" % (srv.name, path, timeout))

    def wait_tcp(self, srv, port, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                pass
            self._check_alive(srv)
            time.sleep(0.05)
        raise StartError("%s: nothing listening on 127.0.0.1:%d after %ss" % (srv.name, port, timeout))

    def _check_alive(self, srv):
        if not srv.alive():
            raise StartError("%s exited (status %s): %s" % (srv.name, srv.popen.returncode,
                                                           srv.log_tail()))

    # ---------------------------------------------------------------- stop
    def stop(self, srv):
        """Stop one server and everything it started. True if all is gone."""
        snap = procs.snapshot()
        family = []
        for pid, _ in procs.tree(srv.pid, snap):
            family.append((pid, snap[pid].start))
        if srv.alive():
            try:
                os.kill(srv.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        gone = _wait_gone(srv, family, self.stop_timeout)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if gone:
                break
            for ident in family:
                if procs.same_process(ident):
                    try:
                        os.kill(ident[0], sig)
                    except ProcessLookupError:
                        pass
            gone = _wait_gone(srv, family, 3.0)
        try:
            srv.popen.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        if srv.reader is not None:
            srv.reader.join(timeout=2)
        if srv in self.servers:
            self.servers.remove(srv)
        return gone

    def stop_all(self):
        ok = True
        for srv in reversed(list(self.servers)):
            ok = self.stop(srv) and ok
        return ok

    # ---------------------------------------------------------------- helpers
    def helper(self, argv, **kw):
        """A short-lived tool (wrk, strace); stopped by kill_helpers()."""
        kw.setdefault("env", self.env())
        popen = subprocess.Popen(argv, start_new_session=True, **kw)
        self.helpers.append(popen)
        return popen

    def finish_helper(self, popen, timeout):
        """Wait for a helper at most timeout seconds; kill it past that."""
        try:
            popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(timeout=5)
        if popen in self.helpers:
            self.helpers.remove(popen)
        return popen.returncode

    def kill_helpers(self):
        for popen in list(self.helpers):
            if popen.poll() is None:
                popen.send_signal(signal.SIGINT if popen.args and "strace" in str(popen.args[0])
                                  else signal.SIGTERM)
                try:
                    popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait(timeout=5)
            self.helpers.remove(popen)


def port_free(port):
    """No one listens on 127.0.0.1:port (TIME_WAIT leftovers are fine, as for
    the servers, which all set SO_REUSEADDR)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _pump(stream, logf, lines):
    try:
        for raw in iter(stream.readline, b""):
            now = time.monotonic()
            logf.write(raw)
            logf.flush()
            lines.append((now, raw.decode("utf-8", "replace").rstrip("\n")))
    finally:
        logf.close()


def _wait_gone(srv, family, timeout):
    deadline = time.monotonic() + timeout
    while True:
        srv.popen.poll()
        if not any(procs.same_process(ident) for ident in family):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _family_gone(family, timeout):
    deadline = time.monotonic() + timeout
    while any(procs.same_process(f) for f in family):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def cleanup(run_dir):
    """Stop what a killed run left behind: every process recorded in
    RUN/pids that still has the recorded start time, and its tree."""
    path = os.path.join(run_dir, "pids")
    try:
        with open(path) as fh:
            entries = [ln.split() for ln in fh if ln.strip()]
    except OSError as exc:
        print("cleanup: %s" % exc)
        return 1
    for pid_s, start_s, name in reversed(entries):
        ident = (int(pid_s), int(start_s))
        if not procs.same_process(ident):
            continue
        snap = procs.snapshot()
        family = [(pid, snap[pid].start) for pid, _ in procs.tree(ident[0], snap)]
        try:
            os.kill(ident[0], signal.SIGTERM)
        except ProcessLookupError:
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if _family_gone(family, 5.0):
                break
            for f in family:
                if procs.same_process(f):
                    try:
                        os.kill(f[0], sig)
                    except ProcessLookupError:
                        pass
        _family_gone(family, 3.0)
        print("cleanup: stopped %s (pid %d)" % (name, ident[0]))
    return 0
