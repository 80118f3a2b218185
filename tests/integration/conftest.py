"""Fixtures and helpers for the integration suite.

Everything here talks to real programs: the sandgate build under test
(SANDGATE_BUILD, default build/ of this checkout), nginx, Apache httpd, curl and
hg, all on 127.0.0.1 or Unix sockets in a per-test directory under /tmp
that the apps' users (nobody, sg-alice, sg-bob) can traverse.

Every wait is bounded; every process started here is stopped on teardown,
also when the test failed.
"""
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

BUILD_DIR = Path(os.environ.get("SANDGATE_BUILD",
                              Path(__file__).resolve().parents[2] / "build"))
SANDGATE = BUILD_DIR / "sandgate"
# Gateways started by the suites open no control socket unless a test asks
# for one (a `control` key, or its own SANDGATE_CONTROL): as root they
# would all reach for /run/sandgate/control.sock.
os.environ.setdefault("SANDGATE_CONTROL", "none")
APPS_SRC = Path(__file__).resolve().parent / "apps"
IS_ROOT = os.geteuid() == 0
READY_TIMEOUT = 20.0     # seconds a server gets to start answering
STOP_TIMEOUT = 30.0      # seconds a server gets to exit after SIGTERM
IO_TIMEOUT = 60.0        # seconds any single client exchange may take
SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")
TEST_USERS = ("sg-alice", "sg-bob")
WEB_USER = "www-data"    # the user nginx/Apache workers run as when we are root

needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (user switching)")


# ---------------------------------------------------------------- small tools

def wait_until(predicate, timeout=READY_TIMEOUT, interval=0.1):
    """Calls predicate until it returns a true value or timeout passes.
    Returns that value, or None."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_addr(text):
    """'unix:/p' -> ('unix', '/p'); 'H:P' or '[V6]:P' -> ('tcp', (H, P))."""
    if text.startswith("unix:"):
        return ("unix", text[len("unix:"):])
    host, _, port = text.rpartition(":")
    return ("tcp", (host.strip("[]"), int(port)))


def connect(addr, timeout=IO_TIMEOUT):
    """A connected socket to an address as parse_addr returns it (or its text)."""
    if isinstance(addr, str):
        addr = parse_addr(addr)
    kind, where = addr
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        family = socket.AF_INET6 if ":" in where[0] else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(where)
    except OSError:
        s.close()
        raise
    return s


def can_connect(addr):
    try:
        connect(addr, timeout=2).close()
        return True
    except OSError:
        return False


def recv_all(sock, limit=256 << 20):
    """Reads until EOF (or limit bytes). A reset counts as EOF."""
    chunks, total = [], 0
    while total < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def raw_exchange(addr, data, timeout=IO_TIMEOUT, shut_write=False):
    """Sends data, then reads everything until the peer closes.
    Returns the bytes received (b"" when closed without a response).
    Raises socket.timeout if the peer neither answers nor closes in time."""
    with connect(addr, timeout) as s:
        try:
            s.sendall(data)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the peer closed early; what it sent before is still readable
        return recv_all(s)


def uid_of(name):
    return pwd.getpwnam(name).pw_uid


def gid_of(name):
    return pwd.getpwnam(name).pw_gid


def as_user(name):
    """argv prefix that runs a command as user `name` (root only)."""
    return ["setpriv", "--reuid=" + name, "--regid=" + name, "--clear-groups"]


def sanitizer_reports(text):
    return [m for m in SANITIZER_MARKERS if m in text]


# ---------------------------------------------------------------- responses

class Response:
    """A parsed response: .status (int), .reason, .headers [(name, value)], .body."""

    def __init__(self, status, reason, headers, body, raw=b""):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw = raw

    def header(self, name, default=None):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %s %r, %d body bytes>" % (self.status, self.reason, len(self.body))


def split_head(raw):
    """(head lines, body) of a raw response; accepts CRLF or LF line ends."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            head, body = raw[:at], raw[at + len(sep):]
            return head.decode("latin-1").replace("\r\n", "\n").split("\n"), body
    return None, raw


