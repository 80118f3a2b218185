"""Answers the sha256 and the length of the request body, read from
wsgi.input in 64 KiB pieces (or all at once with ?all)."""
import hashlib
import json


def application(environ, start_response):
    stream = environ["wsgi.input"]
    digest = hashlib.sha256()
    length = 0
    if environ.get("QUERY_STRING") == "all":
        data = stream.read()
        digest.update(data)
        length = len(data)
    else:
        while True:
            piece = stream.read(65536)
            if not piece:
                break
            digest.update(piece)
            length += len(piece)
    body = json.dumps({"sha256": digest.hexdigest(), "length": length}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
