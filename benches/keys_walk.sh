#!/usr/bin/env bash
# Side by side: `dbdeck keys --json` walking 1,000,000 keys of mixed types,
# against a lean Python client speaking raw RESP through hiredis. Prints each
# time and how many times faster the baseline is (baseline speed / dbdeck's).
#
#   benches/keys_walk.sh            # KEYS=200000 for a quicker run
#
# Slow (seeding and a release build); never part of scripts/test.
set -euo pipefail

cd "$(dirname "$0")/.."
KEYS=${KEYS:-1000000}
DBDECK=${DBDECK:-target/release/dbdeck}
VENV=target/bench-venv
HELPER=benches/keys_walk.py

if ! "$VENV/bin/python" -c 'import hiredis' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet hiredis
fi
PY="$VENV/bin/python"

cargo build --release --quiet

# A private server on a free loopback port, gone when the script ends.
work=$(mktemp -d)
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
done
redis-cli -p "$port" ping >/dev/null

echo "seeding $KEYS keys on port $port"
"$PY" "$HELPER" seed "$port" "$KEYS"

url="redis://127.0.0.1:$port"
# dbdeck's registry, config and key live in the scratch directory.
export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
export XDG_STATE_HOME="$work/state" DBDECK_REGISTRY="sqlite://$work/registry.db"

# Runs a shell command line and prints its wall time in seconds.
seconds() {
    local start end
    start=$(date +%s%N)
    bash -c "$1"
    end=$(date +%s%N)
    "$PY" -c "print(f'{($end - $start) / 1e9:.3f}')"
}

walk_dbdeck=$(seconds "'$DBDECK' keys '$url' --json > /dev/null")
walk_meta=$(seconds "'$PY' '$HELPER' walk $port --meta > /dev/null")
walk_bare=$(seconds "'$PY' '$HELPER' walk $port > /dev/null")
# Until the 100th line arrives: like `| head -100`, without also timing how
# long the writer takes to notice the closed pipe and exit.
first_dbdeck=$("$PY" "$HELPER" first 100 "$DBDECK" keys "$url" --json)
first_meta=$("$PY" "$HELPER" first 100 "$PY" "$HELPER" walk "$port" --meta)

# The TUI with every key listed: `L` loads all pages; its RSS once the status
# bar says the scan is complete, against the baseline holding the same rows.
tui_rss() {
    local session="dbdeck-bench-$port" pid deadline
    # A private tmux server: keys typed into other people's sessions (a
    # `send-keys -t` whose target is gone) must not land in this one.
    tmux() { command tmux -L "$session" "$@"; }
    tmux new-session -d -s "$session" -x 160 -y 40 "'$DBDECK' '$url'"
    deadline=$((SECONDS + 60))
    until tmux capture-pane -p -t "$session" | grep -q "keys\? loaded"; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "TUI did not list keys" >&2; exit 1; }
        sleep 0.2
    done
    tmux send-keys -t "$session" L
    deadline=$((SECONDS + 600))
    until tmux capture-pane -p -t "$session" | grep -q "scan complete"; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "TUI did not finish the scan" >&2; exit 1; }
        sleep 0.5
    done
    pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
    ps -o rss= -p "$pid" | awk '{printf "%.0f", $1 / 1024}'
    tmux send-keys -t "$session" q
    tmux kill-server 2>/dev/null || true
}
rss_tui=$(tui_rss)
rss_hold=$("$PY" "$HELPER" hold "$port")

ratio() { "$PY" -c "print(f'{$1 / $2:.2f}')"; }
printf '%-44s %8s s\n' \
    "(a) dbdeck keys --json, full walk" "$walk_dbdeck" \
    "(b) baseline, SCAN + TYPE/PTTL/MEMORY USAGE" "$walk_meta" \
    "(c) baseline, SCAN only" "$walk_bare" \
    "(d) dbdeck, first 100 keys with metadata" "$first_dbdeck" \
    "(d) baseline, first 100 keys with metadata" "$first_meta"
printf '%-44s %8s MB\n' \
    "(e) TUI RSS, all $KEYS keys listed" "$rss_tui" \
    "(e) baseline RSS, same rows in a list" "$rss_hold"
echo "baseline speed / dbdeck speed:"
echo "  full walk with metadata  $(ratio "$walk_dbdeck" "$walk_meta")x"
echo "  full walk, no metadata   $(ratio "$walk_dbdeck" "$walk_bare")x"
echo "  first 100 keys           $(ratio "$first_dbdeck" "$first_meta")x"
echo "TUI RSS / baseline RSS:    $(ratio "$rss_tui" "$rss_hold")x"
