"""Fixtures of the CGI tests (issue 6, README "Replacing suEXEC").

- cgi_homes: sg-alice's and sg-bob's homes with public_html/cgi-bin/ holding
  the scripts below (dirs 0755, scripts 0755, owned by the user, as
  suEXEC's checks want), rebuilt for every test and removed after it.
- vcs_repos: a Mercurial repository ~/repos/hg and a bare git repository
  ~/repos/git.git per user, and each user's self-service file asking for
  `cgi = { writable = [ "repos" ]; }`.
- cgi_site: a gateway (system mode) with the launcher listener, an SCGI
  listener with cgi = true and the `cgi` group; Apache (mod_cgid) running
  build/sandgate-cgi per examples/apache-cgi.conf; nginx reaching the same
  scripts over SCGI per examples/nginx-cgi.conf. The examples are the
  configuration, with only their paths replaced, so README and tests
  cannot drift.

Importable from tests/integration (its conftest is `conftest`) and from
tests/escape (whose conftest loads it as `integration_conftest`).
"""
import contextlib
import fcntl
import os
import pwd
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

try:
    import integration_conftest as ic   # under tests/escape
except ImportError:
    import conftest as ic               # under tests/integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAUNCHER = ic.BUILD_DIR / "sandgate-cgi"
USER_FILE = ".config/sandgate/apps.conf"
CGI_BIN = "public_html/cgi-bin"
APACHE_MODULES = ["cgid", "actions", "userdir", "env"]
HOST_TIMEOUT = 20.0      # bounded waits for processes to go

# ---------------------------------------------------------------- the scripts

ENV_PY = r'''#!/usr/bin/python3
"""Answers who ran it and what it saw, as JSON."""
import builtins
import hashlib
import json
import os
import sys

body = sys.stdin.buffer.read()
info = {
    "uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(),
    "groups": os.getgroups(), "cwd": os.getcwd(), "argv": sys.argv,
    "file": __file__, "name": __name__, "path0": sys.path[0],
    "seen_before": getattr(builtins, "_sg_cgi_seen", False),
    "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest(),
    "env": dict(os.environ),
}
builtins._sg_cgi_seen = True     # a fresh fork per request never sees this
sys.stdout.write("Content-Type: application/json\r\n\r\n")
sys.stdout.write(json.dumps(info))
'''

HELLO_PY = r'''#!/usr/bin/python3
import os
import sys

sys.stdout.write("Content-Type: text/plain\r\n\r\nHello from uid %d\n" % os.getuid())
'''

ENV_PL = r'''#!/usr/bin/perl
use strict;
use warnings;
my $body = "";
while (read(STDIN, my $chunk, 65536)) { $body .= $chunk; }
print "Content-Type: text/plain\r\n\r\n";
print "lang=perl\n";
print "uid=$<\n";
print "euid=$>\n";
print "body_len=" . length($body) . "\n";
for my $k (sort keys %ENV) { print "env:$k=$ENV{$k}\n"; }
'''

ENV_SH = r'''#!/bin/sh
body_len=$(cat | wc -c)
printf 'Content-Type: text/plain\r\n\r\n'
echo "lang=sh"
echo "uid=$(id -u)"
echo "body_len=$body_len"
env | sed 's/^/env:/'
'''

NPH_SH = r'''#!/bin/sh
printf 'HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nX-Nph: yes\r\n\r\n'
echo "nph uid=$(id -u)"
'''

REDIRECT_SH = r'''#!/bin/sh
case "$QUERY_STRING" in
  local) printf 'Location: %s/hello.py\r\n\r\n' "${SCRIPT_NAME%/*}" ;;
  status) printf 'Status: 418 I am a teapot\r\nContent-Type: text/plain\r\n\r\nteapot\n' ;;
  *) printf 'Location: http://example.com/elsewhere\r\n\r\n' ;;
esac
'''

