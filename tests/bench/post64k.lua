-- wrk script for the echo app: every request is a POST of the same 64 KiB
-- body, byte i = (i * 7 + 3) % 256 (sgbench/check.py sends the same body and
-- checks the returned length and sha256 before any load). wrk adds the
-- Content-Length header itself.
local bytes = {}
for i = 0, 65535 do
   bytes[i + 1] = string.char((i * 7 + 3) % 256)
end
wrk.method = "POST"
wrk.body = table.concat(bytes)
wrk.headers["Content-Type"] = "application/octet-stream"
