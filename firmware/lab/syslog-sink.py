#!/usr/bin/env python3
"""A syslog collector for the lab: the appliance's "local syslog daemon".

  syslog-sink.py SOCKET LOGFILE

Binds a UNIX datagram socket at SOCKET (what `mailsecd --syslog-socket` writes to, like
/dev/log on a real box) and appends every datagram to LOGFILE as one line, flushed at once so a
reader sees each line as soon as it was sent. Prints "ready" once bound; ends on SIGTERM and
removes its socket.
"""
import os
import signal
import socket
import sys

# A syslog datagram larger than this is cut; RFC 5424 §6.1 asks receivers to take 480 octets
# at least and recommends 2048; the appliance's lines are far shorter.
MAX_DATAGRAM = 8192


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, logfile = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)

    def stop(*_):
        try:
            os.unlink(path)
        finally:
            sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    with open(logfile, "a", encoding="utf-8", errors="replace") as out:
        while True:
            data = sock.recv(MAX_DATAGRAM)
            line = data.decode("utf-8", errors="replace").rstrip("\r\n\0").replace("\n", " ")
            out.write(line + "\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
