"""The targets: one way each of serving the bench apps, all with 2 worker
processes, each on its own loopback port (BASE_PORT + its index below).

A target's start() launches everything through ctx (see bench.py:Ctx) and
raises runner.StartError on failure; the driver checks one reply, drives
the load, samples memory and stops it all.
"""
import os
import pwd
import shutil
import socket
import subprocess

from . import configs

APPS_ALL = ("hello", "flask", "echo")


class Target:
    name = ""
    label = ""            # short name for tables
    desc = ""
    apps = APPS_ALL
    kind = "peer"         # peer | sandgate | ceiling | cgi
    labels = ("main", "worker", "worker")   # process names by tree depth
    processes = 2         # worker processes (the strace extra uses 1)
    interleave = True     # measured in slices beside the app's other targets

    def skip_reason(self, ctx):
        return None

    def start(self, ctx, app, tdir, port):
        raise NotImplementedError


# ---------------------------------------------------------------- front ends

def start_nginx(ctx, tdir, port, location):
    prefix = os.path.join(tdir, "nginx")
    for sub in ("", "tmp"):
        os.makedirs(os.path.join(prefix, sub), exist_ok=True)
    with open(os.path.join(prefix, "nginx.conf"), "w") as fh:
        fh.write(configs.nginx_conf(prefix, port, ctx.nginx_workers, location))
    ctx.chown_tree(prefix)
    argv = ["/usr/sbin/nginx", "-p", prefix + "/", "-c", prefix + "/nginx.conf",
            "-e", prefix + "/error.log"]
    ctx.config_test("nginx", argv + ["-t", "-q"])
    srv = ctx.runner.start("nginx", argv, "front", tdir)
    ctx.runner.wait_tcp(srv, port, ctx.start_timeout)
    return srv


# ---------------------------------------------------------------- targets

class NginxStatic(Target):
    name = "nginx-static"
    label = "nginx return 200"
    desc = "nginx answers `return 200 \"Hello, World!\"` itself: the front-end ceiling, no backend"
    apps = ("hello",)
    kind = "ceiling"

    def start(self, ctx, app, tdir, port):
        start_nginx(ctx, tdir, port, configs.nginx_location("static"))


class _Uwsgi(Target):
    protocol = "uwsgi"
    labels = ("master", "worker")

    def start(self, ctx, app, tdir, port):
        sock = os.path.join(ctx.sock_dir_for(tdir), "uwsgi.sock")
        opt = "--socket" if self.protocol == "uwsgi" else "--scgi-socket"
        srv = ctx.runner.start("uwsgi", [
            "/usr/bin/uwsgi-core", "--plugin", "python3", "--master", "--processes", str(self.processes),
            opt, sock, "--chdir", ctx.app_dir, "--pythonpath", ctx.app_dir,
            "--module", ctx.app_module(app), "--need-app", "--die-on-term",
            "--disable-logging"], "backend", tdir)
        ctx.runner.wait_unix(srv, sock, ctx.start_timeout)
        loc = configs.nginx_location("uwsgi" if self.protocol == "uwsgi" else "scgi", "unix:" + sock)
        start_nginx(ctx, tdir, port, loc)


class NginxUwsgi(_Uwsgi):
    name = "uwsgi"
    label = "nginx→uWSGI (uwsgi)"
    desc = "nginx `uwsgi_pass` (uwsgi protocol, Unix socket) → uWSGI python3 plugin, master + 2 processes"


class NginxUwsgiScgi(_Uwsgi):
    name = "uwsgi-scgi"
    label = "nginx→uWSGI (SCGI)"
    desc = "nginx `scgi_pass` (Unix socket) → uWSGI `--scgi-socket`, master + 2 processes"
    protocol = "scgi"


