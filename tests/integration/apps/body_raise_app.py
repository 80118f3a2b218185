"""Raises while producing the body (W13): ?before raises before the first
chunk (nothing sent: 500), ?after raises after one (the connection is cut)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    after = environ.get("QUERY_STRING") == "after"

    def body():
        if after:
            yield b"first chunk\n"
        raise RuntimeError("body-raise-marker")
    return body()
