"""hello, with sandgate's gc.freeze() undone in each worker: on a worker's
first request, gc.unfreeze() and one full gc.collect(), as a collection in a
worker would do without the freeze. Used only to price gc.freeze()."""
import gc
import os

from flask_app import application as _inner

_pid = None


def application(environ, start_response):
    global _pid
    if _pid != os.getpid():
        _pid = os.getpid()
        gc.unfreeze()
        gc.collect()
    return _inner(environ, start_response)
