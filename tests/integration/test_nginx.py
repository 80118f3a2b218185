"""sandgate behind a real nginx (scgi_pass, N1-N8), on both request paths:
the app's own SCGI socket (direct) and a routed SCGI listener.

Every app is mounted with --prefix /app behind `location /app/` (F1)."""
import hashlib
import os
import re
import urllib.parse

import pytest

from conftest import (curl, free_port, nginx_scgi_location, parse_http_response,
                      raw_exchange, web_server_group_args)

PREFIX = "/app"


def start_behind_nginx(sandgate, nginx, workdir, path, app_args, extra_args=(),
                       location_extra="", ready_path="/"):
    """sandgate with the app's own socket (first --scgi, Unix) and a routed TCP
    listener (second --scgi), and nginx passing /app/ to the one `path` names."""
    direct = "unix:%s/app.sock" % workdir
    routed = "127.0.0.1:%d" % free_port()
    sg = sandgate("--scgi", direct, "--scgi", routed, "--prefix", PREFIX,
                  *web_server_group_args(direct), *extra_args, *app_args, ready_path=ready_path)
    addr = direct if path == "direct" else routed
    ng = nginx(nginx_scgi_location(PREFIX + "/", addr, location_extra))
    return sg, ng


@pytest.fixture(params=["direct", "routed"])
def request_path(request):
    """The two request paths of DESIGN.md section 2."""
    return request.param


def test_hello_N1(sandgate, nginx, workdir, apps, request_path):
    """N1: scgi_pass to a Unix socket (direct) and to host:port (routed)."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, [apps / "hello.py"])
    resp = ng.get(PREFIX + "/")
    assert resp.status == 200, resp.body
    assert resp.body == b"Hello from sandgate\n"


def test_environ_F1_W2_W3_W4_C4(sandgate, nginx, workdir, apps, request_path):
    """F1 split of REQUEST_URI by the prefix, percent-decoded as latin-1 (W4);
    W2 keys; W3: no HTTP_CONTENT_TYPE/HTTP_CONTENT_LENGTH although nginx sends
    them (N3); C4: a Proxy header never becomes HTTP_PROXY."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, [apps / "env_app.py"])
    resp = ng.get(PREFIX + "/caf%C3%A9/x%20y?q=%C3%A9&b=2", method="POST",
                  body=b"name=value", headers={"Content-Type": "application/x-www-form-urlencoded",
                                               "Proxy": "http://evil.example/",
                                               "X-Custom": "caf\xe9".encode("latin-1")})
    assert resp.status == 200, resp.body
    env = resp.json()
    assert env["_environ_type"] == "dict"                          # W1
    assert env["SCRIPT_NAME"] == PREFIX                           # F1
    assert env["PATH_INFO"] == "/caf\u00c3\u00a9/x y"             # W4: UTF-8 bytes as latin-1
    assert env["QUERY_STRING"] == "q=%C3%A9&b=2"                  # C1: not decoded
    assert env["REQUEST_METHOD"] == "POST"
    assert env["CONTENT_LENGTH"] == "10"
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["_body"] == "name=value"
    assert env["HTTP_X_CUSTOM"] == "caf\xe9"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env   # W3
    assert "HTTP_PROXY" not in env                                # C4
    for key in ("SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL"):
        assert env.get(key), key                                  # W2
    assert env["wsgi.version"] == "(1, 0)"
    assert env["wsgi.url_scheme"] == "http"
    for key in ("wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess",
                "wsgi.run_once"):
        assert key in env, key
    cgi_keys = [k for k in env if k.isupper() and k != "_types"]
    for key in cgi_keys:
        assert env["_types"][key] == "str", key                  # W4: native strings


