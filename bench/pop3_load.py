#!/usr/bin/python3
"""POP3 load: CLIENTS clients at once, each logs in as its own user (PREFIX0, PREFIX1, …), LISTs,
RETRs every message of its mailbox (nothing deleted), QUITs.

    pop3_load.py HOST PORT CLIENTS USER_PREFIX PASSWORD [TIMEOUT_S]
    → JSON {"messages": n, "bytes": n, "elapsed_s": t, "errors": [...]}
"""
import json
import socket
import sys
import threading
import time

END_OF_MULTILINE = b"\r\n.\r\n"  # RFC 1939 §3


class Connection:
    def __init__(self, host, port, timeout):
        self.socket = socket.create_connection((host, port), timeout=timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def line(self):
        while b"\r\n" not in self.pending:
            self.receive()
        line, self.pending = self.pending.split(b"\r\n", 1)
        return line

    def receive(self):
        chunk = self.socket.recv(256 * 1024)
        if not chunk:
            raise ConnectionError("closed")
        self.pending += chunk

    def command(self, text):
        self.socket.sendall(text.encode() + b"\r\n")
        line = self.line()
        if not line.startswith(b"+OK"):
            raise RuntimeError(f"{text.split()[0]}: {line[:80]!r}")
        return line

    def multiline(self):
        """The rest of a multi-line reply, up to and without its terminating line; bytes."""
        data = b"\r\n" + self.pending  # the status line's CRLF: a body may start with "."
        searched = 0
        while True:
            end = data.find(END_OF_MULTILINE, searched)
            if end >= 0:
                self.pending = data[end + 5:]
                return data[2:end + 2]
            searched = max(0, len(data) - 4)
            chunk = self.socket.recv(256 * 1024)
            if not chunk:
                raise ConnectionError("closed mid-reply")
            data += chunk


def client(host, port, user, password, timeout, totals, lock):
    try:
        connection = Connection(host, port, timeout)
        if not connection.line().startswith(b"+OK"):
            raise RuntimeError("greeting")
        connection.command(f"USER {user}")
        connection.command(f"PASS {password}")
        connection.command("LIST")
        numbers = [int(line.split()[0]) for line in connection.multiline().split(b"\r\n") if line.strip()]
        retrieved = 0
        size = 0
        for number in numbers:
            connection.command(f"RETR {number}")
            size += len(connection.multiline())
            retrieved += 1
        connection.command("QUIT")
        connection.socket.close()
        with lock:
            totals["messages"] += retrieved
            totals["bytes"] += size
    except Exception as error:  # reported, never hidden
        with lock:
            totals["errors"].append(f"{user}: {error!r}")


def main():
    host, port, clients, prefix, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 60
    totals = {"messages": 0, "bytes": 0, "errors": []}
    lock = threading.Lock()
    threads = [threading.Thread(target=client, args=(host, port, f"{prefix}{n}", password, timeout, totals, lock))
               for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 5)
    totals["elapsed_s"] = time.perf_counter() - started
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
