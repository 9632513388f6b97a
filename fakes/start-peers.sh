#!/usr/bin/env bash
# Starts the Cloudflare and GitHub fakes and a Prism proxy (contract check) in front of each,
# waits until all listen, and prints the variables the tests read, for eval:
#
#   eval "$(fakes/start-peers.sh target/debug/infra-fake target/peer-logs)"
#   ... run the tests ...
#   kill $INFRA_PEER_PIDS
#
# Exports INFRA_CF_API_URL / INFRA_CF_FAKE_URL (Cloudflare: Prism / the fake),
# INFRA_GH_API_URL / INFRA_GH_FAKE_URL (GitHub: Prism / the fake) and INFRA_PEER_PIDS.
#
# $1: the infra-fake binary (built by `cargo build --workspace --all-targets`).
# $2: a directory for the logs (created if missing).
# Prism: $INFRA_PRISM, else ~/.cache/infra-prism/node_modules/.bin/prism. Without it the tests
# talk to the fakes directly (a warning on stderr), or this script fails if INFRA_REQUIRE_PRISM=1.
# The two Prism processes start in parallel. The GitHub fake is told Prism's address
# (POST /__fake/config) so that its Link and Location headers point through Prism.
# Nothing is built here. Everything printed on stdout is meant for eval; messages go to stderr.
set -euo pipefail

fake_bin=${1:?usage: start-peers.sh INFRA_FAKE_BINARY LOG_DIR}
log_dir=${2:?usage: start-peers.sh INFRA_FAKE_BINARY LOG_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cf_spec="$here/specs/cloudflare.prism.openapi.json"
gh_spec="$here/specs/github.openapi.json"
prism=${INFRA_PRISM:-$HOME/.cache/infra-prism/node_modules/.bin/prism}
mkdir -p "$log_dir"
log_dir=$(cd "$log_dir" && pwd)

started_pids=()
# Stops everything this script started (on failure).
cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}

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

# start_fake NAME: starts `infra-fake NAME --port 0`; sets fake_pid and fake_url. The fake picks
# its own port and says which. (Logs are emptied here, not by the background redirection, so that
# a previous run's log is never mistaken for this one's.)
start_fake() {
  local name=$1 log="$log_dir/$1-fake.log"
  : >"$log"
  "$fake_bin" "$name" --port 0 >>"$log" 2>&1 </dev/null &
  fake_pid=$!
  started_pids+=("$fake_pid")
  wait_for "$log" "^listening on " 10 "$fake_pid" || { cleanup; exit 1; }
  fake_url=$(sed -n 's/^listening on //p' "$log" | head -n1)
  if [[ -z "$fake_url" ]]; then
    echo "start-peers.sh: could not read the fake's address from $log" >&2
    cleanup
    exit 1
  fi
}

start_fake cloudflare
cf_fake_pid=$fake_pid cf_fake_url=$fake_url
start_fake github
gh_fake_pid=$fake_pid gh_fake_url=$fake_url

if [[ ! -x "$prism" ]]; then
  if [[ "${INFRA_REQUIRE_PRISM:-}" == 1 ]]; then
    echo "start-peers.sh: INFRA_REQUIRE_PRISM=1 but Prism is not at $prism (set INFRA_PRISM, or run" \
      "npm install --prefix ~/.cache/infra-prism @stoplight/prism-cli@5.14.2)" >&2
    cleanup
    exit 1
  fi
  echo "start-peers.sh: WARNING: Prism not found at $prism; the Cloudflare and GitHub tests will NOT check the contract" >&2
  echo "export INFRA_CF_API_URL=$cf_fake_url INFRA_CF_FAKE_URL=$cf_fake_url" \
    "INFRA_GH_API_URL=$gh_fake_url INFRA_GH_FAKE_URL=$gh_fake_url INFRA_PEER_PIDS=\"$cf_fake_pid $gh_fake_pid\""
  exit 0
fi

# launch_prism NAME SPEC UPSTREAM: starts Prism in the background on a free port; sets
# <NAME>_prism_pid, <NAME>_prism_port, <NAME>_prism_started.
launch_prism() {
  local name=$1 spec=$2 upstream=$3 port log="$log_dir/$1-prism.log" pid
  port=$(free_port)
  : >"$log"
  "$prism" proxy "$spec" "$upstream" --errors -h 127.0.0.1 -p "$port" >>"$log" 2>&1 </dev/null &
  pid=$!
  started_pids+=("$pid")
  printf -v "${name}_prism_pid" '%s' "$pid"
  printf -v "${name}_prism_port" '%s' "$port"
  printf -v "${name}_prism_started" '%s' "$(date +%s%N)"
}

# await_prism NAME SPEC UPSTREAM: waits for NAME's Prism; on EADDRINUSE starts it again on
# another port (3 tries in all). Fails when Prism does not come up.
await_prism() {
  local name=$1 spec=$2 upstream=$3 attempt pid port started log="$log_dir/$1-prism.log"
  for attempt in 1 2 3; do
    pid_var="${name}_prism_pid" port_var="${name}_prism_port" started_var="${name}_prism_started"
    pid=${!pid_var} port=${!port_var} started=${!started_var}
    if wait_for "$log" "Prism is listening" 90 "$pid"; then
      echo "start-peers.sh: $name Prism listening on $port after $((($(date +%s%N) - started) / 1000000)) ms" >&2
      return 0
    fi
    grep -q EADDRINUSE "$log" || return 1
    [[ $attempt == 3 ]] || launch_prism "$name" "$spec" "$upstream"
  done
  return 1
}

launch_prism cloudflare "$cf_spec" "$cf_fake_url"
launch_prism github "$gh_spec" "$gh_fake_url"
await_prism cloudflare "$cf_spec" "$cf_fake_url" || { cleanup; exit 1; }
await_prism github "$gh_spec" "$gh_fake_url" || { cleanup; exit 1; }

cf_api_url="http://127.0.0.1:$cloudflare_prism_port"
gh_api_url="http://127.0.0.1:$github_prism_port"
# The GitHub fake's Link and Location headers point at its Prism.
python3 - "$gh_fake_url" "$gh_api_url" <<'PY' >&2 || { cleanup; exit 1; }
import json, sys, urllib.request
fake, api = sys.argv[1], sys.argv[2]
req = urllib.request.Request(fake + "/__fake/config", data=json.dumps({"api_base": api}).encode(),
                             headers={"content-type": "application/json"}, method="POST")
urllib.request.urlopen(req, timeout=10).read()
PY

echo "export INFRA_CF_API_URL=$cf_api_url INFRA_CF_FAKE_URL=$cf_fake_url" \
  "INFRA_GH_API_URL=$gh_api_url INFRA_GH_FAKE_URL=$gh_fake_url" \
  "INFRA_PEER_PIDS=\"$cf_fake_pid $cloudflare_prism_pid $gh_fake_pid $github_prism_pid\""
