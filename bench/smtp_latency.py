#!/usr/bin/python3
"""One SMTP session at a time, one message per session: the time of each whole transaction
(connect → 221 to QUIT), as smtp-source sends it, for p50/p99 at one session.

    smtp_latency.py HOST PORT SIZE COUNT [TIMEOUT_S]   → JSON {"times_ms": [...], "errors": n}
"""
import json
import socket
import sys
import time


def reply(stream):
    while True:
        line = stream.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return int(line[:3])


def message(size):
    head = b"From: <load@example.com>\r\nTo: <sink@example.com>\r\nSubject: latency\r\n\r\n"
    line = b"x" * 78 + b"\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    return head + body


def transaction(host, port, data, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = s.makefile("rb")
        steps = [(None, 220), (b"EHLO load.example\r\n", 250), (b"MAIL FROM:<load@example.com>\r\n", 250),
                 (b"RCPT TO:<sink@example.com>\r\n", 250), (b"DATA\r\n", 354), (data + b".\r\n", 250),
                 (b"QUIT\r\n", 221)]
        for command, expected in steps:
            if command:
                s.sendall(command)
            code = reply(stream)
            if code != expected:
                raise RuntimeError(f"{command[:20] if command else 'greeting'}: {code}")


def main():
    host, port, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    deadline = time.monotonic() + (float(sys.argv[5]) if len(sys.argv) > 5 else 60)
    data = message(size)
    times, errors = [], 0
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            transaction(host, port, data, 30)
            times.append((time.perf_counter() - started) * 1000)
        except (OSError, RuntimeError, ConnectionError):
            errors += 1
    print(json.dumps({"times_ms": times, "errors": errors}))


if __name__ == "__main__":
    main()
