#!/usr/bin/python3
"""sandgate benchmark: sandgate beside uWSGI, gunicorn, mod_wsgi and CGI.

Started by run.sh (which installs what is missing); see docs/performance.md.
For every app, the targets that serve it are run ROUNDS times, in
alternating order (forward, backward, forward, ...), each round from
scratch: every target started and checked with one request (a wrong reply
is never benchmarked), then at each connection count a discarded warm-up
run and the measured run, memory sampled, and everything stopped. The WSGI
targets of a round run side by side and their measured runs are cut into
interleaved slices (sgbench/interleave.py), so that the machine's drift
hits them alike; CGI targets run one at a time. The table gives the median
of the rounds.
"""
import argparse
import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from sgbench import extras, interleave, report, runner, targets  # noqa: E402

PYTHON = "/usr/bin/python3"
REPO = os.path.dirname(os.path.dirname(HERE))


class Interrupted(Exception):
    pass


def _on_signal(signum, _frame):
    raise Interrupted("signal %d" % signum)


class Ctx:
    """What targets need: paths, users, the runner."""

    def __init__(self, args, run_dir):
        self.args = args
        self.run_dir = run_dir
        self.python = PYTHON
        self.run_as = args.run_as
        self.run_group = grp.getgrgid(pwd.getpwnam(args.run_as).pw_gid).gr_name
        self.nginx_workers = 2
        self.start_timeout = args.start_timeout
        self.app_dir = os.path.join(run_dir, "apps")
        self.home = os.path.join(run_dir, "home")
        self.runner = runner.Runner(run_dir, self.run_as, self.home)
        self.sandgate = os.path.join(run_dir, "bin", "sandgate")
        self.launcher = os.path.join(run_dir, "bin", "sandgate-cgi")
        self.sandgate_help = ""
        self.build_info = ("?", 0, "?")

    def app_module(self, app):
        return {"hello": "hello:application", "flask": "flask_app:application",
                "echo": "echo:application"}[app]

    def app_file(self, app):
        name = {"hello": "hello.py", "flask": "flask_app.py", "echo": "echo.py"}.get(app, app)
        return os.path.join(self.app_dir, name)

    def chown_tree(self, path):
        pw = pwd.getpwnam(self.run_as)
        for root, dirs, files in os.walk(path):
            os.chown(root, pw.pw_uid, pw.pw_gid)
            for f in files:
                os.chown(os.path.join(root, f), pw.pw_uid, pw.pw_gid)

    def sock_dir_for(self, tdir, owner=None):
        """A directory for a backend's Unix socket that nginx can reach;
        writable by the bench user unless owner == "root"."""
        path = os.path.join(tdir, "sock")
        os.makedirs(path, exist_ok=True)
        os.chmod(path, 0o755)
        if owner != "root":
            self.chown_tree(path)
        return path

    def config_test(self, what, argv):
        proc = subprocess.run(["setpriv", "--reuid=" + self.run_as, "--regid=" + self.run_as,
                               "--init-groups", "--"] + argv, env=self.runner.env(),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        if proc.returncode != 0:
            text = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
            raise runner.StartError("%s config test failed: %s" % (what, text[:300]))


def log(msg):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tests/bench/run.sh", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="hello at 32 connections, sandgate and uWSGI only (< 1 min)")
    p.add_argument("-t", "--targets", help="space-separated target names (see --list)")
    p.add_argument("-a", "--apps", help='apps (default "hello flask echo")')
    p.add_argument("-c", "--conns", help='wrk connection counts (default "1 32")')
    p.add_argument("-d", "--duration", type=int, help="measured seconds per run (default 5)")
    p.add_argument("-s", "--slice", type=int, default=1,
                   help="seconds per slice of an interleaved measured run (default 1)")
    p.add_argument("-w", "--warmup", type=int, help="discarded warm-up seconds per run (default 2)")
    p.add_argument("-r", "--rounds", type=int, help="measured runs per row, alternating order (default 3)")
    p.add_argument("-o", "--out", default=os.path.join(REPO, "bench-results"),
                   help="where the results go (default bench-results/)")
    p.add_argument("--extras", choices=("all", "none", "cold", "memory", "netns", "seccomp", "strace"),
                   help="extra measurements (default: all; none with --quick)")
    p.add_argument("--only-extras", action="store_true", help="skip the load matrix")
    p.add_argument("--build", default=os.environ.get("SANDGATE_BUILD", os.path.join(REPO, "build")),
                   help="directory holding sandgate and sandgate-worker (default build/)")
    p.add_argument("--run-as", default="www-data", help="unprivileged user of every server (www-data)")
    p.add_argument("--base-port", type=int, default=18180)
    p.add_argument("--start-timeout", type=int, default=20)
    p.add_argument("--max-runtime", type=int, default=3600,
                   help="seconds; measurements past this are skipped (default 3600)")
    p.add_argument("-k", "--keep", action="store_true", help="keep the temp dir (configs, logs, wrk output)")
    p.add_argument("-l", "--list", action="store_true", help="list the targets and exit")
    p.add_argument("--cleanup", metavar="RUN_DIR", help="stop servers a killed run left behind")
    a = p.parse_args(argv)
    quick = a.quick
    a.targets = (a.targets or ("uwsgi sandgate" if quick else " ".join(t.name for t in targets.ALL))).split()
    a.apps = (a.apps or ("hello" if quick else "hello flask echo")).split()
    a.conns = [int(c) for c in (a.conns or ("32" if quick else "1 32")).split()]
    a.duration = a.duration or (3 if quick else 5)
    a.warmup = a.warmup if a.warmup is not None else (1 if quick else 2)
    a.rounds = a.rounds or 3
    if a.slice < 1:
        p.error("--slice must be at least 1 second")
    a.extras = a.extras or ("none" if quick else "all")
    for t in a.targets:
        targets.by_name(t)          # KeyError on a typo
    return a


def prepare(ctx, args):
    run_dir = ctx.run_dir
    os.makedirs(os.path.join(run_dir, "t"))
    os.makedirs(ctx.home)
    ctx.chown_tree(ctx.home)
    shutil.copytree(os.path.join(HERE, "apps"), ctx.app_dir)
    subprocess.run([PYTHON, "-m", "compileall", "-q", ctx.app_dir], check=True,
                   env=ctx.runner.env(), timeout=120, stdout=subprocess.DEVNULL)
    subprocess.run(["chmod", "-R", "a+rX", ctx.app_dir], check=True)
    # A snapshot of the build: others may rebuild build/ during the run.
    os.makedirs(os.path.join(run_dir, "bin"))
    for name in ("sandgate", "sandgate-worker"):
        src = os.path.join(args.build, name)
        if not os.access(src, os.X_OK):
            raise SystemExit("bench: %s is missing: run `make` first" % src)
        shutil.copy2(src, os.path.join(run_dir, "bin", name))
        os.chmod(os.path.join(run_dir, "bin", name), 0o755)
    if os.access(os.path.join(args.build, "sandgate-cgi"), os.X_OK):   # the CGI launcher
        shutil.copy2(os.path.join(args.build, "sandgate-cgi"), ctx.launcher)
        os.chmod(ctx.launcher, 0o755)
    # ... and of the seccomp policies the gateway finds next to it (the
    # same candidates as sandbox/policy_dir.c, relative to the binary)
    for rel in ("../share/sandgate/policies", "../policies", "../../policies"):
        src = os.path.normpath(os.path.join(args.build, rel))
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(run_dir, "policies"))
            subprocess.run(["chmod", "-R", "a+rX", os.path.join(run_dir, "policies")], check=True)
            break
    for d in (run_dir, os.path.join(run_dir, "t"), os.path.join(run_dir, "bin")):
        os.chmod(d, 0o755)
    ctx.build_info = report.build_info(ctx, REPO)
    proc = subprocess.run([ctx.sandgate, "serve", "--help"], capture_output=True, timeout=10)
    ctx.sandgate_help = (proc.stdout + proc.stderr).decode("utf-8", "replace")


