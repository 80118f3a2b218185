"""Runs build/sandgate-worker by hand, as the gateway would, so the worker
can be tested before (and without) the gateway: no namespaces, the current
user, the descriptors of gateway/cellproto.h set up here.

    fd 0  /dev/null            fd 4  dispatch socketpair (SOCK_SEQPACKET)
    fd 1  the app log          fd 5  memfd scoreboard
    fd 2  the app log          fd 6  AF_UNIX SCGI listening socket
    fd 3  control socketpair   fd 7  access log

The struct formats below mirror gateway/cellproto.h byte for byte
(little-endian x86-64/arm64 layout, natural alignment).
"""
import array
import fcntl
import hashlib
import mmap
import os
import select
import signal
import socket
import struct
import threading
import time
from pathlib import Path

BUILD_DIR = Path(os.environ.get("SANDGATE_BUILD", Path(__file__).resolve().parents[2] / "build"))
WORKER = BUILD_DIR / "sandgate-worker"
APPS = Path(__file__).resolve().parent / "apps"
IO_TIMEOUT = 30.0

# struct sg_ctl_msg: type, slot, pid, status, request_id, response_started, reserved
CTL = struct.Struct("<IiiiQII")
# struct sg_dispatch: magic, proto, request_id, env_len, body_len,
# queue_deadline_ms (0: none)
DISPATCH = struct.Struct("<IIQIIQ")
# struct sg_done: request_id, status, exit_status (CGI: wait status, -1: none ran)
DONE = struct.Struct("<QIi")
# struct sg_cgi_script: magic, flags, dev, ino, path_len, reserved; then the path
CGI_SCRIPT = struct.Struct("<IIQQII")
# struct sg_scoreboard head: magic, nslots; then struct sg_slot[nslots]:
# state, response_started, pid, (4 bytes padding), request_id, started_ms,
# requests, served, request[96]
BOARD = struct.Struct("<II")
SLOT = struct.Struct("<IIi4xQQQQ96s")
assert CTL.size == 32 and DISPATCH.size == 32 and DONE.size == 16 and SLOT.size == 144
assert CGI_SCRIPT.size == 32

CTL_READY, CTL_IMPORT_FAILED, CTL_WORKER_EXIT = 1, 2, 3
CTL_TIMEOUT, CTL_DRAIN = 10, 11
PROTO_SCGI, PROTO_HTTP, PROTO_CGI_LAUNCH, PROTO_CGI_SCGI = 1, 2, 3, 4
CGI_SCRIPT_MAGIC = 0x53474353
CGI_NPH = 1
DISPATCH_MAGIC = 0x53474431
SCOREBOARD_MAGIC = 0x53475342
SLOT_EMPTY, SLOT_IDLE, SLOT_BUSY = 0, 1, 2
FD_CTL, FD_DISPATCH, FD_SCOREBOARD, FD_LISTEN, FD_ACCESS = 3, 4, 5, 6, 7

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")


def _b(text):
    return text if isinstance(text, bytes) else str(text).encode("latin-1")


def env_block(pairs):
    """[(name, value)] -> b"NAME\\0VALUE\\0..." (str values are latin-1)."""
    return b"".join(_b(n) + b"\0" + _b(v) + b"\0" for n, v in pairs)


def base_env(uri="/", method="GET", body_len=0, extra=()):
    """A request environment like nginx's scgi_params: CONTENT_LENGTH first
    and SCGI=1 second (S2), then the usual variables; `extra` pairs are
    added or replace those of the same name (values may be bytes)."""
    query = uri.partition("?")[2]
    env = {"CONTENT_LENGTH": str(body_len), "SCGI": "1", "REQUEST_METHOD": method,
           "REQUEST_URI": uri, "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
           "SERVER_NAME": "example.test", "SERVER_PORT": "8080",
           "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
           "HTTP_HOST": "example.test:8080"}
    for name, value in extra:
        env[name.decode("latin-1") if isinstance(name, bytes) else name] = value
    return list(env.items())


def scgi_request(pairs, body=b""):
    """The SCGI bytes of a request: netstring(env block) + body."""
    block = env_block(pairs)
    return str(len(block)).encode() + b":" + block + b"," + body


