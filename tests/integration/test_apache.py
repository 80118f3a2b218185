"""sandgate behind a real Apache httpd with mod_proxy_scgi (A1-A7), over TCP
(`scgi://127.0.0.1:PORT/`) and over a Unix socket (`unix:/p|scgi://localhost/`).

Apps are mounted with --prefix /app behind `ProxyPass "/app/"` (F1, A3)."""
import pytest

from conftest import apache_scgi_proxy, free_port, web_server_group_args

PREFIX = "/app"


@pytest.fixture(params=["tcp", "unix"])
def transport(request):
    """A1: the two ways mod_proxy_scgi reaches a backend."""
    return request.param


def start_behind_apache(sandgate, apache, workdir, transport, app_args, extra_args=(),
                        ready_path="/"):
    """sandgate's own app socket on TCP or Unix, and Apache proxying /app/ to it."""
    if transport == "unix":
        addr = "unix:%s/app.sock" % workdir
    else:
        addr = "127.0.0.1:%d" % free_port()
    sg = sandgate("--scgi", addr, "--prefix", PREFIX, *web_server_group_args(addr),
                  *extra_args, *app_args, ready_path=ready_path)
    httpd = apache(apache_scgi_proxy(PREFIX + "/", addr))
    return sg, httpd


def test_hello_A1(sandgate, apache, workdir, apps, transport):
    """A1: ProxyPass to scgi://host:port/ and to unix:/path|scgi://localhost/."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport, [apps / "hello.py"])
    resp = httpd.get(PREFIX + "/")
    assert resp.status == 200, (resp, httpd.error_log()[-2000:])
    assert resp.body == b"Hello from sandgate\n"


def test_status_line_is_cgi_style_S6(sandgate, apache, workdir, apps, transport):
    """S6/F2: Apache takes a response line without ':' as a malformed header
    (500); every status the app picks must therefore arrive as sent."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport,
                                   [apps / "redirect_app.py"])
    assert httpd.get(PREFIX + "/target").status == 200
    assert httpd.get(PREFIX + "/see-other").status == 303
    assert httpd.get(PREFIX + "/no-content").status == 204
    assert "malformed header" not in httpd.error_log()


def test_environ_split_by_prefix_A3_F1(sandgate, apache, workdir, apps, transport):
    """A3: Apache sends the whole path as SCRIPT_NAME and no PATH_INFO; the
    gateway re-splits REQUEST_URI by the mount prefix (F1): the app sees
    SCRIPT_NAME=/app and the decoded rest as PATH_INFO."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport, [apps / "env_app.py"])
    resp = httpd.get(PREFIX + "/a/b%20c?x=1", method="POST", body=b"hello",
                     headers={"Content-Type": "text/plain", "Proxy": "http://evil.example/"})
    assert resp.status == 200, (resp, httpd.error_log()[-2000:])
    env = resp.json()
    assert env["SCRIPT_NAME"] == PREFIX
    assert env["PATH_INFO"] == "/a/b c"
    assert env["QUERY_STRING"] == "x=1"
    assert env["CONTENT_LENGTH"] == "5" and env["_body"] == "hello"
    assert "HTTP_PROXY" not in env                      # C4
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env   # W3


def test_local_location_is_internal_redirect_A6(sandgate, apache, workdir, apps, transport):
    """Section 4.5 / A6: 200 with `Location: /app/target` makes Apache fetch
    /app/target itself (ProxySCGIInternalRedirect On) and send that page,
    where nginx passes the app's own answer (see test_nginx)."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport,
                                   [apps / "redirect_app.py"])
    resp = httpd.get(PREFIX + "/local")
    assert resp.status == 200
    assert resp.body == b"target reached\n"


def test_absolute_location_302_passes_C8(sandgate, apache, workdir, apps, transport):
    """Section 4.5 / C8: a 302 with an absolute Location reaches the client
    unchanged (the gateway always sends Status, so Apache needs no conversion)."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport,
                                   [apps / "redirect_app.py"])
    resp = httpd.get(PREFIX + "/absolute")
    assert resp.status == 302
    assert resp.header("Location") == "http://127.0.0.1/elsewhere"


def test_absolute_location_with_200_not_redirected_A6(sandgate, apache, workdir, apps):
    """A6: only a Location starting with '/' triggers the internal redirect."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, "tcp", [apps / "redirect_app.py"])
    resp = httpd.get(PREFIX + "/absolute-200")
    assert resp.status == 200
    assert resp.body == b"ok with an absolute location\n"


def test_content_length_body_intact_A5(sandgate, apache, workdir, apps):
    """Section 4.5 / A5: Apache drops the backend's Content-Length; the body
    still arrives whole."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, "tcp", [apps / "redirect_app.py"])
    resp = httpd.get(PREFIX + "/length")
    assert resp.status == 200
    assert resp.body == b"exactly twenty bytes"


def test_validator_app_W1_to_W12(sandgate, apache, workdir, apps, transport):
    """wsgiref.validate.validator finds nothing wrong behind Apache either."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport,
                                   [apps / "validated_env_app.py"])
    get = httpd.get(PREFIX + "/v?y=2")
    assert get.status == 200, (get, httpd.error_log()[-2000:])
    assert get.json()["_validated"] == "yes"
    post = httpd.get(PREFIX + "/v", method="POST", body=b"b" * 5000,
                     headers={"Content-Type": "text/plain"})
    assert post.status == 200
    assert post.json()["_body"] == "b" * 5000


def test_flask_template(sandgate, apache, workdir, apps, transport):
    """Flask renders its templates behind Apache; url_for honours SCRIPT_NAME."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, transport,
                                   [apps / "flask_app.py"])
    index = httpd.get(PREFIX + "/")
    assert index.status == 200, (index, httpd.error_log()[-2000:])
    assert b"Rendered by flask from a template" in index.body
    assert b'href="%s/greet/link"' % PREFIX.encode() in index.body
    assert b"Hello, dave!" in httpd.get(PREFIX + "/greet/dave").body


def test_timeout_is_504_through_apache(sandgate, apache, workdir, apps):
    """Section 4.5 'silent past the timeout' / A7: the gateway's --timeout
    answers 504 before Apache's own 60 s, and Apache passes it on."""
    _, httpd = start_behind_apache(sandgate, apache, workdir, "tcp", [apps / "sleepy_app.py"],
                                   extra_args=["--timeout", "2"])
    assert httpd.get(PREFIX + "/sleep?s=30").status == 504
    assert httpd.get(PREFIX + "/").status == 200
