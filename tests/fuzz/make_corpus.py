#!/usr/bin/python3
"""Writes the seed corpus in tests/fuzz/corpus/<harness>/. Run from anywhere
with Debian's /usr/bin/python3; the output is committed, so rerun it only
after changing a seed here."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def scgi(pairs, body=b""):
    block = b"".join(k + b"\0" + v + b"\0" for k, v in pairs)
    return str(len(block)).encode() + b":" + block + b"," + body


SCGI = {
    # The example of the SCGI spec, section 3.
    "spec_example": scgi([(b"CONTENT_LENGTH", b"27"), (b"SCGI", b"1"),
                          (b"REQUEST_METHOD", b"POST"),
                          (b"REQUEST_URI", b"/deepthought")],
                         b"What is the answer to life?"),
    # nginx with the stock scgi_params, GET with a query.
    "nginx_get": scgi([(b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1"),
                       (b"QUERY_STRING", b"id=3"), (b"REQUEST_METHOD", b"GET"),
                       (b"CONTENT_TYPE", b""),
                       (b"REQUEST_URI", b"/blog/post?id=3"),
                       (b"DOCUMENT_URI", b"/blog/post"),
                       (b"DOCUMENT_ROOT", b"/usr/share/nginx/html"),
                       (b"SERVER_PROTOCOL", b"HTTP/1.1"),
                       (b"REQUEST_SCHEME", b"http"),
                       (b"REMOTE_ADDR", b"127.0.0.1"), (b"REMOTE_PORT", b"51234"),
                       (b"SERVER_PORT", b"80"), (b"SERVER_NAME", b"localhost"),
                       (b"HTTP_HOST", b"localhost"),
                       (b"HTTP_USER_AGENT", b"curl/7.88.1"),
                       (b"HTTP_ACCEPT", b"*/*"), (b"HTTP_PROXY", b"http://evil/")]),
    # nginx, a form POST with its body.
    "nginx_post": scgi([(b"CONTENT_LENGTH", b"7"), (b"SCGI", b"1"),
                        (b"QUERY_STRING", b""), (b"REQUEST_METHOD", b"POST"),
                        (b"CONTENT_TYPE", b"application/x-www-form-urlencoded"),
                        (b"REQUEST_URI", b"/form"), (b"HTTP_HOST", b"localhost"),
                        (b"HTTP_COOKIE", b"a=1; b=2")], b"a=1&b=2"),
    # Apache mod_proxy_scgi puts SCGI second, then its CGI environment.
    "apache_get": scgi([(b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1"),
                        (b"HTTP_HOST", b"localhost:8080"),
                        (b"SERVER_SIGNATURE", b""), (b"SERVER_SOFTWARE", b"Apache"),
                        (b"SERVER_NAME", b"localhost"), (b"SERVER_ADDR", b"::1"),
                        (b"SERVER_PORT", b"8080"), (b"REMOTE_ADDR", b"::1"),
                        (b"REQUEST_SCHEME", b"http"), (b"SCRIPT_NAME", b"/app"),
                        (b"PATH_INFO", b"/x"), (b"REQUEST_URI", b"/app/x"),
                        (b"QUERY_STRING", b""), (b"REQUEST_METHOD", b"GET"),
                        (b"SERVER_PROTOCOL", b"HTTP/1.1")]),
    # Refused forms, to start the search near the edges.
    "leading_zero": b"070:" + scgi([(b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1")])[3:],
    "duplicate": scgi([(b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1"), (b"A", b"1"),
                       (b"A", b"2")]),
}

HTTP = {
    "curl_get": b"GET /app/x?y=1 HTTP/1.1\r\nHost: localhost:8080\r\n"
                b"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    "curl_post": b"POST /upload HTTP/1.1\r\nHost: localhost:8080\r\n"
                 b"User-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Length: 7\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\na=1&b=2",
    "curl_expect": b"PUT /f HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 2000000\r\n"
                   b"Expect: 100-continue\r\n\r\n",
    "browser": b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n"
               b"Accept: text/html\r\nAccept-Language: fr, en;q=0.5\r\n"
               b"Cookie: a=1\r\nCookie: b=2\r\nX_Spoof: 1\r\nProxy: http://e/\r\n\r\n",
    "options_star": b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "absolute_form": b"GET http://a:81/p?q HTTP/1.1\r\nHost: a:81\r\n\r\n",
    "http10": b"HEAD /x HTTP/1.0\r\n\r\n",
    "chunked": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n0\r\n\r\n",
    "cl_te": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n",
    "obs_fold": b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
}

PATHS = {
    # The first byte picks the prefix: 0 "", 1 "/app", 2 "/a/b".
    "root": b"\x00/",
    "app": b"\x01/app/x/y?q=1",
    "decoded": b"\x01/app/a%20b/%E9",
    "nested": b"\x02/a/b/c%2Fd",
    "absolute": b"\x00http://host:80/p%41th?x#f",
    "nul": b"\x00/a%00b",
    "bad_escape": b"\x01/app/%zz",
}



def launch(pairs, magic=0x53474331, env_len=None):
    """sandgate-cgi's message: struct sg_cgi_launch, then the env block."""
    block = b"".join(k + b"\0" + v + b"\0" for k, v in pairs)
    n = len(block) if env_len is None else env_len
    return struct.pack("=II", magic, n) + block


APACHE_ENV = [(b"GATEWAY_INTERFACE", b"CGI/1.1"), (b"REQUEST_METHOD", b"GET"),
              (b"PATH_INFO", b"/~sg-alice/cgi-bin/env.py/x"),
              (b"PATH_TRANSLATED", b"/home/sg-alice/public_html/cgi-bin/env.py/x"),
              (b"SCRIPT_NAME", b"/sandgate-cgi"), (b"QUERY_STRING", b"q=1"),
              (b"HTTP_HOST", b"localhost"), (b"EMPTY", b"")]
LAUNCH = {
    "apache_get": launch(APACHE_ENV),
    "empty": launch([]),
    "wrong_magic": launch(APACHE_ENV, magic=0x53474356),
    "truncated": launch(APACHE_ENV, env_len=400),
    "repeated": launch(APACHE_ENV + [(b"PATH_INFO", b"/y")]),
}

def write(harness, seeds):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


write("fuzz_scgi", SCGI)
write("fuzz_http_head", HTTP)
write("fuzz_path_split", PATHS)
write("fuzz_cgi_launch_msg", LAUNCH)
