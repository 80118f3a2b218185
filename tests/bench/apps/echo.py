"""Benchmark app "echo": reads the whole POST body (the bench sends 64 KiB)
and answers "<length> <sha256 hex>\\n" as text/plain."""
import hashlib


def application(environ, start_response):
    try:
        left = int(environ.get("CONTENT_LENGTH") or "0")
    except ValueError:
        left = 0
    body = environ["wsgi.input"]
    h = hashlib.sha256()
    seen = 0
    while left > 0:
        block = body.read(min(left, 1 << 16))
        if not block:
            break
        h.update(block)
        seen += len(block)
        left -= len(block)
    out = b"%d %s\n" % (seen, h.hexdigest().encode("ascii"))
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(out)))])
    return [out]
