"""Serves a file through wsgi.file_wrapper (W12).

?path=FILE            the whole file (the worker may use sendfile)
&offset=N             seek to N first (the wrapper starts there)
&readahead=N          read N bytes through a buffered reader first
&cl=N                 declare Content-Length N (the worker must stop there)
&mode=fallback        an in-memory file without fileno(): read() fallback
&marker=FILE          a file object whose close() appends to FILE
"""
import io
from urllib.parse import parse_qs


class TrackedFile(io.FileIO):
    marker = None

    def close(self):
        if not self.closed and self.marker:
            with open(self.marker, "a") as f:
                f.write("closed\n")
        super().close()


def application(environ, start_response):
    q = {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()}
    headers = [("Content-Type", "application/octet-stream")]
    if "cl" in q:
        headers.append(("Content-Length", q["cl"]))
    if q.get("mode") == "fallback":
        with open(q["path"], "rb") as f:
            filelike = io.BytesIO(f.read())
    elif "marker" in q:
        filelike = TrackedFile(q["path"], "rb")
        filelike.marker = q["marker"]
    else:
        filelike = open(q["path"], "rb")
    if "offset" in q:
        filelike.seek(int(q["offset"]))
    if "readahead" in q:
        filelike.read(int(q["readahead"]))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](filelike, 65536)
