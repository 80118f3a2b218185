"""env_app's report, served through wsgiref.validate.validator, which
asserts PEP 3333 on both sides (W1-W12): any violation by the server
raises AssertionError in the app, and the request fails with a 500."""
import json
from wsgiref.validate import validator


def read_body(environ):
    wanted = int(environ.get("CONTENT_LENGTH") or "0")
    stream = environ["wsgi.input"]
    chunks = []
    while wanted > 0:
        chunk = stream.read(min(wanted, 65536))  # the validator wants one argument
        if not chunk:
            break
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def plain_app(environ, start_response):
    body = read_body(environ)
    report = {key: value for key, value in environ.items() if isinstance(value, str)}
    report["_body"] = body.decode("latin-1")
    report["_validated"] = "yes"
    environ["wsgi.errors"].write("validated_env_app: served %s\n" % environ.get("PATH_INFO"))
    data = json.dumps(report, sort_keys=True).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


application = validator(plain_app)