class NginxGunicorn(Target):
    name = "gunicorn"
    label = "nginx→gunicorn sync"
    desc = "nginx `proxy_pass http://unix:` → gunicorn (Debian's /usr/bin/python3), 2 sync workers"
    labels = ("arbiter", "worker")

    def start(self, ctx, app, tdir, port):
        sock = os.path.join(ctx.sock_dir_for(tdir), "gunicorn.sock")
        srv = ctx.runner.start("gunicorn", [
            ctx.python, "/usr/bin/gunicorn", "--workers", "2", "--worker-class", "sync",
            "--bind", "unix:" + sock, "--chdir", ctx.app_dir, "--log-level", "warning",
            ctx.app_module(app)], "backend", tdir)
        ctx.runner.wait_unix(srv, sock, ctx.start_timeout)
        start_nginx(ctx, tdir, port, configs.nginx_location("proxy", "http://unix:%s:" % sock))


class ApacheModWsgi(Target):
    name = "mod_wsgi"
    label = "Apache mod_wsgi daemon"
    desc = ("Apache httpd 2.4 (mpm_event, 2 child processes) + mod_wsgi daemon mode "
            "(processes=2 threads=1); no nginx")
    labels = ("daemon",)

    def start(self, ctx, app, tdir, port):
        root = os.path.join(tdir, "apache")
        os.makedirs(os.path.join(root, "run"), exist_ok=True)
        with open(os.path.join(root, "httpd.conf"), "w") as fh:
            fh.write(configs.apache_conf(root, port, ctx.app_dir, ctx.app_file(app)))
        ctx.chown_tree(root)
        argv = ["/usr/sbin/apache2", "-d", root, "-f", root + "/httpd.conf"]
        ctx.config_test("apache2", argv + ["-t"])
        srv = ctx.runner.start("apache2", argv + ["-DFOREGROUND"], "apache", tdir)
        ctx.runner.wait_tcp(srv, port, ctx.start_timeout)


class NginxCgi(Target):
    name = "cgi"
    label = "nginx→fcgiwrap→CGI"
    desc = "nginx `fastcgi_pass` → fcgiwrap -c 2 → fork+exec of a /usr/bin/python3 CGI script per request"
    apps = ("hello",)
    kind = "cgi"
    interleave = False    # requests of up to a second: measured alone
    labels = ("fcgiwrap", "fcgiwrap", "cgi")

    def start(self, ctx, app, tdir, port):
        sock = os.path.join(ctx.sock_dir_for(tdir), "fcgiwrap.sock")
        srv = ctx.runner.start("fcgiwrap", ["/usr/sbin/fcgiwrap", "-c", "2", "-s", "unix:" + sock],
                               "backend", tdir)
        ctx.runner.wait_unix(srv, sock, ctx.start_timeout)
        loc = configs.nginx_location("fastcgi", "unix:" + sock,
                                     script=os.path.join(ctx.app_dir, "hello.cgi"))
        start_nginx(ctx, tdir, port, loc)


class _Sandgate(Target):
    kind = "sandgate"
    labels = ("gateway", "zygote", "worker")
    extra_args = ()

    def sandgate_argv(self, ctx, app, listen):
        return [ctx.sandgate, "serve"] + list(listen) + ["--processes", str(self.processes)] + \
            list(self.extra_args) + [ctx.app_file(app)]


class NginxSandgate(_Sandgate):
    name = "sandgate"
    label = "nginx→sandgate (SCGI)"
    desc = ("nginx `scgi_pass` → sandgate's direct path: the app's own SCGI socket, "
            "`sandgate serve --scgi unix:S --socket-group G --processes 2 APP`, as root, app as nobody")

    def start(self, ctx, app, tdir, port):
        sock = os.path.join(ctx.sock_dir_for(tdir, owner="root"), "sandgate.sock")
        srv = ctx.runner.start("sandgate", self.sandgate_argv(
            ctx, app, ["--scgi", "unix:" + sock, "--socket-group", ctx.run_group]),
            "backend", tdir, as_root=True)
        ctx.runner.wait_unix(srv, sock, ctx.start_timeout)
        start_nginx(ctx, tdir, port, configs.nginx_location("scgi", "unix:" + sock))


