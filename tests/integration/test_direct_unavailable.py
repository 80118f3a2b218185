"""The direct path when the app cannot be served (design §2: the gateway
answers 502/503/504 itself when a cell cannot). Nothing of the app accepts
on its own socket while its import keeps failing, so the gateway does and
answers 503, instead of leaving the front end waiting for its timeout."""
from conftest import scgi_request

IMPORT_ERROR_TEXT = "import_error_app: failing at import on purpose"


def test_direct_socket_answers_503_while_import_fails(sandgate, workdir, apps):
    direct = "unix:%s/app.sock" % workdir
    sg = sandgate("--scgi", direct, apps / "import_error_app.py", ready=False)
    assert sg.wait_listening(), sg.stderr_text()[-3000:]
    assert sg.wait_for_log(IMPORT_ERROR_TEXT), sg.stderr_text()[-3000:]
    for _ in range(3):
        resp = scgi_request(direct, "/")
        assert resp is not None and resp.status == 503, sg.stderr_text()[-3000:]
        assert b"Traceback" not in resp.body
    assert sg.proc.poll() is None


def test_direct_socket_served_by_workers_once_ready(sandgate, workdir, apps):
    """With a running cell the workers answer, not the gateway."""
    direct = "unix:%s/app.sock" % workdir
    sandgate("--scgi", direct, apps / "hello.py", ready=False).wait_listening()
    resp = None
    for _ in range(50):
        resp = scgi_request(direct, "/")
        if resp is not None and resp.status == 200:
            break
    assert resp is not None and resp.status == 200
    assert resp.body == b"Hello from sandgate\n"
