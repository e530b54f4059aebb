#!/usr/bin/python3
"""Scan service load: CONNECTIONS keep-alive connections (one process each) POST the given
messages to /v1/scan round-robin for SECONDS.

    scan_client.py URL CA_OR_- SECONDS CONNECTIONS FILE...
    → JSON {"messages": n, "bytes": n, "elapsed_s": t, "errors": n}
"""
import http.client
import json
import multiprocessing
import ssl
import sys
import time
import urllib.parse


def worker(url, ca, seconds, payloads, queue):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=ca)
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=30)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    messages = size = errors = 0
    deadline = time.monotonic() + seconds
    index = 0
    while time.monotonic() < deadline:
        body = payloads[index % len(payloads)]
        index += 1
        try:
            connection.request("POST", "/v1/scan", body=body,
                               headers={"Content-Type": "message/rfc822", "X-Operation": "send"})
            reply = connection.getresponse()
            reply.read()
            if reply.status == 200:
                messages += 1
                size += len(body)
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
    queue.put((messages, size, errors))


def main():
    url, ca, seconds, connections = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    payloads = []
    for path in sys.argv[5:]:
        with open(path, "rb") as file:
            payloads.append(file.read())
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=worker, args=(url, None if ca == "-" else ca, seconds, payloads, queue))
               for _ in range(connections)]
    started = time.monotonic()
    for process in workers:
        process.start()
    totals = [0, 0, 0]
    for _ in workers:
        for i, value in enumerate(queue.get(timeout=seconds + 60)):
            totals[i] += value
    for process in workers:
        process.join(10)
    print(json.dumps({"messages": totals[0], "bytes": totals[1], "elapsed_s": time.monotonic() - started,
                      "errors": totals[2]}))


if __name__ == "__main__":
    main()