def test_validator_app_W1_to_W12(sandgate, nginx, workdir, apps, request_path):
    """wsgiref.validate.validator accepts what the gateway gives and takes
    (a violation would raise in the app and turn into a 500)."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path,
                               [apps / "validated_env_app.py"])
    get = ng.get(PREFIX + "/some/path?x=1")
    assert get.status == 200, get.body
    assert get.json()["_validated"] == "yes"
    assert get.json()["PATH_INFO"] == "/some/path"
    post = ng.get(PREFIX + "/post", method="POST", body=b"a" * 1000,
                  headers={"Content-Type": "text/plain"})
    assert post.status == 200, post.body
    assert post.json()["_body"] == "a" * 1000


@pytest.mark.parametrize("uri, script_name, path_info", [
    (PREFIX + "/", PREFIX, "/"),
    (PREFIX + "/a/b", PREFIX, "/a/b"),
    (PREFIX + "/a%20b/", PREFIX, "/a b/"),
])
def test_prefix_mount_F1(sandgate, nginx, workdir, apps, uri, script_name, path_info):
    """F1: with --prefix /app behind `location /app/`, SCRIPT_NAME is the prefix
    and PATH_INFO the decoded rest of the path."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, "direct", [apps / "env_app.py"])
    env = ng.get(uri).json()
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == (script_name, path_info)


def test_prefix_rejects_encoded_slash_F1(sandgate, nginx, workdir, apps):
    """F1: a %2F that would decode into PATH_INFO is rejected (a 4xx answer),
    and the next request is served."""
    sg, ng = start_behind_nginx(sandgate, nginx, workdir, "direct", [apps / "env_app.py"])
    resp = ng.get(PREFIX + "/a%2Fb")
    assert 400 <= resp.status < 500, resp
    assert ng.get(PREFIX + "/").status == 200


