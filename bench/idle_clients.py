#!/usr/bin/env python3
"""Opens N keep-alive connections to a proxy, sends one request on each, reads the answer, then keeps them open and
idle until stdin closes. Prints 'READY <n>' once all are established. Used by bench/idle-connections.sh."""
import selectors
import socket
import sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
req = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
socks = []
sel = selectors.DefaultSelector()
for i in range(n):
    s = socket.create_connection((host, port))
    s.sendall(req)
    socks.append(s)
    sel.register(s, selectors.EVENT_READ)
    if len(socks) % 500 == 0:
        # drain answers as we go so the proxy never holds unread responses
        for key, _ in sel.select(timeout=0):
            key.fileobj.recv(65536)
pending = set(socks)
while pending:
    for key, _ in sel.select(timeout=10):
        data = key.fileobj.recv(65536)
        if data:
            pending.discard(key.fileobj)
print("READY", len(socks), flush=True)
sys.stdin.read()
for s in socks:
    s.close()
