"""A hosted app is hostile (threat model): through the descriptors a cell
holds it must not be able to crash or stall the gateway, nor reach the
gateway's own stdio."""
import json

from conftest import free_port, http_request


def start(sandgate, apps):
    http = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", http, "--processes", "1", apps / "hostile_app.py")
    return sg, "http://" + http


def action(url, name):
    resp = http_request(url, "/" + name)
    assert resp.status == 200, resp
    return json.loads(resp.body)["result"]


def test_scoreboard_cannot_be_shrunk_under_the_gateway(sandgate, apps):
    """Review finding 1: ftruncate of the scoreboard memfd would SIGBUS the
    gateway's next timeout scan. The memfd is sealed."""
    sg, url = start(sandgate, apps)
    assert action(url, "shrink").startswith("refused")
    for _ in range(3):  # scans run every 200 ms; the gateway is still here
        assert action(url, "ok") == "ok"
    assert sg.proc.poll() is None


def test_control_flood_does_not_stop_the_gateway(sandgate, apps):
    """Review finding 5: junk on the control socket is read in bounded
    batches; other requests keep being answered."""
    sg, url = start(sandgate, apps)
    assert action(url, "flood").startswith("sent")
    assert action(url, "ok") == "ok"
    assert sg.proc.poll() is None


def test_app_output_is_relayed_not_the_gateway_stderr(sandgate, apps):
    """Review finding 4: without --log the app's stderr is a pipe the
    gateway reads, not the gateway's own stderr (which may be root's
    terminal); its lines land in the gateway log, marked with the app."""
    sg, url = start(sandgate, apps)
    result = action(url, "stdio")
    assert result.startswith("no tty pipe:"), result
    assert sg.wait_for_log("hostile_app: stdio -> no tty pipe:")
    assert "<hostile_app> " in sg.stderr_text()