def run_matrix(ctx, args, results, t_end):
    """Per app and round: the WSGI targets together, in interleaved slices
    (sgbench/interleave.py), then the CGI targets one at a time."""
    chosen = [targets.by_name(n) for n in args.targets]
    for app in args.apps:
        serving = [t for t in chosen if app in t.apps]
        for t in serving:
            why = t.skip_reason(ctx)
            if why:
                results.status[(t.name, app)] = why
        live = [t for t in serving if (t.name, app) not in results.status]
        for rnd in range(1, args.rounds + 1):
            order = live if rnd % 2 == 1 else list(reversed(live))
            order = [t for t in order if (t.name, app) not in results.status]
            if time.monotonic() > t_end:
                for t in order:
                    results.status[(t.name, app)] = "skipped: --max-runtime reached"
                continue
            together = [(t, targets.port_of(t, args.base_port)) for t in order if t.interleave]
            if together:
                interleave.run_round(ctx, args, together, app, rnd, results, t_end, log,
                                     args.slice)
            for t in order:
                if t.interleave or (t.name, app) in results.status:
                    continue
                if time.monotonic() > t_end:
                    results.status[(t.name, app)] = "skipped: --max-runtime reached"
                    continue
                # alone: a round of one, its measured run in one piece
                interleave.run_round(ctx, args, [(t, targets.port_of(t, args.base_port))], app,
                                     rnd, results, t_end, log, args.duration)


