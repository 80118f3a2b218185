"""Cell lifecycle points of the core issue not covered elsewhere: the
zygote freezes its heap before forking, and an app whose import failed is
imported again (with a backoff) until it works, without a restart."""
from conftest import free_port, http_request, wait_until


def test_zygote_calls_gc_freeze_before_forking(sandgate, apps):
    http = "127.0.0.1:%d" % free_port()
    sandgate("--http", http, apps / "freeze_app.py")
    resp = http_request("http://" + http, "/")
    assert resp.status == 200
    frozen, _pid = resp.body.split()
    assert int(frozen) > 10000  # the app's table, imported once, is frozen


def test_failed_import_is_retried_until_it_works(sandgate, workdir):
    app = workdir / "flaky_app.py"
    app.write_text("raise RuntimeError('flaky_app: not yet')\n")
    app.chmod(0o644)
    http = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", http, app, ready=False)
    assert sg.wait_for_log("flaky_app: not yet"), sg.stderr_text()[-3000:]
    assert http_request("http://" + http, "/").status == 503
    assert sg.wait_for_log("restarting its cell in")
    app.write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'fixed\\n']\n")

    def fixed():
        resp = http_request("http://" + http, "/")
        return resp if resp.status == 200 else None
    resp = wait_until(fixed, timeout=60, interval=0.5)
    assert resp is not None and resp.body == b"fixed\n", sg.stderr_text()[-3000:]
