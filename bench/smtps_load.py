#!/usr/bin/python3
"""SMTP over implicit TLS (RFC 8314, port 465) as a load: what smtp-source does for plaintext
SMTP, which it cannot do over TLS.

    smtps_load.py HOST PORT SESSIONS COUNT SIZE CAFILE SERVERNAME [TIMEOUT_S]
        → JSON {"messages": n, "elapsed_s": s, "errors": [...], "failed": n, "client_cpu_s": s}

COUNT messages over SESSIONS parallel sessions, one message per TLS connection (as smtp-source
sends one per SMTP session): handshake verifying the server's certificate against CAFILE with
SERVERNAME as SNI and expected name, EHLO, MAIL, RCPT, DATA, QUIT. Exit status 0 only when every
message was accepted.
"""
import asyncio
import json
import ssl
import sys
import time

CONNECT_TIMEOUT_S = 30


def message(size):
    head = b"From: <load@example.com>\r\nTo: <sink@example.com>\r\nSubject: tls load\r\n\r\n"
    line = b"x" * 78 + b"\r\n"
    return head + line * max(1, (size - len(head)) // len(line))


async def reply(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return int(line[:3])


async def transaction(host, port, context, name, data):
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=context, server_hostname=name), CONNECT_TIMEOUT_S)
    try:
        steps = [(None, 220), (b"EHLO load.example\r\n", 250), (b"MAIL FROM:<load@example.com>\r\n", 250),
                 (b"RCPT TO:<sink@example.com>\r\n", 250), (b"DATA\r\n", 354), (data + b".\r\n", 250),
                 (b"QUIT\r\n", 221)]
        for command, expected in steps:
            if command:
                writer.write(command)
                await writer.drain()
            code = await reply(reader)
            if code != expected:
                raise RuntimeError(f"{command[:12] if command else b'greeting'}: {code}")
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass


async def main():
    host, port, sessions, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    context = ssl.create_default_context(cafile=sys.argv[6])
    name = sys.argv[7]
    timeout = float(sys.argv[8]) if len(sys.argv) > 8 else 120
    data = message(size)
    remaining = [count]
    errors = []

    async def worker():
        while remaining[0] > 0:
            remaining[0] -= 1
            try:
                await transaction(host, port, context, name, data)
            except (OSError, RuntimeError, ConnectionError, ssl.SSLError, asyncio.TimeoutError) as error:
                errors.append(f"{type(error).__name__}: {error}"[:200])

    started = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(sessions))), timeout)
    except asyncio.TimeoutError:
        errors.append("timeout")
    elapsed = time.perf_counter() - started
    # The client's own CPU time: near elapsed_s, this one-threaded client set the pace, not the
    # relay it measures.
    print(json.dumps({"messages": count - len(errors), "elapsed_s": elapsed, "errors": errors[:5],
                      "failed": len(errors), "client_cpu_s": time.process_time()}))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
