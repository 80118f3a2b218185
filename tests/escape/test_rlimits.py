"""The rlimits an app's configuration may add (sandbox/rlimits.c):
rlimit_fsize makes a larger write fail with EFBIG inside the cell (catalogue
row 31's RLIMIT_FSIZE, nsjail's default), rlimit_as and rlimit_cpu show in
the worker's /proc/self/limits; the same write as the same user outside
sandgate succeeds."""
import errno
import json
import subprocess

from conftest import IS_ROOT, PYTHON, free_port, gid_of, http_request, setpriv, uid_of

APP = '''import errno, json, os, sys

def write_big(path):
    try:
        with open(path, "wb") as f:
            f.write(b"x" * (2 << 20))
        return 0
    except OSError as e:
        return e.errno

def limits():
    with open("/proc/self/limits") as f:
        return {line[:26].strip(): line[26:].split()[:2] for line in f}

def application(environ, start_response):
    body = json.dumps({"errno": write_big("/tmp/big"), "limits": limits()}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]

if __name__ == "__main__":
    print(json.dumps({"errno": write_big(sys.argv[1])}))
'''


def test_configured_rlimits(sandgate, workdir):
    directory = workdir / "rl"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    app = directory / "rl_app.py"
    app.write_text(APP)
    app.chmod(0o644)
    port = free_port()
    conf = workdir / "rl.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "rl"; module = "%s"; processes = 1;\n'
                    '  rlimit_fsize = "1M"; rlimit_as = "64T"; rlimit_cpu = 3600; } );\n'
                    % (port, app))
    conf.chmod(0o644)
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port])
    resp = http_request(sg.url, "/", timeout=30)
    assert resp.status == 200, resp.body
    got = json.loads(resp.body)
    assert got["errno"] == errno.EFBIG, got
    assert got["limits"]["Max file size"] == [str(1 << 20)] * 2
    assert got["limits"]["Max address space"] == [str(64 << 40)] * 2
    assert got["limits"]["Max cpu time"] == ["3600"] * 2
    argv = [PYTHON, str(app), str(directory / "big")]
    if IS_ROOT:
        directory.chmod(0o777)
        argv = setpriv(uid_of("nobody"), gid_of("nobody")) + argv
    outside = json.loads(subprocess.run(argv, capture_output=True, text=True, timeout=60,
                                        check=True).stdout)
    assert outside["errno"] == 0
