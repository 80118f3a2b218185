"""Returns the WSGI environ as JSON, plus the request body it read.

Every str value is passed through as is; JSON escapes code points above
U+007F, so latin-1 strings (W4) survive the trip. Other values become
their repr, and "_types" maps every key to its Python type name (W1, W4).
The body is read up to CONTENT_LENGTH and returned latin-1 decoded.
"""
import json


def read_body(environ):
    length = environ.get("CONTENT_LENGTH") or "0"
    stream = environ["wsgi.input"]
    wanted = int(length)
    chunks = []
    while wanted > 0:
        chunk = stream.read(min(wanted, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def describe(environ):
    out = {}
    for key, value in environ.items():
        out[key] = value if isinstance(value, str) else repr(value)
    out["_types"] = {key: type(value).__name__ for key, value in environ.items()}
    out["_environ_type"] = type(environ).__name__
    return out


def application(environ, start_response):
    body = read_body(environ)
    report = describe(environ)
    report["_body"] = body.decode("latin-1")
    data = json.dumps(report, sort_keys=True).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]