def parse_cgi_response(raw):
    """Parses an SCGI (CGI-style) response; None when there is no complete head."""
    lines, body = split_head(raw)
    if lines is None:
        return None
    headers, status, reason = [], 200, "OK"
    for line in lines:
        name, _, value = line.partition(":")
        value = value.strip()
        if name.lower() == "status":
            code, _, reason = value.partition(" ")
            status = int(code)
        headers.append((name, value))
    return Response(status, reason, headers, body, raw)


def parse_http_response(raw):
    """Parses a raw HTTP/1.x response read to EOF; None without a head."""
    lines, body = split_head(raw)
    if not lines or not lines[0].startswith("HTTP/"):
        return None
    _, code, *reason = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return Response(int(code), reason[0] if reason else "", headers, body, raw)


# ---------------------------------------------------------------- SCGI client

def scgi_head(env, body=b""):
    """The netstring head of an SCGI request (S1/S2: CONTENT_LENGTH first, SCGI=1)."""
    pairs = [("CONTENT_LENGTH", str(len(body))), ("SCGI", "1")]
    pairs += [(k, v) for k, v in env.items() if k not in ("CONTENT_LENGTH", "SCGI")]
    block = b"".join(k.encode("latin-1") + b"\0" + v.encode("latin-1") + b"\0"
                     for k, v in pairs)
    return str(len(block)).encode() + b":" + block + b","


def scgi_env(path="/", method="GET", query="", headers=None, **extra):
    """A CGI environment like nginx's scgi_params would send for path."""
    env = {
        "REQUEST_METHOD": method,
        "REQUEST_URI": path + ("?" + query if query else ""),
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "localhost",
    }
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    env.update(extra)
    return env


def scgi_request(addr, path="/", method="GET", body=b"", query="", headers=None,
                 timeout=IO_TIMEOUT, **extra):
    """One SCGI request; returns a Response, or None if the connection closed
    without a complete response head."""
    env = scgi_env(path, method, query, headers, **extra)
    if body and "CONTENT_TYPE" not in env:
        env["CONTENT_TYPE"] = "application/octet-stream"
    raw = raw_exchange(addr, scgi_head(env, body) + body, timeout)
    return parse_cgi_response(raw)


# ---------------------------------------------------------------- HTTP client

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=IO_TIMEOUT):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = connect(("unix", self.unix_path), self.timeout)


def http_connection(target, timeout=IO_TIMEOUT):
    """target: 'http://127.0.0.1:PORT' or ('unix', '/path')."""
    if isinstance(target, tuple):
        return UnixHTTPConnection(target[1], timeout)
    host_port = target.split("://", 1)[1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    return http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)


