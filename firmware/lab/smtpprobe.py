#!/usr/bin/env python3
"""SMTP probes for the lab (run each inside a lab namespace with `ip netns exec`).

  smtpprobe.py server PORT [PORT ...]   a tiny SMTP server on every PORT: accepts any message
                                        and prints one line per message received:
                                        "message PEER_IP PORT SIZE SUBJECT"
  smtpprobe.py send HOST PORT SUBJECT   sends one small message; prints "sent" or "error WHY"

The server prints "ready" once listening and serves until killed; every read has a timeout,
every line and message a size bound, so a stuck peer cannot hold it.
"""
import smtplib
import socket
import sys
import threading

LINE_LIMIT = 1000          # RFC 5321 4.5.3.1.6: a text line is at most 1000 octets
MESSAGE_LIMIT = 1 << 20    # these probes send small messages
TIMEOUT = 20


def serve_connection(conn, peer, port, lock):
    conn.settimeout(TIMEOUT)
    reader = conn.makefile("rb")

    def reply(text):
        conn.sendall((text + "\r\n").encode())

    reply("220 probe ESMTP")
    try:
        while True:
            line = reader.readline(LINE_LIMIT + 2)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply("250 probe")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                reply("250 OK")
            elif verb == b"DATA":
                reply("354 go ahead")
                size, subject = 0, ""
                while True:
                    data = reader.readline(LINE_LIMIT + 2)
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    size += len(data)
                    if size > MESSAGE_LIMIT:
                        reply("552 too big")
                        return
                    text = data.decode(errors="replace")
                    if not subject and text.lower().startswith("subject:"):
                        subject = text[8:].strip()
                with lock:
                    print(f"message {peer[0]} {port} {size} {subject}", flush=True)
                reply("250 queued")
            elif verb == b"QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not here")
    except OSError:
        return
    finally:
        conn.close()


def serve(port, lock):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve_connection, args=(conn, peer, port, lock), daemon=True).start()


def server(ports):
    lock = threading.Lock()
    threads = [threading.Thread(target=serve, args=(port, lock), daemon=True) for port in ports]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    for thread in threads:
        thread.join()


def send(host, port, subject):
    message = f"From: pc@example.com\r\nTo: server@example.net\r\nSubject: {subject}\r\n\r\nhello\r\n"
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as client:
            client.sendmail("pc@example.com", ["server@example.net"], message)
        print("sent")
    except (OSError, smtplib.SMTPException) as error:
        print(f"error {type(error).__name__} {error}".strip())


def main(argv):
    if len(argv) >= 3 and argv[1] == "server":
        server([int(port) for port in argv[2:]])
    elif len(argv) == 5 and argv[1] == "send":
        send(argv[2], int(argv[3]), argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