# Writes 1 MiB before it reads anything, then reads a body to EOF and says
# what it got: a pump that waits for one direction before the other, or a
# front end that sends the whole body before reading, would deadlock.
BIGIO_PL = r'''#!/usr/bin/perl
use strict;
use warnings;
use Digest::SHA;
$| = 1;
binmode STDIN; binmode STDOUT;
print "Content-Type: application/octet-stream\r\n\r\n";
print "x" x (1 << 20);
my $sha = Digest::SHA->new(256);
my $n = 0;
while (my $got = read(STDIN, my $chunk, 65536)) { $sha->add($chunk); $n += $got; }
print "\nread=$n sha256=" . $sha->hexdigest . "\n";
'''

BIGIO_PY = r'''#!/usr/bin/python3
import hashlib
import sys

out = sys.stdout.buffer
out.write(b"Content-Type: application/octet-stream\r\n\r\n")
out.write(b"x" * (1 << 20))
out.flush()
sha, n = hashlib.sha256(), 0
while True:
    chunk = sys.stdin.buffer.read(65536)
    if not chunk:
        break
    sha.update(chunk)
    n += len(chunk)
out.write(b"\nread=%d sha256=%s\n" % (n, sha.hexdigest().encode()))
'''

# Hangs with three children; every one renamed sg-cgi-MARKER so the test
# can find them on the host. QUERY_STRING is the marker; one starting
# with "q" sends nothing first (the answer is then the timeout's 504).
HANG_PL = r'''#!/usr/bin/perl
use strict;
use warnings;
$| = 1;
my $m = $ENV{QUERY_STRING} // "none";
print "Content-Type: text/plain\r\n\r\nhanging\n" unless $m =~ /^q/;
for (1 .. 3) {
    my $pid = fork();
    if (defined $pid && $pid == 0) { $0 = "sg-cgi-$m"; sleep 3600; exit 0; }
}
$0 = "sg-cgi-$m";
sleep 3600;
'''

# Answers at once and leaves a child behind that keeps stdout open;
# QUERY_STRING MARKER or MARKER-setsid (the child leaves the group too).
BACKGROUND_PL = r'''#!/usr/bin/perl
use strict;
use warnings;
use POSIX qw(setsid);
$| = 1;
my $q = $ENV{QUERY_STRING} // "none";
my $pid = fork();
if (defined $pid && $pid == 0) {
    setsid() if $q =~ /-setsid$/;
    $0 = "sg-cgi-$q";
    sleep 3600;
    exit 0;
}
print "Content-Type: text/plain\r\n\r\nleft a child\n";
exit 0;
'''

STDERR_SH = r'''#!/bin/sh
echo "stderr of $QUERY_STRING" >&2
printf 'Content-Type: text/plain\r\n\r\nsaid %s\n' "$QUERY_STRING"
'''

# Output that is no CGI response head (C7): a line without a colon.
BADHEAD_SH = r'''#!/bin/sh
printf 'this is not a header\r\n\r\nbody\n'
'''

EXITS_SH = r'''#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\nexiting %s\n' "$QUERY_STRING"
exit "${QUERY_STRING:-0}"
'''

HGWEB_CGI = r'''#!/usr/bin/python3
# Mercurial's examples/hgweb.cgi, serving ~/repos/hg.
config = b"%(home)s/repos/hg"

from mercurial import demandimport

demandimport.enable()
from mercurial.hgweb import hgweb, wsgicgi

application = hgweb(config)
wsgicgi.launch(application)
'''

GIT_CGI = r'''#!/bin/sh
# git's smart HTTP for every repository in ~/repos (git-http-backend(1)).
export GIT_PROJECT_ROOT=%(home)s/repos
export GIT_HTTP_EXPORT_ALL=1
exec /usr/lib/git-core/git-http-backend
'''

SCRIPTS = {
    "env.py": ENV_PY, "hello.py": HELLO_PY, "env.pl": ENV_PL, "env.sh": ENV_SH,
    "nph-hello.cgi": NPH_SH, "redirect.sh": REDIRECT_SH, "bigio.pl": BIGIO_PL,
    "bigio.py": BIGIO_PY, "hang.pl": HANG_PL, "background.pl": BACKGROUND_PL,
    "exits.sh": EXITS_SH, "stderr.sh": STDERR_SH, "badhead.sh": BADHEAD_SH,
    "hgweb.cgi": HGWEB_CGI, "git.cgi": GIT_CGI,
}