def http_request(target, path="/", method="GET", body=None, headers=None,
                 timeout=IO_TIMEOUT, sink=None):
    """One HTTP request with http.client. With sink, body chunks go to
    sink(chunk) and Response.body stays empty (for big downloads)."""
    conn = http_connection(target, timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = b""
        if sink is None:
            data = resp.read()
        else:
            while True:
                chunk = resp.read(1 << 16)
                if not chunk:
                    break
                sink(chunk)
        return Response(resp.status, resp.reason, resp.getheaders(), data)
    finally:
        conn.close()


def curl(*args, timeout=IO_TIMEOUT):
    """Runs curl -sS with args; returns the CompletedProcess (bytes output)."""
    return subprocess.run(["curl", "-sS", "--max-time", str(int(timeout))] + list(args),
                          capture_output=True, timeout=timeout + 10)


# ---------------------------------------------------------------- directories

def make_traversable_dir(prefix):
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def copy_tree_readable(src, dst):
    """Copies src to dst with dirs 0755 and files 0644 (apps' users read them)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for root, dirs, files in os.walk(dst):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    return Path(dst)


@pytest.fixture
def workdir():
    """A fresh directory under /tmp, mode 0755, removed after the test
    (kept when SANDGATE_KEEP_TMP is set)."""
    path = make_traversable_dir("sg-it-")
    yield path
    if not os.environ.get("SANDGATE_KEEP_TMP"):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def apps(workdir):
    """A copy of tests/integration/apps in workdir/apps, readable by anyone."""
    return copy_tree_readable(APPS_SRC, workdir / "apps")


# ---------------------------------------------------------------- test users

def ensure_user(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", name],
                       check=True, capture_output=True, timeout=60)
        return pwd.getpwnam(name)


@pytest.fixture(scope="session")
def test_users():
    """sg-alice and sg-bob, created when missing (root only)."""
    if not IS_ROOT:
        pytest.skip("creating and switching to test users needs root")
    return {name: ensure_user(name) for name in TEST_USERS}


# ---------------------------------------------------------------- sandgate

def option_values(args, name):
    """Values of a repeatable --name option in an argv list."""
    values = []
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(name + "="):
            values.append(arg[len(name) + 1:])
    return values


class Sandgate:
    """A running `sandgate serve`. Listener addresses come from its --http
    and --scgi options (or from http=/scgi= when a config file names them).

    .url        'http://127.0.0.1:PORT' of the first TCP HTTP listener
    .http_sock  path of the first Unix HTTP listener
    .scgi       list of SCGI addresses (text); [0] is the app's own socket
    .sock       the first Unix socket path of any listener
    .prefix     the --prefix, or ""
    """

    def __init__(self, args, workdir, name, user=None, http=None, scgi=None, env=None):
        self.args = list(args)
        self.workdir = Path(workdir)
        self.name = name
        self.user = user
        self.http = list(http if http is not None else option_values(self.args, "--http"))
        self.scgi = list(scgi if scgi is not None else option_values(self.args, "--scgi"))
        if not self.http and not self.scgi and "-c" not in self.args:
            self.http = ["127.0.0.1:8080"]
        prefixes = option_values(self.args, "--prefix")
        self.prefix = prefixes[0] if prefixes else ""
        self.url = None
        self.http_sock = None
        for text in self.http:
            kind, where = parse_addr(text)
            if kind == "tcp" and self.url is None:
                host = "[%s]" % where[0] if ":" in where[0] else where[0]
                self.url = "http://%s:%d" % (host, where[1])
            elif kind == "unix" and self.http_sock is None:
                self.http_sock = where
        unix_paths = [parse_addr(a)[1] for a in self.http + self.scgi
                      if a.startswith("unix:")]
        self.sock = unix_paths[0] if unix_paths else None
        self.stderr_path = self.workdir / (name + ".stderr")
        self.stdout_path = self.workdir / (name + ".stdout")
        self.returncode = None
        argv = [str(SANDGATE)] + self.args
        if user:
            argv = as_user(user) + argv
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, cwd=str(self.workdir),
                                         env=env or dict(os.environ),
                                         start_new_session=True)

    # -- output
    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stdout_text(self):
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text, timeout=READY_TIMEOUT):
        """True once text shows up in stderr (bounded)."""
        return bool(wait_until(lambda: text in self.stderr_text(), timeout))

    # -- requests
    def probe_target(self):
        """(kind, address) used to ask whether the gateway serves the app."""
        for text in self.http:
            if not text.startswith("unix:"):
                return ("http", self.url)
        if self.http_sock:
            return ("http", ("unix", self.http_sock))
        if self.scgi:
            return ("scgi", self.scgi[0])
        return None

    def get(self, path="/", **kw):
        """A request through the first HTTP listener (TCP, else Unix) or,
        without one, the app's SCGI socket. path is below --prefix."""
        kind, target = self.probe_target()
        full = self.prefix + path
        if kind == "http":
            return http_request(target, full, **kw)
        return scgi_request(target, full, **kw)

    def probe(self, path="/"):
        """The status of one request, or None if it could not be had."""
        try:
            resp = self.get(path, timeout=5)
        except (OSError, http.client.HTTPException):
            return None
        return resp.status if resp else None

    def wait_ready(self, path="/", timeout=READY_TIMEOUT):
        """Retries a request until an answer other than 503 (True), the
        process exits, or timeout passes (False)."""
        def answered():
            if self.proc.poll() is not None:
                return "exited"
            status = self.probe(path)
            return "ready" if status not in (None, 503) else None
        return wait_until(answered, timeout, 0.2) == "ready"

    def wait_listening(self, timeout=READY_TIMEOUT):
        """True once any answer (503 included) comes back."""
        return bool(wait_until(
            lambda: self.proc.poll() is not None or self.probe() is not None,
            timeout, 0.2)) and self.proc.poll() is None

    # -- lifecycle
    def signal(self, signum):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, then wait; SIGKILL the process group if it hangs.
        Returns the exit status (negative: killed by that signal)."""
        if self.returncode is not None:
            return self.returncode
        self.signal(signal.SIGTERM)
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.returncode = "hung after SIGTERM"
        return self.returncode

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def check_clean_exit(self):
        """Problems with how this gateway ended (empty list = fine)."""
        problems = []
        rc = self.stop()
        if rc != 0:
            problems.append("%s exited with %r, not 0" % (self.name, rc))
        found = sanitizer_reports(self.stderr_text())
        if found:
            problems.append("%s stderr has sanitizer reports: %s" % (self.name, ", ".join(found)))
        return problems


@pytest.fixture
def sandgate(workdir):
    """Factory: sandgate(*args, user=None, ready=True, ready_path="/",
    http=None, scgi=None) starts `sandgate serve ARGS` (args after "serve")
    and, with ready, waits until it answers something other than 503.
    On teardown every instance gets SIGTERM, must exit 0, and must leave no
    sanitizer report in its stderr."""
    started = []

    def start(*args, user=None, ready=True, ready_path="/", http=None, scgi=None,
              command="serve"):
        name = "sandgate-%d" % (len(started) + 1)
        sg = Sandgate([command] + [str(a) for a in args], workdir, name, user=user,
                      http=http, scgi=scgi)
        started.append(sg)
        if ready and not sg.wait_ready(ready_path):
            pytest.fail("%s did not become ready within %gs (exit %r); stderr:\n%s"
                        % (name, READY_TIMEOUT, sg.proc.poll(), sg.stderr_text()[-4000:]))
        return sg

    yield start
    problems = []
    for sg in started:
        problems += sg.check_clean_exit()
    if problems:
        details = "\n".join("--- %s stderr:\n%s" % (sg.name, sg.stderr_text()[-4000:])
                            for sg in started)
        pytest.fail("\n".join(problems) + "\n" + details)


def run_sandgate(*args, timeout=READY_TIMEOUT, user=None, cwd=None):
    """Runs sandgate to completion (check, refused starts); CompletedProcess
    with text output. A run that outlives timeout is killed and fails."""
    argv = [str(SANDGATE)] + [str(a) for a in args]
    if user:
        argv = as_user(user) + argv
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
        pytest.fail("sandgate %s still running after %gs; stderr:\n%s"
                    % (" ".join(map(str, args)), timeout, err[-4000:]))
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


# ---------------------------------------------------------------- front ends

class ServerProcess:
    """A front-end server started in the foreground in its own directory."""

    def __init__(self, argv, directory, port, name):
        self.dir = Path(directory)
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.name = name
        with open(self.dir / "stderr.txt", "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err,
                                         stderr=err, cwd=str(self.dir),
                                         start_new_session=True)
        started = wait_until(lambda: self.proc.poll() is not None
                             or can_connect(("tcp", ("127.0.0.1", port))))
        if self.proc.poll() is not None or not started:
            self.stop()
            pytest.fail("%s did not start: %s\n%s" % (name, self.output(), self.error_log()))

    def output(self):
        return (self.dir / "stderr.txt").read_text(errors="replace")

    def error_log(self):
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def get(self, path, **kw):
        return http_request(self.url, path, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass


def web_server_group_args(*addrs):
    """sandgate options that let the front end's workers (www-data when we are
    root) connect to the Unix sockets among addrs, as an admin would:
    --socket-group www-data, the mode staying 0660. Nothing for TCP only,
    nor as a normal user (then the front end runs as us)."""
    if IS_ROOT and any(a.startswith("unix:") for a in addrs):
        return ["--socket-group", WEB_USER]
    return []


def server_dir(workdir, name):
    path = Path(workdir) / name
    path.mkdir()
    path.chmod(0o755)
    return path


NGINX_CONF = """\
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body_temp;
    scgi_temp_path {dir}/scgi_temp;
    proxy_temp_path {dir}/proxy_temp;
    fastcgi_temp_path {dir}/fastcgi_temp;
    uwsgi_temp_path {dir}/uwsgi_temp;
    client_max_body_size 64m;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{locations}
    }}
}}
"""


def nginx_scgi_location(location, addr, extra=""):
    """A location block passing `location` to sandgate at addr (text address:
    'unix:/p' or '127.0.0.1:PORT', the same spelling scgi_pass takes)."""
    return ("        location %s {\n"
            "            include /etc/nginx/scgi_params;\n"
            "            scgi_pass %s;\n"
            "%s"
            "        }\n" % (location, addr, extra))


@pytest.fixture
def nginx(workdir):
    """Factory: nginx(locations) starts nginx on a free loopback port with the
    given `location` blocks (see nginx_scgi_location). Stopped on teardown."""
    servers = []

    def start(locations):
        directory = server_dir(workdir, "nginx-%d" % (len(servers) + 1))
        port = free_port()
        conf = NGINX_CONF.format(user="user %s;" % WEB_USER if IS_ROOT else "",
                                 dir=directory, port=port, locations=locations)
        (directory / "nginx.conf").write_text(conf)
        argv = ["nginx", "-p", str(directory), "-e", str(directory / "error.log"),
                "-c", str(directory / "nginx.conf"), "-g", "daemon off;"]
        server = ServerProcess(argv, directory, port, "nginx")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


APACHE_MODULE_DIR = "/usr/lib/apache2/modules"
APACHE_MODULES = ["mpm_event", "authz_core", "proxy", "proxy_scgi", "mime",
                  "log_config", "unixd", "alias", "setenvif"]

APACHE_CONF = """\
ServerRoot "{dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{dir}/httpd.pid"
DefaultRuntimeDir "{dir}/run"
Mutex file:{dir}/run default
ErrorLog "{dir}/error.log"
LogLevel info
{modules}
{user}
TypesConfig /etc/mime.types
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog "{dir}/access.log" common
Timeout 60
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
DocumentRoot "{dir}/htdocs"
<Directory />
    Require all denied
