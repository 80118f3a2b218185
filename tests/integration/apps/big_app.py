"""Large bodies in both directions.

GET /download  streams big.bin (next to this file, written by the test)
               through environ['wsgi.file_wrapper'] (W12).
POST /upload   reads CONTENT_LENGTH bytes of wsgi.input in chunks and
               answers "<sha256 hex> <byte count>".
"""
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BIG_FILE = os.path.join(HERE, "big.bin")


def download(environ, start_response):
    f = open(BIG_FILE, "rb")
    size = os.fstat(f.fileno()).st_size
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(size))])
    return environ["wsgi.file_wrapper"](f, 65536)


def upload(environ, start_response):
    remaining = int(environ.get("CONTENT_LENGTH") or "0")
    stream = environ["wsgi.input"]
    digest = hashlib.sha256()
    count = 0
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            break
        digest.update(chunk)
        count += len(chunk)
        remaining -= len(chunk)
    body = ("%s %d\n" % (digest.hexdigest(), count)).encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path.endswith("/download"):
        return download(environ, start_response)
    if path.endswith("/upload"):
        return upload(environ, start_response)
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"try /download or /upload\n"]
