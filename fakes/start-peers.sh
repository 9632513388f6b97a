#!/usr/bin/env bash
# Starts the Cloudflare fake and a Prism proxy (contract check) in front of it, waits until both
# listen, and prints the variables the tests read, for eval:
#
#   eval "$(fakes/start-peers.sh target/debug/infra-fake target/peer-logs)"
#   ... run the tests ...
#   kill $INFRA_PEER_PIDS
#
# $1: the infra-fake binary (built by `cargo build --workspace --all-targets`).
# $2: a directory for the logs (created if missing).
# Prism: $INFRA_PRISM, else ~/.cache/infra-prism/node_modules/.bin/prism. Without it the tests
# talk to the fake directly (a warning on stderr), or this script fails if INFRA_REQUIRE_PRISM=1.
# Nothing is built here. Everything printed on stdout is meant for eval; messages go to stderr.
set -euo pipefail

fake_bin=${1:?usage: start-peers.sh INFRA_FAKE_BINARY LOG_DIR}
log_dir=${2:?usage: start-peers.sh INFRA_FAKE_BINARY LOG_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
spec="$here/specs/cloudflare.prism.openapi.json"
prism=${INFRA_PRISM:-$HOME/.cache/infra-prism/node_modules/.bin/prism}
mkdir -p "$log_dir"
log_dir=$(cd "$log_dir" && pwd)

# wait_for FILE PATTERN SECONDS PID: waits until FILE contains PATTERN; fails if PID dies.
wait_for() {
  local file=$1 pattern=$2 seconds=$3 pid=$4 i
  for ((i = 0; i < seconds * 10; i++)); do
    if grep -q "$pattern" "$file" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "start-peers.sh: process $pid exited; its log ($file):" >&2
      cat "$file" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "start-peers.sh: no \"$pattern\" in $file after ${seconds}s:" >&2
  cat "$file" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The fake picks its own port and says which. (Logs are emptied here, not by the background
# redirection, so that a previous run's log is never mistaken for this one's.)
: >"$log_dir/cloudflare-fake.log"
"$fake_bin" cloudflare --port 0 >>"$log_dir/cloudflare-fake.log" 2>&1 </dev/null &
fake_pid=$!
wait_for "$log_dir/cloudflare-fake.log" "^listening on " 10 "$fake_pid"
fake_url=$(sed -n 's/^listening on //p' "$log_dir/cloudflare-fake.log" | head -n1)
if [[ -z "$fake_url" ]]; then
  echo "start-peers.sh: could not read the fake's address from $log_dir/cloudflare-fake.log" >&2
  kill "$fake_pid" 2>/dev/null || true
  exit 1
fi

if [[ ! -x "$prism" ]]; then
  if [[ "${INFRA_REQUIRE_PRISM:-}" == 1 ]]; then
    echo "start-peers.sh: INFRA_REQUIRE_PRISM=1 but Prism is not at $prism (set INFRA_PRISM, or run" \
      "npm install --prefix ~/.cache/infra-prism @stoplight/prism-cli@5.14.2)" >&2
    kill "$fake_pid"
    exit 1
  fi
  echo "start-peers.sh: WARNING: Prism not found at $prism; the Cloudflare tests will NOT check the contract" >&2
  echo "export INFRA_CF_API_URL=$fake_url INFRA_CF_FAKE_URL=$fake_url INFRA_PEER_PIDS=\"$fake_pid\""
  exit 0
fi

for attempt in 1 2 3; do
  port=$(free_port)
  prism_log="$log_dir/cloudflare-prism.log"
  : >"$prism_log"
  started=$(date +%s%N)
  "$prism" proxy "$spec" "$fake_url" --errors -h 127.0.0.1 -p "$port" >>"$prism_log" 2>&1 </dev/null &
  prism_pid=$!
  if wait_for "$prism_log" "Prism is listening" 90 "$prism_pid"; then
    echo "start-peers.sh: Prism listening on $port after $((($(date +%s%N) - started) / 1000000)) ms" >&2
    echo "export INFRA_CF_API_URL=http://127.0.0.1:$port INFRA_CF_FAKE_URL=$fake_url INFRA_PEER_PIDS=\"$fake_pid $prism_pid\""
    exit 0
  fi
  grep -q EADDRINUSE "$prism_log" || break
done
kill "$fake_pid" 2>/dev/null || true
exit 1