def main(argv):
    args = parse_args(argv)
    if args.list:
        for i, t in enumerate(targets.ALL):
            print("%-20s port %d  apps: %s\n    %s" % (t.name, args.base_port + i,
                                                       " ".join(t.apps), t.desc))
        return 0
    if args.cleanup:
        return runner.cleanup(args.cleanup)
    if os.geteuid() != 0:
        print("bench: run as root (servers run as %s through setpriv; sandgate runs as root "
              "and its apps as nobody)" % args.run_as, file=sys.stderr)
        return 1
    # SIGINT too: a run started in the background inherits it ignored
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    t0 = time.monotonic()
    t_end = t0 + args.max_runtime
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    run_dir = subprocess.run(["mktemp", "-d", "/tmp/sandgate-bench.XXXXXX"], capture_output=True,
                             text=True, check=True).stdout.strip()
    ctx = Ctx(args, run_dir)
    results = report.Results()
    ok = False
    try:
        prepare(ctx, args)
        log("run dir %s; targets %s; apps %s; conns %s; %d rounds of %ds (+%ds warm-up)" % (
            run_dir, " ".join(args.targets), " ".join(args.apps),
            " ".join(map(str, args.conns)), args.rounds, args.duration, args.warmup))
        if not args.only_extras:
            run_matrix(ctx, args, results, t_end)
        if args.extras != "none":
            extras.run_all(ctx, args, results, log, t_end)
        ok = True
    except (KeyboardInterrupt, Interrupted) as exc:
        log("interrupted (%s): stopping everything" % (exc or "Ctrl-C"))
    finally:
        # a second Ctrl-C must not cut the clean-up short (every wait in it is bounded)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        ctx.runner.kill_helpers()
        if not ctx.runner.stop_all():
            results.notes.append("some processes could not be stopped")
    if not ok:
        log("run aborted; temp dir kept: %s" % run_dir)
        return 130
    results.elapsed = time.monotonic() - t0
    md, tsv = report.write(ctx, args, results, stamp)
    sys.stdout.write(report.console(ctx, args, results))
    print("\nResults: %s (+ %s)" % (md, tsv))
    failed = any(v.startswith("FAILED") for v in results.status.values())
    if args.keep or failed or results.notes:
        print("Temp dir kept: %s" % run_dir)
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