</Directory>
{proxy}
"""


def apache_builtin_modules():
    out = subprocess.run(["apache2", "-l"], capture_output=True, text=True, timeout=30).stdout
    return {line.strip()[len("mod_"):-len(".c")] for line in out.splitlines()
            if line.strip().startswith("mod_")}


def apache_load_lines(extra=()):
    builtin = apache_builtin_modules()
    lines = []
    for name in APACHE_MODULES + list(extra):
        if name in builtin:
            continue
        lines.append('LoadModule %s_module "%s/mod_%s.so"' % (name, APACHE_MODULE_DIR, name))
    return "\n".join(lines)


def apache_scgi_proxy(location, addr):
    """ProxyPass of location to sandgate at addr ('unix:/p' or 'H:P'),
    as mod_proxy_scgi spells it (A1)."""
    if addr.startswith("unix:"):
        backend = "%s|scgi://localhost/" % addr
    else:
        backend = "scgi://%s/" % addr
    return ('ProxyPass "%s" "%s"\n<Location "%s">\n    Require all granted\n</Location>\n'
            % (location, backend, location))


@pytest.fixture
def apache(workdir):
    """Factory: apache(proxy_conf, modules=()) starts Apache httpd (event MPM,
    mod_proxy_scgi, and the extra modules named: "cgid", "actions"...) on a
    free loopback port with proxy_conf (see apache_scgi_proxy) in its
    config. Stopped on teardown."""
    servers = []

    def start(proxy_conf, modules=()):
        directory = server_dir(workdir, "apache-%d" % (len(servers) + 1))
        (directory / "run").mkdir()
        (directory / "htdocs").mkdir()
        port = free_port()
        user = "User %s\nGroup %s" % (WEB_USER, WEB_USER) if IS_ROOT else ""
        conf = APACHE_CONF.format(dir=directory, port=port, modules=apache_load_lines(modules),
                                  user=user, proxy=proxy_conf)
        (directory / "httpd.conf").write_text(conf)
        argv = ["apache2", "-DFOREGROUND", "-d", str(directory),
                "-f", str(directory / "httpd.conf")]
        server = ServerProcess(argv, directory, port, "apache2")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
