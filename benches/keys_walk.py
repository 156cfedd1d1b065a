#!/usr/bin/env python3
"""Helper for benches/keys_walk.sh: seeds a keyspace and walks it the way a
lean client would, as a baseline for `dbdeck keys`.

  keys_walk.py seed PORT COUNT      COUNT keys of mixed types, pipelined
  keys_walk.py walk PORT [--meta]   SCAN COUNT 1000 over the whole keyspace;
                                    with --meta, one pipelined TYPE + PTTL +
                                    MEMORY USAGE round trip per page
  keys_walk.py hold PORT            walks with metadata keeping every row in
                                    a list, then prints its peak RSS in MB:
                                    the memory baseline for the TUI
  keys_walk.py first N CMD...       seconds until CMD printed N lines (then
                                    CMD is stopped), like `CMD | head -N`
                                    without counting what CMD does after

The walk prints one line per key. It speaks raw RESP over a socket and
parses replies with hiredis, the fastest parser Python has.
"""

import resource
import socket
import subprocess
import sys
import time

import hiredis

BATCH = 10_000


def encode(*args):
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if not isinstance(arg, bytes):
            arg = str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = hiredis.Reader()

    def pipeline(self, commands):
        """Sends every command in one write and reads all the replies."""
        self.sock.sendall(b"".join(commands))
        replies = []
        while len(replies) < len(commands):
            reply = self.reader.gets()
            if reply is False:
                data = self.sock.recv(1 << 20)
                if not data:
                    raise ConnectionError("server closed the connection")
                self.reader.feed(data)
                continue
            if isinstance(reply, hiredis.ReplyError):
                raise reply
            replies.append(reply)
        return replies


def seed_commands(i):
    """Key i of five types in turn, each collection with three items."""
    kind = i % 5
    if kind == 0:
        return encode(b"SET", b"str:%d" % i, b"value-%d" % i)
    if kind == 1:
        return encode(b"HSET", b"hash:%d" % i, b"a", b"1", b"b", b"2", b"c", b"3")
    if kind == 2:
        return encode(b"RPUSH", b"list:%d" % i, b"a", b"b", b"c")
    if kind == 3:
        return encode(b"SADD", b"set:%d" % i, b"a", b"b", b"c")
    return encode(b"ZADD", b"zset:%d" % i, b"1", b"a", b"2", b"b", b"3", b"c")


def seed(port, count):
    client = Client(port)
    for start in range(0, count, BATCH):
        stop = min(start + BATCH, count)
        client.pipeline([seed_commands(i) for i in range(start, stop)])
    size = client.pipeline([encode(b"DBSIZE")])[0]
    print(f"seeded {size} keys", file=sys.stderr)


def pages(port, meta):
    """Yields each SCAN page as (key, type, ttl, size) rows; without meta,
    the last three are None."""
    client = Client(port)
    cursor = b"0"
    while True:
        cursor, keys = client.pipeline([encode(b"SCAN", cursor, b"COUNT", b"1000")])[0]
        if meta and keys:
            commands = []
            for key in keys:
                commands.append(encode(b"TYPE", key))
                commands.append(encode(b"PTTL", key))
                commands.append(encode(b"MEMORY", b"USAGE", key))
            replies = client.pipeline(commands)
            yield [(key, *replies[3 * n : 3 * n + 3]) for n, key in enumerate(keys)]
        else:
            yield [(key, None, None, None) for key in keys]
        if cursor == b"0":
            break


def walk(port, meta):
    out = sys.stdout.buffer
    for page in pages(port, meta):
        if meta:
            out.write(b"".join(b"%s\t%s\t%d\t%d\n" % (k, t, ttl, s or 0) for k, t, ttl, s in page))
        else:
            out.write(b"".join(row[0] + b"\n" for row in page))
    out.flush()


def hold(port):
    rows = []
    for page in pages(port, True):
        rows.extend(page)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{peak_kb / 1024:.0f}")


def first(count, command):
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for _ in range(count):
        if not child.stdout.readline():
            break
    elapsed = time.perf_counter() - started
    child.kill()
    child.wait()
    print(f"{elapsed:.3f}")


def main(argv):
    if len(argv) >= 3 and argv[0] == "seed":
        seed(int(argv[1]), int(argv[2]))
    elif len(argv) >= 2 and argv[0] == "walk":
        try:
            walk(int(argv[1]), "--meta" in argv[2:])
        except BrokenPipeError:
            # `| head` closed the pipe: the measured part is done.
            sys.stderr.close()
    elif len(argv) >= 2 and argv[0] == "hold":
        hold(int(argv[1]))
    elif len(argv) >= 3 and argv[0] == "first":
        first(int(argv[1]), argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