class Response:
    """A parsed CGI-style (Status:) or HTTP/1.1 response."""

    def __init__(self, raw):
        self.raw = raw
        head, sep, self.body = raw.partition(b"\r\n\r\n")
        self.complete_head = bool(sep)
        lines = head.split(b"\r\n") if raw else []
        self.status = 0
        self.reason = ""
        self.headers = []
        if lines and lines[0].startswith(b"HTTP/1."):
            self.status_line = lines.pop(0).decode("latin-1")
            _, code, self.reason = (self.status_line.split(" ", 2) + [""])[:3]
            self.status = int(code)
        for line in lines:
            name, _, value = line.decode("latin-1").partition(":")
            self.headers.append((name, value.strip()))
            if name.lower() == "status":
                code, _, self.reason = value.strip().partition(" ")
                self.status = int(code)

    def header(self, name, default=None):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return default

    def header_names(self):
        return [n.lower() for n, _ in self.headers]

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.raw[:300])


def read_all(sock, timeout=IO_TIMEOUT):
    """Reads until EOF; gives up after timeout seconds in total."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no EOF within %.0f s; got %r" % (timeout, b"".join(chunks)[:200]))
        sock.settimeout(left)
        try:
            data = sock.recv(1 << 20)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def send_in_background(sock, data):
    """Sends data from a thread (the worker may answer before reading it
    all); ignores a peer that stops reading."""
    def run():
        try:
            sock.sendall(data)
        except OSError:
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


class Worker:
    """One sandgate-worker process with its descriptors.

    app: a file in tests/integration/apps or any path/module SPEC; None
    with cgi=True (sandgate-worker --cgi, routed requests only).
    args: extra command-line arguments (["--max-requests", "3"], ...)."""

    def __init__(self, tmp_path, app, processes=2, args=(), listen=True, access_log=True,
                 nslots=None, wait=True, cgi=False, seccomp=None):
        self.dir = Path(tmp_path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cgi = cgi
        if cgi:
            listen = False
        elif "/" not in app and app.endswith(".py"):
            app = str(APPS / app)
        self.app = app
        self.processes = processes
        self.nslots = nslots if nslots is not None else processes
        self.log_path = self.dir / "app.log"
        self.access_path = self.dir / "access.log"
        self.sock_path = str(self.dir / "app.sock")
        self.listen = listen
        self.ctl_backlog = []
        self.seccomp = seccomp  # bytes of a compiled program (fd 8), loaded with --seccomp-log
        self._start(list(args), listen, access_log)
        if wait:
            msg = self.wait_ready()
            assert msg["type"] == CTL_READY, "worker did not start:\n" + self.log()

    # ------------------------------------------------------------ startup
    def _start(self, args, listen, access_log):
        self.ctl, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.disp, disp_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        size = BOARD.size + self.nslots * SLOT.size
        self.board_fd = os.memfd_create("sandgate-scoreboard")
        os.ftruncate(self.board_fd, size)
        self.board = mmap.mmap(self.board_fd, size)
        BOARD.pack_into(self.board, 0, SCOREBOARD_MAGIC, self.nslots)

        log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        fds = {0: null_fd, 1: log_fd, 2: log_fd, FD_CTL: ctl_child.fileno(),
               FD_DISPATCH: disp_child.fileno(), FD_SCOREBOARD: self.board_fd}
        argv = [str(WORKER), "--name", "t"] + (["--cgi"] if self.cgi else ["--app", self.app])
        argv += ["--processes", str(self.processes)]
        self.listener = None
        if listen:
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.sock_path)
            self.listener.listen(128)
            fds[FD_LISTEN] = self.listener.fileno()
            argv.append("--listen-fd")
        access_fd = None
        if access_log:
            access_fd = os.open(self.access_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            fds[FD_ACCESS] = access_fd
            argv.append("--access-log")
        seccomp_fd = None
        if self.seccomp is not None:
            seccomp_fd = os.memfd_create("sandgate-seccomp", os.MFD_ALLOW_SEALING)
            os.write(seccomp_fd, self.seccomp)
            fcntl.fcntl(seccomp_fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK
                        | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
            fds[8] = seccomp_fd
            argv += ["--seccomp", "--seccomp-log"]
        argv += args

        # Move every source out of the way first, so that no dup2 below
        # overwrites a source that is still needed.
        high = {target: os.dup2(src, 100 + target, inheritable=False) for target, src in fds.items()}
        actions = [(os.POSIX_SPAWN_DUP2, h, target) for target, h in high.items()]
        try:
            self.pid = os.posix_spawn(str(WORKER), argv, self._environment(), file_actions=actions)
        finally:
            for h in high.values():
                os.close(h)
            for fd in (log_fd, null_fd, access_fd, seccomp_fd):
                if fd is not None:
                    os.close(fd)
            ctl_child.close()
            disp_child.close()
        self.returncode = None

    @staticmethod
    def _environment():
        """Empty, as in a cell, except the sanitizer options. LeakSanitizer
        would report the embedded interpreter's own allocations."""
        env = {k: os.environ[k] for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS") if k in os.environ}
        asan = env.get("ASAN_OPTIONS", "")
        if "detect_leaks" not in asan:
            env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "detect_leaks=0"
        return env

    def wait_ready(self, timeout=IO_TIMEOUT):
        """The first READY or IMPORT_FAILED message."""
        return self.recv_ctl(timeout, types=(CTL_READY, CTL_IMPORT_FAILED))

    # ------------------------------------------------------------ control
    def recv_ctl(self, timeout=IO_TIMEOUT, types=None):
        """Next control message (optionally of one of `types`) as a dict."""
        deadline = time.monotonic() + timeout
        while True:
            for i, msg in enumerate(self.ctl_backlog):
                if types is None or msg["type"] in types:
                    return self.ctl_backlog.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no control message %s within %.0f s" % (types, timeout))
            ready, _, _ = select.select([self.ctl], [], [], left)
            if not ready:
                continue
            data = self.ctl.recv(256)
            if not data:
                raise EOFError("control socket closed")
            assert len(data) == CTL.size, data
            t, slot, pid, status, rid, started, _ = CTL.unpack(data)
            self.ctl_backlog.append(dict(type=t, slot=slot, pid=pid, status=status,
                                         request_id=rid, response_started=started))

    def send_ctl(self, type_, slot=-1, pid=0):
        self.ctl.send(CTL.pack(type_, slot, pid, 0, 0, 0, 0))

    # ------------------------------------------------------------ scoreboard
    def slot(self, i):
        state, started, pid, rid, started_ms, requests, served, request = SLOT.unpack_from(
            self.board, BOARD.size + i * SLOT.size)
        return dict(state=state, response_started=started, pid=pid, request_id=rid,
                    started_ms=started_ms, requests=requests, served=served,
                    request=request.split(b"\0", 1)[0].decode("latin-1"))

    def slots(self):
        return [self.slot(i) for i in range(min(self.processes, self.nslots))]

    def worker_pids(self):
        return sorted(s["pid"] for s in self.slots() if s["pid"])

    def wait_slots(self, predicate, timeout=IO_TIMEOUT):
        """Waits until predicate(list of slots) is true; returns the slots."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            slots = self.slots()
            if predicate(slots):
                return slots
            time.sleep(0.02)
        raise TimeoutError("scoreboard never matched: %r" % (self.slots(),))

    def wait_all_idle(self, timeout=IO_TIMEOUT):
        return self.wait_slots(lambda ss: all(s["state"] == SLOT_IDLE and s["pid"] for s in ss),
                               timeout)

    # ------------------------------------------------------------ requests
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(IO_TIMEOUT)
        s.connect(self.sock_path)
        return s

    def send_raw(self, data, timeout=IO_TIMEOUT):
        """Raw bytes on the app's own socket (direct path); the reply bytes."""
        with self.connect() as s:
            sender = send_in_background(s, data)
            try:
                return read_all(s, timeout)
            finally:
                sender.join(timeout)

    def send_scgi(self, env, body=b"", timeout=IO_TIMEOUT):
        """A request on the direct path. env: pairs, or a URI for base_env."""
        if isinstance(env, str):
            env = base_env(env, body_len=len(body))
        return Response(self.send_raw(scgi_request(env, body), timeout))

    def open_dispatch(self, env, prefix=b"", proto=PROTO_SCGI, request_id=1, header=None,
                      fds=None):
        """Sends a routed request: struct sg_dispatch + env block + prefix
        (body bytes "already read by the gateway") over fd 4, with the
        other end of a new socketpair as the client descriptor (or `fds`).
        Returns our end of the client socket."""
        if isinstance(env, str):
            env = base_env(env, body_len=len(prefix))
        block = env_block(env)
        client, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(IO_TIMEOUT)
        head = header if header is not None else DISPATCH.pack(
            DISPATCH_MAGIC, proto, request_id, len(block), len(prefix), 0)
        pass_fds = [server_end.fileno()] if fds is None else fds
        self.disp.sendmsg([head + block + prefix],
                          [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", pass_fds))])
        server_end.close()
        return client

    def dispatch(self, env, body=b"", proto=PROTO_SCGI, request_id=1, prefix_len=None,
                 timeout=IO_TIMEOUT):
        """A routed request; the first prefix_len body bytes (all, at most
        16 KiB, by default) ride in the dispatch message, the rest goes on
        the client socket. Returns (Response, done dict or None)."""
        if isinstance(env, str):
            env = base_env(env, body_len=len(body))
        cut = min(len(body) if prefix_len is None else prefix_len, 16384)
        client = self.open_dispatch(env, body[:cut], proto, request_id)
        with client:
            sender = send_in_background(client, body[cut:])
            raw = read_all(client, timeout)
            sender.join(timeout)
        return Response(raw), self.recv_done(timeout)

    def recv_done(self, timeout=IO_TIMEOUT, with_exit=False):
        """The next done note: request_id and status (and with_exit, the
        CGI script's exit_status)."""
        ready, _, _ = select.select([self.disp], [], [], timeout)
        if not ready:
            return None
        data = self.disp.recv(64)
        rid, status, exit_status = DONE.unpack(data)
        done = dict(request_id=rid, status=status)
        if with_exit:
            done["exit_status"] = exit_status
        return done

    # ------------------------------------------------------------ CGI
    def send_cgi(self, env, script, fds, proto, request_id=1, nph=False, dev_ino=None):
        """A CGI dispatch message (cellproto.h): struct sg_dispatch + env
        block + struct sg_cgi_script + the script's path, with `fds` as
        SCM_RIGHTS. dev_ino: (dev, ino) to claim instead of the file's."""
        block = env_block(env)
        path = _b(script)
        if dev_ino is None:
            st = os.stat(path)
            dev_ino = (st.st_dev, st.st_ino)
        head = DISPATCH.pack(DISPATCH_MAGIC, proto, request_id, len(block), 0, 0)
        tail = CGI_SCRIPT.pack(CGI_SCRIPT_MAGIC, CGI_NPH if nph else 0, dev_ino[0], dev_ino[1],
                               len(path), 0) + path
        self.disp.sendmsg([head + block + tail],
                          [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])

    def cgi_scgi(self, env, script, body=b"", request_id=1, timeout=IO_TIMEOUT, **kwargs):
        """SG_PROTO_CGI_SCGI: the client socket is one end of a socketpair.
        Returns (Response, done dict)."""
        client, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with client:
            self.send_cgi(env, script, [server_end.fileno()], PROTO_CGI_SCGI, request_id,
                          **kwargs)
            server_end.close()
            sender = send_in_background(client, body)
            raw = read_all(client, timeout)
            sender.join(timeout)
        return Response(raw), self.recv_done(timeout, with_exit=True)

    def cgi_launch(self, env, script, request_id=1, **kwargs):
        """SG_PROTO_CGI_LAUNCH as sandgate-cgi under Apache's mod_cgid sends
        it: fd 0 and fd 1 one Unix socket (two descriptors of one file
        description), fd 2 a pipe. Returns (web server's socket end, the
        read end of the stderr pipe); the driver's copies of the launcher's
        descriptors are closed, as the launcher closes its own."""
        web, launcher = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        err_r, err_w = os.pipe()
        dup = os.dup(launcher.fileno())
        try:
            self.send_cgi(env, script, [launcher.fileno(), dup, err_w], PROTO_CGI_LAUNCH,
                          request_id, **kwargs)
        finally:
            launcher.close()
            os.close(dup)
            os.close(err_w)
        web.settimeout(IO_TIMEOUT)
        return web, err_r

    # ------------------------------------------------------------ logs
    def log(self):
        try:
            return self.log_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def access_log(self):
        try:
            return self.access_path.read_text("latin-1")
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=IO_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.05)
        raise AssertionError("%r not in the app log:\n%s" % (text, self.log()))

    def sanitizer_reports(self):
        return [m for m in SANITIZER_MARKERS if m in self.log()]

    # ------------------------------------------------------------ process
    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait_exit(self, timeout=IO_TIMEOUT):
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the zygote did not exit")
            time.sleep(0.02)
        return self.returncode

    def stop(self):
        """Drains (SG_CTL_DRAIN), then kills whatever is left."""
        pids = self.worker_pids()
        if self.poll() is None and self.ctl is None:
            os.kill(self.pid, signal.SIGKILL)
            self.wait_exit(5)
        if self.poll() is None:
            try:
                self.send_ctl(CTL_DRAIN)
                self.wait_exit(15)
            except (OSError, TimeoutError):
                os.kill(self.pid, signal.SIGKILL)
                self.wait_exit(5)
        for pid in pids:  # never leave workers behind, whatever happened
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for thing in (self.ctl, self.disp, self.listener):
            if thing is not None:
                thing.close()
        self.board.close()
        os.close(self.board_fd)


def sha256(data):
    return hashlib.sha256(data).hexdigest()