def test_flask_template(sandgate, nginx, workdir, apps, request_path):
    """A Flask app renders its Jinja templates; url_for honours SCRIPT_NAME (F1)."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, [apps / "flask_app.py"])
    index = ng.get(PREFIX + "/")
    assert index.status == 200, index.body
    assert b"Rendered by flask from a template" in index.body
    assert b'href="%s/greet/link"' % PREFIX.encode() in index.body
    greet = ng.get(PREFIX + "/greet/bob")
    assert b"Hello, bob!" in greet.body
    echo = ng.get(PREFIX + "/echo", method="POST", body=b"name=carol",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert echo.status == 200 and b"Hello, carol!" in echo.body


def django_args(apps):
    site = apps / "django_site"
    return ["--chdir", site, "--pythonpath", site, "mysite.wsgi:application"]


def csrf_parts(form_page):
    """(csrftoken cookie, form token) from a GET of the Django form."""
    cookie = None
    for value in form_page.header_all("Set-Cookie"):
        match = re.search(r"csrftoken=([^;]+)", value)
        if match:
            cookie = match.group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.body)
    assert cookie and token, (form_page.headers, form_page.body)
    return cookie, token.group(1).decode()


def test_django_form_post_with_csrf(sandgate, nginx, workdir, apps, request_path):
    """Django 3.2: GET the form, POST it back with the CSRF token and cookie;
    the same POST without them is refused by Django (403)."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, django_args(apps),
                               ready_path="/form/")
    form = ng.get(PREFIX + "/form/")
    assert form.status == 200, form.body
    assert b'action="%s/form/"' % PREFIX.encode() in form.body       # SCRIPT_NAME honoured
    cookie, token = csrf_parts(form)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "name": "alice"}).encode()
    posted = ng.get(PREFIX + "/form/", method="POST", body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Cookie": "csrftoken=" + cookie})
    assert posted.status == 200, posted.body
    assert b"Django got alice" in posted.body
    refused = ng.get(PREFIX + "/form/", method="POST", body=b"name=mallory",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status == 403


def test_absolute_location_302_C8(sandgate, nginx, workdir, apps, request_path):
    """Section 4.5: 302 with an absolute Location reaches the client unchanged."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path,
                               [apps / "redirect_app.py"])
    resp = ng.get(PREFIX + "/absolute")
    assert resp.status == 302
    assert resp.header("Location") == "http://127.0.0.1/elsewhere"


def test_local_location_with_200_passed_through_N6(sandgate, nginx, workdir, apps):
    """Section 4.5 / N6: a plain Location never makes nginx redirect
    internally: the client gets the app's own 200, body and Location."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, "direct", [apps / "redirect_app.py"])
    resp = ng.get(PREFIX + "/local")
    assert resp.status == 200
    assert resp.body == b"local redirect source\n"
    assert resp.header("Location", "").endswith(PREFIX + "/target")


def test_status_rows_F2(sandgate, nginx, workdir, apps, request_path):
    """F2/N5: the explicit Status reaches the client for 303 and 204 (N7: no
    body), an exception before start_response is a 500 (W13), and the app's
    Content-Length is trusted by nginx (section 4.5)."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path,
                               [apps / "redirect_app.py"])
    see_other = ng.get(PREFIX + "/see-other")
    assert see_other.status == 303
    assert see_other.header("Location", "").endswith(PREFIX + "/target")
    no_content = ng.get(PREFIX + "/no-content")
    assert no_content.status == 204 and no_content.body == b""
    raised = ng.get(PREFIX + "/raise")
    assert raised.status == 500
    length = ng.get(PREFIX + "/length")
    assert length.status == 200 and length.body == b"exactly twenty bytes"
    assert length.header("Content-Length") == "20"
    assert ng.get(PREFIX + "/").status == 200


def test_timeout_is_504_through_nginx(sandgate, nginx, workdir, apps):
    """Section 4.5 'silent past the timeout': the gateway's --timeout answers
    504 before nginx's own 60 s read timeout, and nginx passes it on."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, "direct", [apps / "sleepy_app.py"],
                               extra_args=["--timeout", "2"])
    resp = ng.get(PREFIX + "/sleep?s=30")
    assert resp.status == 504
    assert ng.get(PREFIX + "/").status == 200


def test_body_cut_off_by_the_app_W13(sandgate, nginx, workdir, apps):
    """W13: the app raises after its first chunk, with no Content-Length. On
    the routed TCP path the worker resets the connection, and nginx ends its
    chunked answer without the last chunk, so curl reports the body cut off
    (18) instead of exiting 0. Over the direct path's Unix socket there is
    no reset to give: nginx sees a clean EOF (docs/architecture.md)."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, "routed", [apps / "body_raise_app.py"])
    out = curl(ng.url + PREFIX + "/?after")
    assert out.returncode == 18, (out.returncode, out.stdout, out.stderr)
    assert b"first chunk\n".startswith(out.stdout)   # nginx may drop what it held
    assert ng.get(PREFIX + "/?before").status == 500   # the worker serves on


def test_head_has_no_body_C9(sandgate, nginx, workdir, apps, request_path):
    """C9: the answer to HEAD carries no body."""
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, [apps / "hello.py"])
    raw = raw_exchange(("tcp", ("127.0.0.1", ng.port)),
                       b"HEAD %s/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                       % PREFIX.encode())
    resp = parse_http_response(raw)
    assert resp.status == 200
    assert resp.body == b""


def write_big_file(apps, size):
    data = os.urandom(1 << 20)
    digest = hashlib.sha256()
    with open(apps / "big.bin", "wb") as f:
        for _ in range(size >> 20):
            f.write(data)
            digest.update(data)
    os.chmod(apps / "big.bin", 0o644)
    return digest.hexdigest()


def test_download_50MiB_W12(sandgate, nginx, workdir, apps, request_path):
    """W12: a 50 MiB wsgi.file_wrapper download arrives whole through nginx."""
    expected = write_big_file(apps, 50 << 20)
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, [apps / "big_app.py"])
    digest, count = hashlib.sha256(), [0]

    def sink(chunk):
        digest.update(chunk)
        count[0] += len(chunk)
    resp = ng.get(PREFIX + "/download", sink=sink)
    assert resp.status == 200
    assert count[0] == 50 << 20
    assert digest.hexdigest() == expected


def test_upload_10MiB_S5_W10(sandgate, nginx, workdir, apps, request_path):
    """S5/W10: the app reads exactly CONTENT_LENGTH bytes of a 10 MiB upload."""
    body = os.urandom(10 << 20)
    _, ng = start_behind_nginx(sandgate, nginx, workdir, request_path, [apps / "big_app.py"])
    resp = ng.get(PREFIX + "/upload", method="POST", body=body,
                  headers={"Content-Type": "application/octet-stream"})
    assert resp.status == 200, resp.body
    assert resp.body.decode().split() == [hashlib.sha256(body).hexdigest(), str(len(body))]