class NginxSandgateNoSeccomp(NginxSandgate):
    name = "sandgate-noseccomp"
    label = "nginx→sandgate, no seccomp"
    desc = "as `sandgate`, with the seccomp filter switched off (`%s`): prices the filter"
    switch = "--no-seccomp"

    def __init__(self):
        self.desc = self.desc % self.switch
        self.extra_args = (self.switch,)

    def skip_reason(self, ctx):
        if self.switch not in ctx.sandgate_help:
            return "n/a: no seccomp switch yet (`sandgate serve %s`)" % self.switch
        return None


class SandgateHttp(_Sandgate):
    name = "sandgate-http"
    label = "sandgate HTTP (no nginx)"
    desc = ("sandgate's own HTTP listener, routed path, no front end: "
            "`sandgate serve --http 127.0.0.1:PORT --processes 2 APP` (Connection: close on every reply)")

    def start(self, ctx, app, tdir, port):
        srv = ctx.runner.start("sandgate", self.sandgate_argv(
            ctx, app, ["--http", "127.0.0.1:%d" % port]), "backend", tdir, as_root=True)
        ctx.runner.wait_tcp(srv, port, ctx.start_timeout)


# ---------------------------------------------------------------- CGI

CGI_USER = "sg-alice"       # the CGI script's owner (a user with a home, as
                            # the integration tests make it)


def ensure_cgi_user():
    """CGI_USER's passwd entry; created with a home when missing."""
    try:
        return pwd.getpwnam(CGI_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--create-home", "--shell",
                        "/usr/sbin/nologin", CGI_USER], check=True, capture_output=True,
                       timeout=60)
        return pwd.getpwnam(CGI_USER)


def start_apache_cgi(ctx, tdir, port, body, modules):
    root = os.path.join(tdir, "apache")
    os.makedirs(os.path.join(root, "run"), exist_ok=True)
    with open(os.path.join(root, "httpd.conf"), "w") as fh:
        fh.write(configs.apache_cgi_conf(root, port, body, modules))
    ctx.chown_tree(root)
    argv = ["/usr/sbin/apache2", "-d", root, "-f", root + "/httpd.conf"]
    ctx.config_test("apache2", argv + ["-t"])
    srv = ctx.runner.start("apache2", argv + ["-DFOREGROUND"], "front", tdir)
    ctx.runner.wait_tcp(srv, port, ctx.start_timeout)
    return srv


class ApacheCgid(Target):
    name = "cgid"
    label = "Apache mod_cgid→python3 CGI"
    desc = ("Apache httpd 2.4 (mpm_event, 2 child processes) + mod_cgid: fork+exec of "
            "/usr/bin/python3 running the same CGI script per request (what suEXEC runs, "
            "without the setuid hop)")
    apps = ("hello",)
    kind = "cgi"
    interleave = False    # requests of up to a second: measured alone
    labels = ("cgi",)

    def program(self, ctx, tdir):
        """The CGI program Apache runs for "/", and its directory."""
        return os.path.join(ctx.app_dir, "hello.cgi"), ctx.app_dir

    def start(self, ctx, app, tdir, port):
        prog, directory = self.program(ctx, tdir)
        body = 'ScriptAliasMatch "^/$" "%s"\n<Directory "%s">\n    Require all granted\n' \
               '</Directory>\n' % (prog, directory)
        start_apache_cgi(ctx, tdir, port, body, ("cgid", "alias"))


class ApacheCgidFloor(ApacheCgid):
    name = "cgid-floor"
    label = "Apache mod_cgid→C hello (floor)"
    desc = ("the same Apache + mod_cgid running apps/hello_cgi.c, a static C program that "
            "writes the 13 bytes: Apache's own fork+exec per request, the ceiling of any CGI "
            "backend behind mod_cgid (sandgate-cgi included)")

    def program(self, ctx, tdir):
        cgi_dir = os.path.join(tdir, "floor")
        os.makedirs(cgi_dir)
        prog = os.path.join(cgi_dir, "hello")
        src = os.path.join(ctx.app_dir, "hello_cgi.c")
        # Static where libc.a is there: no dynamic loader, the cheapest exec.
        if subprocess.run(["cc", "-O2", "-static", src, "-o", prog],
                          capture_output=True).returncode != 0:
            subprocess.run(["cc", "-O2", src, "-o", prog], check=True)
        os.chmod(cgi_dir, 0o755)
        return prog, cgi_dir


