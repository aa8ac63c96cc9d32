#!/usr/bin/env python3
"""burst_clients.py HOST PORT N: N clients connect at once, and only when all are connected does each send one GET
(Connection: close); prints one line, the answers counted by status ("200=N 503=M ..."; "none" for a client that got
no answer within 20 s). A burst of new clients to a freshly started proxy, as after a restart."""
import collections
import selectors
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    socks.append(s)
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_WRITE)
connected, deadline = 0, time.time() + 10
while connected < n and time.time() < deadline:
    for key, _ in sel.select(1):
        sel.unregister(key.fileobj)
        connected += 1
request = ("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host).encode()
for s in socks:
    try:
        s.send(request)
        sel.register(s, selectors.EVENT_READ)
    except (OSError, KeyError, ValueError):
        pass
answers, deadline = {}, time.time() + 20
while len(answers) < n and time.time() < deadline:
    for key, _ in sel.select(1):
        s = key.fileobj
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        answers[s] = answers.get(s, b"") + data
        if not data or b"\r\n\r\n" in answers[s]:
            sel.unregister(s)
counts = collections.Counter()
for s in socks:
    status_line = answers.get(s, b"").split(b"\r\n")[0].split(b" ")
    counts[status_line[1].decode() if len(status_line) > 1 else "none"] += 1
    s.close()
print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))