# ---------------------------------------------------------------- homes

def chown_to(path, user, group=None):
    pw = pwd.getpwnam(user)
    gid = pwd.getpwnam(group).pw_gid if group else pw.pw_gid
    os.chown(path, pw.pw_uid, gid, follow_symlinks=False)


def home_of(user):
    return Path(pwd.getpwnam(user).pw_dir)


def cgi_bin(user):
    return home_of(user) / CGI_BIN


def put_script(user, name, text, mode=0o755, directory=None):
    """Writes a script into the user's cgi-bin (or directory), owned by
    the user, with mode."""
    path = (directory or cgi_bin(user)) / name
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_text(text % {"home": home_of(user), "user": user} if "%(" in text else text)
    chown_to(path, user)
    path.chmod(mode)
    return path


def make_dir(path, user, mode=0o755):
    path.mkdir(exist_ok=True)
    chown_to(path, user)
    path.chmod(mode)
    return path


def remove_cgi_tree(user):
    home = home_of(user)
    for sub in ("public_html", "repos"):
        shutil.rmtree(home / sub, ignore_errors=True)
    f = home / USER_FILE
    if f.is_symlink() or f.exists():
        f.unlink()


HOMES_LOCK = "/tmp/sandgate-cgi-homes.lock"
HOMES_LOCK_WAIT = 900.0  # seconds another run of these tests may hold the homes


@contextlib.contextmanager
def homes_lock():
    """The test users' homes are shared by every run of these tests on the
    machine (worktrees too): one test at a time holds them."""
    with open(HOMES_LOCK, "a") as f:
        if not ic.wait_until(lambda: _try_lock(f), HOMES_LOCK_WAIT, 0.2):
            pytest.fail("%s held by another run for %gs" % (HOMES_LOCK, HOMES_LOCK_WAIT))
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _try_lock(f):
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@pytest.fixture
def cgi_homes(test_users):
    """{user: home} for sg-alice and sg-bob, each with public_html/cgi-bin/
    holding SCRIPTS; removed after the test."""
    with homes_lock():
        yield from _cgi_homes(test_users)


def _cgi_homes(test_users):
    homes = {}
    for user in test_users:
        home = home_of(user)
        if not home.exists():
            make_dir(home, user)
        remove_cgi_tree(user)
        make_dir(home / "public_html", user)
        make_dir(home / CGI_BIN, user)
        for name, text in SCRIPTS.items():
            put_script(user, name, text)
        homes[user] = home
    yield homes
    if not os.environ.get("SANDGATE_KEEP_TMP"):
        for user in homes:
            remove_cgi_tree(user)


def git(*args, cwd=None, user=None, env=None):
    argv = ["git"] + list(args)
    if user:
        argv = ic.as_user(user) + argv
    full = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1",
                HOME=str(cwd or "/tmp"), **(env or {}))
    return subprocess.run(argv, cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=120)


def hg(*args, cwd=None, user=None):
    argv = ["hg", "--config", "ui.username=sandgate-test"] + list(args)
    if user:
        argv = ic.as_user(user) + argv
    env = dict(os.environ, HGRCPATH="", HGPLAIN="1", HGUSER="sandgate-test")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def write_user_file(user, text):
    """The user's self-service file (~/.config/sandgate/apps.conf)."""
    home = home_of(user)
    for d in (home / ".config", home / ".config/sandgate"):
        if not d.exists():
            make_dir(d, user)
    path = home / USER_FILE
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_text(text)
    chown_to(path, user)
    path.chmod(0o644)
    return path


USER_CGI_FILE = 'cgi = { writable = [ "repos" ]; };\n'