class ApacheSandgateCgi(Target):
    name = "sandgate-cgi"
    label = "Apache mod_cgid→sandgate-cgi"
    desc = ("Apache httpd 2.4 + mod_cgid running the launcher `sandgate-cgi` per request "
            "(`Action`, as examples/apache-cgi.conf); the gateway (root) runs the same CGI "
            "script as %s in that user's cell, forked from a warm Python (2 workers)" % CGI_USER)
    apps = ("hello",)
    kind = "sandgate"
    interleave = False    # requests of up to a second: measured alone
    labels = ("gateway", "zygote", "worker")

    def skip_reason(self, ctx):
        if not os.access(ctx.launcher, os.X_OK):
            return "n/a: no sandgate-cgi in the build"
        return None

    def start(self, ctx, app, tdir, port):
        pw = ensure_cgi_user()
        cgi_root = os.path.join(tdir, "cgi")
        scripts = os.path.join(cgi_root, CGI_USER)
        os.makedirs(scripts)
        os.chmod(cgi_root, 0o755)
        for name in ("hello.cgi", "hello.py"):
            dst = os.path.join(scripts, name)
            shutil.copy(os.path.join(ctx.app_dir, name), dst)
            os.chown(dst, pw.pw_uid, pw.pw_gid)
            os.chmod(dst, 0o755 if name.endswith(".cgi") else 0o644)
        # Byte-compiled, as the apps of every other target are (bench.py):
        # the cell binds the root read-only, so no script could write it.
        subprocess.run([ctx.python, "-m", "compileall", "-q", scripts], check=True)
        for dirpath, dirnames, filenames in os.walk(scripts):
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), pw.pw_uid, pw.pw_gid)
        os.chown(scripts, pw.pw_uid, pw.pw_gid)
        os.chmod(scripts, 0o755)
        sock = os.path.join(ctx.sock_dir_for(tdir, owner="root"), "cgi.sock")
        conf = os.path.join(tdir, "sandgate.conf")
        with open(conf, "w") as fh:
            fh.write(configs.SANDGATE_CGI_CONF.format(
                sock=sock, group=ctx.run_group, front=ctx.run_as, user=CGI_USER,
                root=cgi_root, processes=self.processes))
        os.chmod(conf, 0o644)
        srv = ctx.runner.start("sandgate", [ctx.sandgate, "serve", "-c", conf], "backend", tdir,
                               as_root=True)
        ctx.runner.wait_unix(srv, sock, ctx.start_timeout, socket.SOCK_SEQPACKET)
        body = ('AliasMatch "^/$" "{s}/hello.cgi"\n'
                'ScriptAlias /sandgate-cgi "{l}"\n'
                '<Directory "{ld}">\n    Require all granted\n</Directory>\n'
                '<Location /sandgate-cgi>\n    Require all granted\n</Location>\n'
                'Action sandgate-cgi /sandgate-cgi virtual\n'
                '<Directory "{s}">\n    SetHandler sandgate-cgi\n    Require all granted\n'
                '</Directory>\n'
                'SetEnv SANDGATE_CGI_SOCKET {sock}\n').format(
                    s=scripts, l=ctx.launcher, ld=os.path.dirname(ctx.launcher), sock=sock)
        start_apache_cgi(ctx, tdir, port, body, ("cgid", "alias", "actions", "env"))


ALL = [NginxStatic(), NginxUwsgi(), NginxUwsgiScgi(), NginxGunicorn(), ApacheModWsgi(),
       NginxCgi(), NginxSandgate(), NginxSandgateNoSeccomp(), SandgateHttp(),
       ApacheCgid(), ApacheSandgateCgi(), ApacheCgidFloor()]


def by_name(name):
    for t in ALL:
        if t.name == name:
            return t
    raise KeyError(name)


def port_of(target, base):
    return base + ALL.index(target)
