"""/crash kills its own worker with SIGKILL before answering (the gateway
answers 502); /crash-late does it after sending part of the body; any other
path answers "alive <pid>"."""
import os
import signal


def late_crash():
    yield b"partial body\n"
    os.kill(os.getpid(), signal.SIGKILL)
    yield b"never sent\n"


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path.endswith("/crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    if path.endswith("/crash-late"):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return late_crash()
    body = ("alive %d\n" % os.getpid()).encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
