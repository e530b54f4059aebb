#!/usr/bin/env python3
"""Mail probes for the lab (run each inside a lab namespace with `ip netns exec`).

  mailprobe.py server PORT [PORT ...]   a tiny SMTP server on every PORT: accepts any message
                                        and prints one line per message received:
                                        "message PEER_IP PORT SIZE SUBJECT"
  mailprobe.py send HOST PORT SUBJECT   sends one small message; prints "sent" or "error WHY"
  mailprobe.py pop3-server PORT         a tiny POP3 server with one message in every mailbox;
                                        prints "retr PEER_IP PORT" for every RETR answered
  mailprobe.py fetch HOST PORT          logs in, retrieves message 1; prints "fetched SUBJECT"
                                        or "error WHY"

The server prints "ready" once listening and serves until killed; every read has a timeout,
every line and message a size bound, so a stuck peer cannot hold it.
"""
import poplib
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


def listeners(port):
    """One listening socket per IP version (the lab is dual stack); an IPv6 one takes IPv6
    only, so IPv4 peers print as plain IPv4 addresses."""
    sockets = []
    for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((address, port))
        s.listen(16)
        sockets.append(s)
    return sockets


def accept_loop(s, handler, port, lock):
    while True:
        conn, peer = s.accept()
        threading.Thread(target=handler, args=(conn, peer, port, lock), daemon=True).start()


def serve_all(sockets, handler, port, lock):
    threads = [threading.Thread(target=accept_loop, args=(s, handler, port, lock), daemon=True) for s in sockets]
    for thread in threads:
        thread.start()
    return threads


POP3_MESSAGE = b"From: server@example.net\r\nTo: pc@example.com\r\nSubject: mailbox\r\n\r\nhello\r\n"


def serve_pop3_connection(conn, peer, port, lock):
    conn.settimeout(TIMEOUT)
    reader = conn.makefile("rb")

    def reply(text):
        conn.sendall(text if isinstance(text, bytes) else (text + "\r\n").encode())

    reply("+OK probe POP3")
    try:
        while True:
            line = reader.readline(LINE_LIMIT + 2)
            if not line:
                return
            verb = line.split(b" ")[0].strip().upper()
            if verb in (b"USER", b"PASS", b"NOOP", b"RSET"):
                reply("+OK")
            elif verb == b"STAT":
                reply(f"+OK 1 {len(POP3_MESSAGE)}")
            elif verb == b"LIST":
                reply(f"+OK 1 messages\r\n1 {len(POP3_MESSAGE)}\r\n.")
            elif verb == b"RETR":
                reply(b"+OK\r\n" + POP3_MESSAGE + b".\r\n")
                with lock:
                    print(f"retr {peer[0]} {port}", flush=True)
            elif verb == b"QUIT":
                reply("+OK bye")
                return
            else:
                reply("-ERR not here")
    except OSError:
        return
    finally:
        conn.close()


def pop3_server(port):
    lock = threading.Lock()
    threads = serve_all(listeners(port), serve_pop3_connection, port, lock)
    print("ready", flush=True)
    for thread in threads:
        thread.join()


def fetch(host, port):
    try:
        client = poplib.POP3(host, port, timeout=TIMEOUT)
        client.user("pc")
        client.pass_("secret")
        _, lines, _ = client.retr(1)
        client.quit()
        subject = next((l.decode(errors="replace")[8:].strip() for l in lines if l.lower().startswith(b"subject:")), "")
        print(f"fetched {subject}")
    except (OSError, poplib.error_proto) as error:
        print(f"error {type(error).__name__} {error}".strip())


def server(ports):
    lock = threading.Lock()
    threads = []
    for port in ports:
        threads += serve_all(listeners(port), serve_connection, port, lock)
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
    elif len(argv) == 3 and argv[1] == "pop3-server":
        pop3_server(int(argv[2]))
    elif len(argv) == 4 and argv[1] == "fetch":
        fetch(argv[2], int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
