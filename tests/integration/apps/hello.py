"""The smallest app: plain text. `custom` is a second callable for the
`file.py:callable` spec form."""


def application(environ, start_response):
    body = b"Hello from sandgate\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


def custom(environ, start_response):
    body = b"Hello from the custom callable\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
