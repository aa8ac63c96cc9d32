#!/usr/bin/env python3
"""Opens N keep-alive connections to a proxy, sends one request on each, reads the answer, then keeps them open and
idle until the DONE file appears. Writes 'READY <n>' to the READY file once all are established.
Used by bench/idle-connections.sh: idle_clients.py HOST PORT N READY DONE"""
import selectors
import os
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ready_file, done_file = sys.argv[4], sys.argv[5]
req = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
socks = []
pending = set()
sel = selectors.DefaultSelector()
for i in range(n):
    s = socket.create_connection((host, port))
    s.sendall(req)
    socks.append(s)
    pending.add(s)
    sel.register(s, selectors.EVENT_READ)
    if len(socks) % 500 == 0:
        # drain answers as we go so the proxy never holds unread responses
        for key, _ in sel.select(timeout=0):
            if key.fileobj.recv(65536):
                pending.discard(key.fileobj)
                sel.unregister(key.fileobj)
deadline = time.time() + 120
while pending and time.time() < deadline:
    for key, _ in sel.select(timeout=10):
        data = key.fileobj.recv(65536)
        if data:
            pending.discard(key.fileobj)
            sel.unregister(key.fileobj)
if pending:
    sys.exit("%d of %d connections got no answer" % (len(pending), n))
with open(ready_file + ".tmp", "w") as f:
    f.write("READY %d\n" % len(socks))
os.rename(ready_file + ".tmp", ready_file)
while not os.path.exists(done_file):
    time.sleep(0.2)
for s in socks:
    s.close()
