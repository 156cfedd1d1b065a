#!/usr/bin/env bash
# Side by side: `dbdeck keys --json` walking the same KEYS string keys (1M by
# default) held by one redis-server, and spread over a 3-primary Redis
# Cluster. Prints both times and the cluster walk's time over the single
# server's, measured in the same run with the same binary.
#
#   benches/cluster_walk.sh                   # release build, 1,000,000 keys
#   KEYS=200000 DBDECK=target/debug/dbdeck benches/cluster_walk.sh
#
# Slow (seeding and a release build); never part of scripts/test.
set -euo pipefail

cd "$(dirname "$0")/.."
KEYS=${KEYS:-1000000}
DBDECK=${DBDECK:-target/release/dbdeck}
HELPER=benches/cluster_seed.py

if [ "$DBDECK" = target/release/dbdeck ]; then
    cargo build --release --quiet
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a server in its own directory; extra arguments go to redis-server.
start() {
    local port=$1 dir="$work/$1"
    shift
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --dir "$dir" --daemonize no "$@" >"$dir/redis.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 200); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && return
        sleep 0.05
    done
    redis-cli -p "$port" ping >/dev/null
}

single=$(free_port)
start "$single"
nodes=()
for _ in 1 2 3; do
    port=$(free_port)
    start "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
        --cluster-port "$(free_port)"
    nodes+=("$port")
done
redis-cli --cluster create "${nodes[@]/#/127.0.0.1:}" --cluster-replicas 0 \
    --cluster-yes >/dev/null
for port in "${nodes[@]}"; do
    until redis-cli -p "$port" cluster info | grep -q cluster_state:ok; do sleep 0.1; done
done

echo "seeding $KEYS keys into one server (port $single) and a cluster (${nodes[*]})"
python3 "$HELPER" "$KEYS" "$single" | redis-cli -p "$single" --pipe >/dev/null
python3 "$HELPER" "$KEYS" "${nodes[@]}" --out "$work/seed"
for port in "${nodes[@]}"; do
    redis-cli -p "$port" --pipe <"$work/seed.$port" >/dev/null
done
for port in "$single" "${nodes[@]}"; do
    echo "  port $port: $(redis-cli -p "$port" dbsize) keys"
done

export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
export XDG_STATE_HOME="$work/state" DBDECK_REGISTRY="sqlite://$work/registry.db"

# Runs a walk, checks it printed every key, and prints its wall time.
walk() {
    local start end lines
    start=$(date +%s%N)
    lines=$("$DBDECK" keys "redis://127.0.0.1:$1" --json | wc -l)
    end=$(date +%s%N)
    [ "$lines" -eq "$KEYS" ] || { echo "walk of port $1 gave $lines keys" >&2; exit 1; }
    python3 -c "print(f'{($end - $start) / 1e9:.3f}')"
}

walk_single=$(walk "$single")
walk_cluster=$(walk "${nodes[0]}")
printf '%-44s %8s s\n' \
    "(a) dbdeck keys --json, one server" "$walk_single" \
    "(b) dbdeck keys --json, 3-primary cluster" "$walk_cluster"
echo "cluster walk time / single-server walk time: $(python3 -c "print(f'{$walk_cluster / $walk_single:.2f}')")x"