@pytest.fixture
def vcs_repos(cgi_homes):
    """Per user: ~/repos/hg (one changeset, [web] push_ssl = false,
    allow-push = *) and ~/repos/git.git (bare, one commit,
    http.receivepack = true), all owned by the user; and the user's file
    asking for `cgi = { writable = [ "repos" ]; }`. {user: ~/repos}."""
    made = {}
    for user, home in cgi_homes.items():
        repos = make_dir(home / "repos", user)
        hgrepo = repos / "hg"
        out = hg("init", str(hgrepo), user=user)
        assert out.returncode == 0, out.stderr
        (hgrepo / ".hg" / "hgrc").write_text(
            "[web]\npush_ssl = false\nallow-push = *\nname = %s-hg\n" % user)
        (hgrepo / "README").write_text("hg of %s\n" % user)
        out = hg("commit", "-A", "-m", "first of %s" % user, cwd=hgrepo, user=user)
        assert out.returncode == 0, out.stderr
        bare = repos / "git.git"
        for args in (("init", "-q", "--bare", "-b", "main", str(bare)),
                     ("-C", str(bare), "config", "http.receivepack", "true")):
            out = git(*args, user=user, cwd=repos)
            assert out.returncode == 0, out.stderr
        seed = repos / "seed"
        for args in (("init", "-q", "-b", "main", str(seed)),):
            assert git(*args, user=user, cwd=repos).returncode == 0
        (seed / "README").write_text("git of %s\n" % user)
        chown_to(seed / "README", user)
        ident = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                 "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        for args in (("add", "README"), ("commit", "-q", "-m", "first of %s" % user),
                     ("push", "-q", str(bare), "main")):
            out = git(*args, cwd=seed, user=user, env=ident)
            assert out.returncode == 0, (args, out.stderr)
        shutil.rmtree(seed)
        write_user_file(user, USER_CGI_FILE)
        made[user] = repos
    return made


# ---------------------------------------------------------------- the gateway

SYSTEM_CONF = '''\
listeners = (
  { launcher = "unix:%(launcher)s"; socket_group = "%(web)s"; },
  { scgi = "unix:%(scgi)s"; cgi = true; socket_group = "%(web)s"; }
);
frontends = [ "%(web)s" ];
users = {
  allow = [ "sg-alice", "sg-bob" ];
  limits = { processes = 2; memory = "256M"; pids = 64; cpu = 1; timeout = 60;
             policies = [ "wsgi" ]; networks = [ "none" ]; max_apps = 4; };
};
cgi = {
  allow = [ %(allow)s ];
  min_uid = %(min_uid)d;
  min_gid = %(min_gid)d;
  userdir = "public_html";
  roots = [ %(roots)s ];
  extensions = [ ".cgi", ".py", ".pl", ".sh" ];
  pass_authorization = %(pass_auth)s;
  timeout = %(timeout)d; processes = 2; queue = 16; idle_timeout = 60;
  memory = "256M"; pids = 64; cpu = 1; network = "%(network)s"; tmp_size = "64M";
  max_writable = 4;
};
'''


def quoted(names):
    return ", ".join('"%s"' % n for n in names)


def apache_cgi_conf(launcher_sock, pass_auth=False):
    """examples/apache-cgi.conf with the build's launcher and the test's socket."""
    text = (EXAMPLES / "apache-cgi.conf").read_text()
    for old in ("/usr/local/libexec/sandgate/sandgate-cgi",
                "<Directory /usr/local/libexec/sandgate>",
                "/run/sandgate/cgi.sock", "# CGIPassAuth On"):
        assert old in text, old
    text = text.replace("/usr/local/libexec/sandgate/sandgate-cgi", str(LAUNCHER))
    text = text.replace("<Directory /usr/local/libexec/sandgate>",
                        "<Directory %s>" % LAUNCHER.parent)
    text = text.replace("/run/sandgate/cgi.sock", str(launcher_sock))
    if pass_auth:
        text = text.replace("# CGIPassAuth On", "CGIPassAuth On")
    return text


def nginx_cgi_conf(scgi_sock):
    """examples/nginx-cgi.conf with the test's socket."""
    text = (EXAMPLES / "nginx-cgi.conf").read_text()
    assert "unix:/run/sandgate/cgi-scgi.sock" in text
    return text.replace("unix:/run/sandgate/cgi-scgi.sock", "unix:%s" % scgi_sock)


