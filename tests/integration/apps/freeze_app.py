"""Reports how many objects the zygote froze before forking (gc.freeze)."""
import gc
import os

# Something to freeze besides the interpreter's own objects: the collector
# tracks containers only, so 10000 lists.
TABLE = [[i] for i in range(10000)]


def application(environ, start_response):
    body = ("%d %d\n" % (gc.get_freeze_count(), os.getpid())).encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
