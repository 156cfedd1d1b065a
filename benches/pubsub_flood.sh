#!/usr/bin/env bash
# The pub/sub pane's pipeline (subscriber, bounded mailbox, one batch per
# frame into the pane's state) against redis-cli as the baseline
# subscriber, both subscribed to the same flood in one run:
#   1. the highest rate (25k to 400k msg/s, 3 s each) each takes with no
#      message lost;
#   2. peak RSS over a 10-second flood at 50,000 msg/s;
#   3. redis-benchmark publishing 1,000,000 messages as fast as it can.
#
#   benches/pubsub_flood.sh                # release build
#   PROFILE=dev benches/pubsub_flood.sh    # reuse the debug build (slower code)
#
# Never part of scripts/test.
set -euo pipefail

cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}

bench=$(cargo bench --profile "$PROFILE" --bench pubsub_flood --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
[ -x "$bench" ] || { echo "could not build the bench binary" >&2; exit 1; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
done
url="redis://127.0.0.1:$port"

# Starts both subscribers, waits until the server counts them, runs the
# publisher command given, and leaves the results in $work: pipeline.out,
# cli.out (one line per RESP element) and cli.rss (peak KiB).
round() {
    local secs=$1
    shift
    "$bench" pipeline "$url" "$secs" | grep -v subscribed >"$work/pipeline.out" &
    local pipeline=$!
    redis-cli -p "$port" SUBSCRIBE flood >"$work/cli.out" 2>"$work/cli.err" &
    local cli=$!
    until [ "$(redis-cli -p "$port" PUBSUB NUMSUB flood | tail -1)" = 2 ]; do sleep 0.02; done
    "$@" >"$work/publish.out" 2>&1 || true
    wait "$pipeline" || true
    sleep 0.5
    # redis-cli is gone if the server cut it off (client-output-buffer-limit).
    awk '/VmHWM/ {print $2}' "/proc/$cli/status" >"$work/cli.rss" 2>/dev/null || echo 0 >"$work/cli.rss"
    kill "$cli" 2>/dev/null || true
    wait "$cli" 2>/dev/null || true
}

field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$2"; }
cli_received() { echo $(( ($(wc -l <"$work/cli.out") - 3) / 3 )); }

echo "port $port, profile $PROFILE"
best_dbdeck=0
best_cli=0
for rate in ${RATES:-25000 50000 100000 200000 400000}; do
    round 4 "$bench" publish "$url" "$rate" 3
    sent=$(field sent "$work/publish.out")
    got=$(field received "$work/pipeline.out")
    dropped=$(field dropped "$work/pipeline.out")
    cli=$(cli_received)
    echo "target $rate/s: sent $sent at $(field rate "$work/publish.out")/s;" \
        "dbdeck received $got, dropped $dropped; redis-cli received $cli"
    [ "$got" = "$sent" ] && [ "$dropped" = 0 ] && best_dbdeck=$rate
    [ "$cli" = "$sent" ] && best_cli=$rate
done

round 11 "$bench" publish "$url" 50000 10
sent=$(field sent "$work/publish.out")
echo "10 s at 50,000/s: sent $sent; dbdeck $(cat "$work/pipeline.out");" \
    "redis-cli received $(cli_received), peak RSS $(cat "$work/cli.rss") KiB"
dbdeck_rss=$(field peak_rss_kb "$work/pipeline.out")
cli_rss=$(cat "$work/cli.rss")

payload=$(printf 'x%.0s' $(seq 1 100))
round 15 redis-benchmark -p "$port" -n 1000000 -c 1 -P 100 -q PUBLISH flood "$payload"
echo "redis-benchmark, 1,000,000 as fast as it can: $(tr '\r' '\n' <"$work/publish.out" | grep -a 'requests per second' | tail -1);" \
    "dbdeck $(cat "$work/pipeline.out"); redis-cli received $(cli_received)"

echo
echo "highest rate with nothing lost: dbdeck $best_dbdeck/s, redis-cli $best_cli/s" \
    "(ratio $(python3 -c "print(round($best_dbdeck / max($best_cli, 1), 2))"))"
echo "peak RSS in the 10 s flood: dbdeck $dbdeck_rss KiB, redis-cli $cli_rss KiB" \
    "(ratio $(python3 -c "print(round($dbdeck_rss / max($cli_rss, 1), 2))"))"
