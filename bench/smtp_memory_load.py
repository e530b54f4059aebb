#!/usr/bin/python3
"""Memory under concurrency: N SMTP sessions that each hold one large message in DATA at once.

    smtp_memory_load.py --proxy 127.0.0.1:2525 --sink 127.0.0.1:2526 --sessions 1000 --size 5242880 \
        [--pid PID] [--spool DIR] [--timeout 600]

Starts a sink (a child process, so it gets its own core) on --sink, then opens --sessions client
sessions to --proxy (the appliance, relaying to the sink). Every client sends its whole message
except the final "." and waits until every other client has done the same; then all finish
their DATA together, so the appliance holds every message at the same moment. The sink hashes
what it receives; the digests are compared with what was sent (byte-identical, none lost).

Prints one JSON object: sent, accepted, delivered, identical, missing, peak_rss_kib (VmHWM of
--pid), spool_entries and spill_files_open (what --pid still holds in --spool), elapsed_s.
Exit status 0 only when every message was accepted and delivered identical.
"""
import argparse
import asyncio
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

WRITE_CHUNK = 64 * 1024          # bounded client buffering: 1,000 sessions × 64 KiB
READ_CHUNK = 256 * 1024
HELD_TAIL = 64                   # bytes kept back while waiting: one a minute, over an hour of hold
HOLD_KEEPALIVE_S = 60            # under the 3-minute data block timeout (RFC 5321 §4.5.3.2.5)
# How long a client waits for a reply before counting its session as failed. RFC 5321 §4.5.3.2
# gives a client 5 minutes for the greeting and most commands; a bench can't wait that long, and a
# connection the kernel dropped from a full accept queue never sees a greeting at all: without a
# bound that session would hang the whole run instead of showing in its errors.
REPLY_TIMEOUT_S = 120
# After the final dot the server may take 10 minutes (RFC 5321 §4.5.3.2.6), and here a thousand
# messages are delivered at once.
DATA_TERMINATION_TIMEOUT_S = 600
END_OF_DATA = b"\r\n.\r\n"        # RFC 5321 §4.1.1.4