class CgiSite:
    """A gateway serving CGI, with Apache and nginx in front.

    .gw       the Sandgate      .conf      its system file
    .httpd    Apache (or None)  .ng        nginx (or None)
    .launcher_sock, .scgi_sock  the gateway's two CGI listeners
    """

    def __init__(self, gw, conf, launcher_sock, scgi_sock, httpd, ng):
        self.gw, self.conf = gw, conf
        self.launcher_sock, self.scgi_sock = launcher_sock, scgi_sock
        self.httpd, self.ng = httpd, ng

    def front(self, name):
        return self.httpd if name == "apache" else self.ng

    def get(self, front, user, script, rest="", **kw):
        """A request to /~USER/cgi-bin/SCRIPT[REST] through the named front end."""
        kw.setdefault("timeout", ic.IO_TIMEOUT)
        return self.front(front).get(cgi_path(user, script, rest), **kw)

    def scgi(self, script_filename, script_name="", path_info="", **kw):
        """A raw SCGI request to the cgi = true listener, as nginx would send it."""
        extra = {"SCRIPT_FILENAME": script_filename, "SCRIPT_NAME": script_name,
                 "PATH_INFO": path_info}
        extra.update(kw.pop("extra", {}))
        return ic.scgi_request("unix:%s" % self.scgi_sock,
                               kw.pop("path", script_name + path_info), **kw, **extra)

    def launch(self, path_info, method="GET", query="", body=b"", env=None, user=None):
        """Runs build/sandgate-cgi the way Apache does (as www-data, with
        the environment Apache gives it for /~USER/... = path_info); returns
        (exit code, stdout bytes, stderr text). stdin/stdout are pipes here,
        where mod_cgid passes one socket as both."""
        full = launcher_env(path_info, method, query, body, self.launcher_sock)
        full.update(env or {})
        full = {k: v for k, v in full.items() if v is not None}   # None: unset
        argv = [str(LAUNCHER)]
        runner = user if user is not None else (ic.WEB_USER if ic.IS_ROOT else None)
        if runner:
            argv = ic.as_user(runner) + argv
        out = subprocess.run(argv, input=body, env=full, capture_output=True,
                             timeout=ic.IO_TIMEOUT)
        return out.returncode, out.stdout, out.stderr.decode(errors="replace")

    def refusal_logged(self, path, code):
        """The gateway's one log line for a refusal of path with code."""
        def found():
            for line in self.gw.stderr_text().splitlines():
                if "refused" in line and str(path) in line and "(%d)" % code in line:
                    return line
            return None
        return ic.wait_until(found, 10)


def cgi_path(user, script, rest=""):
    return "/~%s/cgi-bin/%s%s" % (user, script, rest)


def launcher_env(path_info, method="GET", query="", body=b"", sock=None):
    """The environment Apache's mod_cgid + Action gives sandgate-cgi
    (/work/notes/apache-action-env.txt: measured on Apache 2.4)."""
    m = re.match(r"^/~([^/]+)(/.*)?$", path_info)
    translated = (str(home_of(m.group(1))) + "/public_html" + (m.group(2) or "")
                  if m else "/var/www/html" + path_info)
    env = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "Apache/2.4", "SERVER_NAME": "127.0.0.1",
        "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000", "REQUEST_SCHEME": "http", "HTTP_HOST": "127.0.0.1",
        "REQUEST_METHOD": method, "QUERY_STRING": query,
        "REQUEST_URI": path_info + ("?" + query if query else ""),
        "SCRIPT_NAME": "/sandgate-cgi", "SCRIPT_FILENAME": str(LAUNCHER),
        "PATH_INFO": path_info, "PATH_TRANSLATED": translated,
        "REDIRECT_URL": path_info, "REDIRECT_STATUS": "200",
        "REDIRECT_HANDLER": "sandgate-cgi", "DOCUMENT_ROOT": "/var/www/html",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
        env["CONTENT_TYPE"] = "application/octet-stream"
    if sock:
        env["SANDGATE_CGI_SOCKET"] = str(sock)
    return env


