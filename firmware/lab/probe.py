#!/usr/bin/env python3
"""Interception probes for the lab (run each inside a lab namespace with `ip netns exec`).

  probe.py server PORT COUNT   plain TCP server: answers "server PEER_IP" to COUNT connections
  probe.py proxy PORT COUNT    transparent (IP_TRANSPARENT) listener standing in for the
                               appliance's proxy: for each diverted connection it connects to the
                               original destination FROM THE CLIENT'S ADDRESS, reads the server's
                               line and answers "proxy ORIGINAL_DST | SERVER_LINE"
  probe.py connect HOST PORT   client: prints the first line received, or "error NAME"

Servers print "ready" once listening, and give up after 20 seconds without a connection.
"""
import socket
import sys

IP_TRANSPARENT = 19
TIMEOUT = 20


def listener(port, transparent):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if transparent:
        s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    return s


def read_line(sock):
    data = b""
    while not data.endswith(b"\n") and len(data) < 512:
        chunk = sock.recv(512)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


def server(port, count):
    s = listener(port, transparent=False)
    for _ in range(count):
        conn, peer = s.accept()
        with conn:
            conn.sendall(f"server {peer[0]}\n".encode())


def proxy(port, count):
    s = listener(port, transparent=True)
    for _ in range(count):
        conn, peer = s.accept()
        with conn:
            original = conn.getsockname()   # TPROXY keeps the original destination
            try:
                up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                up.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
                up.settimeout(5)
                up.bind((peer[0], 0))        # full transparency: the client's own address
                up.connect(original)
                with up:
                    answer = read_line(up)
            except OSError as error:
                answer = f"upstream error {type(error).__name__}"
            conn.sendall(f"proxy {original[0]}:{original[1]} | {answer}\n".encode())
            print(f"{peer[0]} -> {original[0]}:{original[1]}: {answer}", flush=True)


def connect(host, port):
    try:
        with socket.create_connection((host, port), timeout=5) as c:
            print(read_line(c))
    except OSError as error:
        print(f"error {type(error).__name__}")


def main(argv):
    if len(argv) != 4 or argv[1] not in ("server", "proxy", "connect"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "connect":
        connect(argv[2], int(argv[3]))
    elif argv[1] == "server":
        server(int(argv[2]), int(argv[3]))
    else:
        proxy(int(argv[2]), int(argv[3]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except socket.timeout:
        print("timeout waiting for a connection", file=sys.stderr)
        sys.exit(1)