def raise_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def host_port(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def common_content(size):
    """Headers and a body of about `size` bytes; some lines start with a dot (stuffed on the wire)."""
    head = (b"From: Load <load@example.com>\r\nTo: Sink <sink@example.com>\r\n"
            b"Subject: memory under concurrency\r\nMIME-Version: 1.0\r\n\r\n")
    lines = []
    total = len(head)
    n = 0
    while total < size - 40:
        line = (b".dot line %d\r\n" % n) if n % 50 == 0 else (b"%08d " % n + b"x" * 68 + b"\r\n")
        lines.append(line)
        total += len(line)
        n += 1
    return head + b"".join(lines)


# ---------------------------------------------------------------- sink (child process)

class SinkCounters:
    def __init__(self):
        self.digests = []


async def sink_session(reader, writer, counters):
    writer.write(b"220 sink.example ESMTP load sink\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-sink.example\r\n250-8BITMIME\r\n250 SIZE 1000000000\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                digest = hashlib.sha256()
                pending = b"\r\n"  # the content starts at a line start
                while True:
                    chunk = await reader.read(READ_CHUNK)
                    if not chunk:
                        return
                    data = pending + chunk
                    end = data.find(END_OF_DATA)
                    if end >= 0:
                        digest.update(data[:end + 2])
                        if len(data) > end + 5:
                            pass  # pipelined commands after the dot are not used by the clients here
                        break
                    digest.update(data[:-4])
                    pending = data[-4:]
                counters.digests.append(digest.hexdigest())
                writer.write(b"250 2.0.0 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 2.0.0 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"250 2.0.0 ok\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def run_sink(address):
    counters = SinkCounters()
    host, port = host_port(address)
    server = await asyncio.start_server(lambda r, w: sink_session(r, w, counters), host, port,
                                        backlog=4096, reuse_address=True)
    print("ready", flush=True)
    # The parent closes our stdin when the load is over: then report and stop.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()
    print(json.dumps({"digests": counters.digests}), flush=True)


# ---------------------------------------------------------------- clients

async def read_reply(reader, timeout=REPLY_TIMEOUT_S):
    return await asyncio.wait_for(read_reply_unbounded(reader), timeout=timeout)


async def read_reply_unbounded(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        if line[3:4] != b"-":
            return int(line[:3]), line


class Barrier:
    """Every client waits here until all have sent their content (or failed)."""
    def __init__(self, parties):
        self.remaining = parties
        self.event = asyncio.Event()

    def arrive(self):
        self.remaining -= 1
        if self.remaining <= 0:
            self.event.set()


async def client_session(number, address, common, barrier, results):
    host, port = host_port(address)
    unique = b"session %d\r\n" % number
    arrived = False
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=64 * 1024), timeout=REPLY_TIMEOUT_S)
        try:
            for command, expected in [(None, 220), (b"EHLO load.example", 250),
                                      (b"MAIL FROM:<load@example.com>", 250),
                                      (b"RCPT TO:<sink@example.com>", 250), (b"DATA", 354)]:
                if command:
                    writer.write(command + b"\r\n")
                code, line = await read_reply(reader)
                if code != expected:
                    raise RuntimeError(f"{command}: {line!r}")
            # `common` is already dot-stuffed (RFC 5321 §4.5.2): it goes out as it is, but for a
            # short tail kept back for the wait below.
            view = memoryview(common)
            held_from = max(len(view) - HELD_TAIL, 0)
            for offset in range(0, held_from, WRITE_CHUNK):
                writer.write(view[offset:min(offset + WRITE_CHUNK, held_from)])
                await writer.drain()
            tail = bytes(view[held_from:]) + unique
            barrier.arrive()
            arrived = True
            # Holding the message while the others arrive can take minutes; a client silent in
            # DATA for 3 minutes is cut off (RFC 5321 §4.5.3.2.5, the appliance's data block
            # timeout). So the wait goes on like a slow client: one byte of the tail a minute.
            while not barrier.event.is_set():
                try:
                    await asyncio.wait_for(barrier.event.wait(), timeout=HOLD_KEEPALIVE_S)
                except asyncio.TimeoutError:
                    if len(tail) > 1:
                        writer.write(tail[:1])
                        tail = tail[1:]
                        await writer.drain()
            writer.write(tail)
            writer.write(b".\r\n")
            code, line = await read_reply(reader, timeout=DATA_TERMINATION_TIMEOUT_S)
            results["accepted" if code == 250 else "refused"] += 1
            if code != 250:
                results["errors"].append(line.decode(errors="replace").strip())
            writer.write(b"QUIT\r\n")
            await writer.drain()
        finally:
            writer.close()
    except Exception as error:  # counted: a lost session must show in the result, not abort the rest
        results["errors"].append(f"session {number}: {error!r}")
    finally:
        if not arrived:
            barrier.arrive()


def stuffed(content):
    lines = content.split(b"\r\n")
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)


def spool_state(pid, spool):
    entries = len(os.listdir(spool)) if spool and os.path.isdir(spool) else 0
    open_files = 0
    if pid and spool:
        fd_dir = f"/proc/{pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                if os.readlink(os.path.join(fd_dir, fd)).startswith(os.path.realpath(spool)):
                    open_files += 1
            except OSError:
                pass
    return entries, open_files


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


async def run_load(args, common_wire, expected):
    barrier = Barrier(args.sessions)
    results = {"accepted": 0, "refused": 0, "errors": []}
    sessions = [client_session(n, args.proxy, common_wire, barrier, results) for n in range(args.sessions)]
    await asyncio.wait_for(asyncio.gather(*sessions), timeout=args.timeout)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="load", choices=["load", "sink"])
    parser.add_argument("--proxy")
    parser.add_argument("--sink", required=True)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--spool")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    raise_descriptor_limit()
    if args.mode == "sink":
        asyncio.run(run_sink(args.sink))
        return 0

    sink = subprocess.Popen([sys.executable, os.path.abspath(__file__), "sink", "--sink", args.sink],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if sink.stdout.readline().strip() != "ready":
            print(json.dumps({"error": "sink did not start"}))
            return 1
        content = common_content(args.size)
        # What goes on the wire (stuffed) is what arrives on the wire at the sink.
        common_wire = stuffed(content)
        base = hashlib.sha256(b"\r\n" + common_wire)
        expected = []
        for n in range(args.sessions):
            digest = base.copy()
            digest.update(b"session %d\r\n" % n)
            expected.append(digest.hexdigest())
        started = time.monotonic()
        try:
            results = asyncio.run(run_load(args, common_wire, expected))
        except asyncio.TimeoutError:
            results = {"accepted": 0, "refused": 0, "errors": [f"timeout after {args.timeout} s"]}
        elapsed = time.monotonic() - started
        sink.stdin.close()
        received = json.loads(sink.stdout.readline() or '{"digests": []}')["digests"]
    finally:
        if sink.poll() is None:
            sink.terminate()
        sink.wait(timeout=30)

    expected_set = set(expected)
    identical = sum(1 for digest in received if digest in expected_set)
    entries, open_files = (None, None)
    # The spool is emptied when each session ends: give the daemon a moment to close the last ones.
    deadline = time.monotonic() + 10
    while True:
        entries, open_files = spool_state(args.pid, args.spool)
        if (entries == 0 and open_files == 0) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    report = {
        "sessions": args.sessions, "size": len(content) + len(b"session 0\r\n"),
        "accepted": results["accepted"], "refused": results["refused"],
        "delivered": len(received), "identical": identical,
        "missing": len(expected_set - set(received)),
        "peak_rss_kib": peak_rss_kib(args.pid) if args.pid else None,
        "spool_entries": entries, "spill_files_open": open_files,
        "elapsed_s": round(elapsed, 2), "errors": results["errors"][:5],
    }
    print(json.dumps(report))
    ok = (results["accepted"] == args.sessions and identical == args.sessions
          and len(received) == args.sessions and entries == 0 and open_files == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
