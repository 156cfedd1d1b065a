#!/usr/bin/env python3
"""Helper for benches/cluster_walk.sh: writes SET commands in RESP for
`redis-cli --pipe`.

  cluster_seed.py COUNT PORT                 COUNT keys for one server, on stdout
  cluster_seed.py COUNT PORT... --out PREFIX the same keys split by the hash
                                             slot owners of a cluster, one file
                                             PREFIX.PORT per primary

Slot owners come from CLUSTER NODES through redis-cli; a key's slot is CRC16
(XMODEM) of the key modulo 16384, as the cluster specification defines.
"""

import subprocess
import sys


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def command(key, value):
    return b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(key), key, len(value), value)


def keys(count):
    for i in range(count):
        yield b"key:%d" % i, b"value-%d" % i


def owners(port):
    """Slot → port, from `redis-cli CLUSTER NODES` on one node: each
    primary's line ends with its slot ranges (`0-5460`, or one slot)."""
    out = subprocess.run(
        ["redis-cli", "-p", str(port), "cluster", "nodes"],
        check=True, capture_output=True, text=True).stdout
    table = [None] * 16384
    for line in out.splitlines():
        fields = line.split()
        if "master" not in fields[2].split(","):
            continue
        owner = int(fields[1].split("@")[0].rsplit(":", 1)[1])
        for part in fields[8:]:
            if part.startswith("["):
                continue  # a slot being migrated
            start, _, end = part.partition("-")
            for slot in range(int(start), int(end or start) + 1):
                table[slot] = owner
    return table


def main():
    count = int(sys.argv[1])
    if "--out" not in sys.argv:
        out = sys.stdout.buffer
        for key, value in keys(count):
            out.write(command(key, value))
        return
    prefix = sys.argv[sys.argv.index("--out") + 1]
    ports = [int(p) for p in sys.argv[2:sys.argv.index("--out")]]
    table = owners(ports[0])
    files = {port: open(f"{prefix}.{port}", "wb") for port in ports}
    for key, value in keys(count):
        files[table[crc16(key) % 16384]].write(command(key, value))
    for f in files.values():
        f.close()


if __name__ == "__main__":
    main()
