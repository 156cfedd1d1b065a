#!/usr/bin/env bash
# Side by side on loopback, in one run: GET of one string key through
# `dbdeck serve`, through webdis (a thin C HTTP layer over Redis) and
# straight to Redis with redis-benchmark; then key-list pages per second
# through dbdeck. wrk drives the HTTP servers with the same threads and
# connections. Prints requests/s and latency percentiles, and dbdeck's
# throughput as a ratio of webdis's.
#
#   benches/api_wrk.sh              # CONNECTIONS=16 DURATION=10s by default
#
# Needs wrk and webdis (Debian packages; installed when missing). Slow (a
# release build); never part of scripts/test.
set -euo pipefail

cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
DBDECK=${DBDECK:-target/release/dbdeck}

for tool in wrk webdis; do
    if ! command -v "$tool" >/dev/null; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk webdis
    fi
done

cargo build --release --quiet --bin dbdeck

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {
    for _ in $(seq 1 200); do
        "$@" >/dev/null 2>&1 && return
        sleep 0.05
    done
    echo "api_wrk: $* never answered" >&2
    exit 1
}

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
wait_for redis-cli -p "$redis_port" ping
# A 100-byte value, and 10,000 keys for the listing.
redis-cli -p "$redis_port" SET bench:key "$(head -c 100 /dev/zero | tr '\0' 'v')" >/dev/null
redis-cli -p "$redis_port" EVAL \
    "for i = 1, 10000 do redis.call('SET', 'item:' .. i, i) end" 0 >/dev/null

webdis_port=$(free_port)
cat >"$work/webdis.json" <<JSON
{
    "redis_host": "127.0.0.1",
    "redis_port": $redis_port,
    "http_host": "127.0.0.1",
    "http_port": $webdis_port,
    "threads": $THREADS,
    "pool_size": $CONNECTIONS,
    "daemonize": false,
    "database": 0,
    "verbosity": 0,
    "logfile": "$work/webdis.log"
}
JSON
webdis "$work/webdis.json" &
pids+=($!)
wait_for curl -sf "http://127.0.0.1:$webdis_port/PING"

export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
export XDG_STATE_HOME="$work/state" DBDECK_REGISTRY="sqlite://$work/registry.db"
"$DBDECK" conn add cache "redis://127.0.0.1:$redis_port/0" >/dev/null
api_port=$(free_port)
# No rate limit: the bench measures the request path, not the limiter.
DBDECK_API__RATE_LIMIT_PER_MINUTE=0 "$DBDECK" serve --listen "127.0.0.1:$api_port" \
    2>"$work/serve.log" &
pids+=($!)
wait_for curl -sf "http://127.0.0.1:$api_port/healthz"

# Runs wrk on a URL and prints "requests/s p50 p99".
measure() {
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
    if grep -q "Non-2xx" <<<"$out"; then
        echo "api_wrk: $1 answered errors:" >&2
        echo "$out" >&2
        exit 1
    fi
    local rps p50 p99
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    echo "$rps $p50 $p99"
}

# Warm both: the first request opens dbdeck's Redis client.
curl -sf "http://127.0.0.1:$api_port/api/v1/redis/cache/keys/bench%3Akey" >/dev/null
curl -sf "http://127.0.0.1:$webdis_port/GET/bench:key" >/dev/null

read -r dbdeck_rps dbdeck_p50 dbdeck_p99 \
    < <(measure "http://127.0.0.1:$api_port/api/v1/redis/cache/keys/bench%3Akey")
read -r webdis_rps webdis_p50 webdis_p99 \
    < <(measure "http://127.0.0.1:$webdis_port/GET/bench:key")
read -r list_rps list_p50 list_p99 \
    < <(measure "http://127.0.0.1:$api_port/api/v1/redis/cache/keys?count=100")
direct_rps=$(redis-benchmark -p "$redis_port" -c "$CONNECTIONS" -n 200000 -t get -q \
    | tr '\r' '\n' | awk '/requests per second/ {print $2}')

printf '%-44s %12s %10s %10s\n' "GET one string key ($CONNECTIONS connections)" "requests/s" "p50" "p99"
printf '%-44s %12s %10s %10s\n' "dbdeck serve" "$dbdeck_rps" "$dbdeck_p50" "$dbdeck_p99"
printf '%-44s %12s %10s %10s\n' "webdis" "$webdis_rps" "$webdis_p50" "$webdis_p99"
printf '%-44s %12s\n' "redis-benchmark GET (no HTTP)" "$direct_rps"
printf '%-44s %12s %10s %10s\n' "dbdeck keys page of 100 with metadata" "$list_rps" "$list_p50" "$list_p99"
python3 -c "print(f'dbdeck / webdis throughput: {$dbdeck_rps / $webdis_rps:.2f}x')"