@pytest.fixture
def cgi_site(cgi_homes, sandgate, apache, nginx, workdir):
    """Factory: cgi_site(allow=(both users), min_uid=900, min_gid=100,
    roots=("public_html/cgi-bin",), timeout=30, pass_auth=False, network="none",
    fronts=("apache", "nginx")) -> CgiSite, everything started."""
    def start(allow=ic.TEST_USERS, min_uid=900, min_gid=100, roots=("public_html/cgi-bin",),
              timeout=30, pass_auth=False, network="none", fronts=("apache", "nginx")):
        launcher_sock = workdir / "cgi.sock"
        scgi_sock = workdir / "cgi-scgi.sock"
        conf = workdir / "sandgate.conf"
        conf.write_text(SYSTEM_CONF % {
            "launcher": launcher_sock, "scgi": scgi_sock, "web": ic.WEB_USER,
            "allow": quoted(allow), "min_uid": min_uid, "min_gid": min_gid,
            "roots": quoted(roots), "pass_auth": "true" if pass_auth else "false",
            "timeout": timeout, "network": network})
        conf.chmod(0o644)
        gw = start_gateway(sandgate, conf, launcher_sock, scgi_sock)
        httpd = ng = None
        if "apache" in fronts:
            httpd = apache(apache_cgi_conf(launcher_sock, pass_auth), modules=APACHE_MODULES)
        if "nginx" in fronts:
            ng = nginx(nginx_cgi_conf(scgi_sock))
        return CgiSite(gw, conf, launcher_sock, scgi_sock, httpd, ng)
    return start


def start_gateway(sandgate, conf, launcher_sock, scgi_sock):
    """sandgate -c conf, once both CGI listeners are there."""
    gw = sandgate("-c", conf, scgi=["unix:%s" % scgi_sock], ready=False)
    up = ic.wait_until(lambda: gw.proc.poll() is not None or
                       (ic.can_connect(("unix", str(scgi_sock))) and launcher_sock.exists()))
    if gw.proc.poll() is not None or not up:
        pytest.fail("the gateway did not start (exit %r):\n%s"
                    % (gw.proc.poll(), gw.stderr_text()[-4000:]))
    return gw


# ---------------------------------------------------------------- answers

def text_fields(body):
    """The key=value lines of the Perl and shell scripts' answers."""
    return dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line
                and not line.startswith("env:"))


def script_env(body):
    return {line[4:].split("=", 1)[0]: line[4:].split("=", 1)[1]
            for line in body.decode().splitlines() if line.startswith("env:") and "=" in line}


def chunks(data, size=1000):
    for at in range(0, len(data), size):
        yield data[at:at + size]


def curl_in_background(url, *args):
    return subprocess.Popen(["curl", "-sS", "--max-time", "120", "-o", "/dev/null",
                             "-w", "%{http_code}", *args, url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# ---------------------------------------------------------------- processes

def marker():
    return "m" + uuid.uuid4().hex[:12]


def host_pids_named(text):
    """Host pids whose command line contains text (scans /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(int(entry))
    return found


def wait_gone(text, timeout=HOST_TIMEOUT):
    """True once no host process has text in its command line."""
    return bool(ic.wait_until(lambda: not host_pids_named(text), timeout))


def memory_scan_py(pids):
    """A Python CGI script that looks for what earlier requests carried:
    every "SGLEAK-" marker followed by a letter and 24 hex digits in the
    readable memory of the processes `pids` (a Python expression), listed
    as LETTER+HEX@PID on a line "found=", and on a line "worker=" whether
    its parent's (the worker's) memory opens at all."""
    return r'''#!/usr/bin/python3
import os, re, sys
marker = b"SGLEAK" + b"-"
found = set()
for pid in %s:
    try:
        maps, mem = open("/proc/%%s/maps" %% pid), open("/proc/%%s/mem" %% pid, "rb", 0)
    except OSError:
        continue
    with maps, mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if not perms.startswith("r"):
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            if hi - lo > 1 << 30:   # ASan's shadow, reserved, never the heap
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError, MemoryError):
                continue
            for m in re.finditer(re.escape(marker) + rb"([A-Z][0-9a-f]{24})", data):
                found.add(m.group(1).decode() + "@" + pid)
try:
    open("/proc/%%d/mem" %% os.getppid(), "rb").close()
    worker = "readable"
except OSError as e:
    worker = e.strerror
sys.stdout.write("Content-Type: text/plain\r\n\r\nworker=%%s\nfound=%%s\n"
                 %% (worker, " ".join(sorted(found))))
''' % pids

