#!/usr/bin/env bash
# Requests and wall time of infra's Cloudflare provider against the stateful fake (no Prism:
# Prism's validation would dominate the timings). For each N: apply N DNS records in one zone,
# then a no-op plan (refresh of every record), then a plan after one record drifted.
#   bench/cloudflare.sh [--sizes "100 1000"]
# Prints a Markdown table; writes it to bench/results-cloudflare.md too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes=(100 1000)
while [[ $# -gt 0 ]]; do
  case $1 in
    --sizes) read -r -a sizes <<<"$2"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

(cd "$root" && cargo build --release -q --bin infra -p infra && cargo build --release -q -p infra-fakes --bin infra-fake)
infra=$root/target/release/infra
fake=$root/target/release/infra-fake
work=$(mktemp -d "${TMPDIR:-/tmp}/infra-cf-bench.XXXXXX")
trap 'kill $fake_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$fake" cloudflare --port 0 >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/fake.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/fake.out" | head -n1)
[[ -n $url ]] || { echo "the fake did not start" >&2; cat "$work/fake.err" >&2; exit 1; }

export CLOUDFLARE_API_TOKEN=bench-token CLOUDFLARE_BASE_URL=$url NO_COLOR=1

stat() { curl -fsS "$url/__fake/stats?zone_id=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
reset() { curl -fsS -X POST "$url/__fake/stats/reset?zone_id=$1" >/dev/null; }
now() { date +%s.%N; }

rows=()
for n in "${sizes[@]}"; do
  dir=$work/n$n; mkdir -p "$dir"
  zone=$(curl -fsS -X POST "$url/__fake/zones" -H 'content-type: application/json' -d "{\"name\":\"bench$n.example\"}" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("id") or d["result"]["id"])')
  python3 - "$dir/main.tf" "$zone" "$n" <<'PY'
import sys
path, zone, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    f.write('terraform {\n  required_providers {\n    cloudflare = { source = "cloudflare/cloudflare" }\n  }\n}\n')
    f.write(f'locals {{\n  zone_id = "{zone}"\n}}\n')
    f.write(f'resource "cloudflare_dns_record" "r" {{\n  count   = {n}\n  zone_id = local.zone_id\n  name    = "host${{count.index}}"\n  type    = "A"\n  content = "192.0.2.${{count.index % 250 + 1}}"\n  ttl     = 300\n}}\n')
PY
  cd "$dir"
  for step in apply plan drift; do
    reset "$zone"
    if [[ $step == drift ]]; then
      # change one record behind infra's back, then plan
      rid=$("$infra" state show 'cloudflare_dns_record.r[0]' | sed -n 's/^ *id *= *"\(.*\)"/\1/p' | head -n1)
      curl -fsS -X PATCH "$url/zones/$zone/dns_records/$rid" -H "authorization: Bearer x" -H 'content-type: application/json' -d '{"content":"198.51.100.9"}' >/dev/null
      reset "$zone"
    fi
    t0=$(now)
    case $step in
      apply) "$infra" apply -auto-approve -parallelism=10 >"$dir/$step.log" 2>&1 ;;
      *) "$infra" plan -detailed-exitcode >"$dir/$step.log" 2>&1 || [[ $? == 2 ]] ;;
    esac
    t1=$(now)
    reqs=$(stat "$zone")
    secs=$(python3 -c "print(f'{$t1-$t0:.2f}')")
    per=$(python3 -c "print(f'{$reqs/$n:.3f}')")
    rows+=("| $n | $step | $secs s | $reqs | $per |")
  done
  cd "$root"
done

{
  echo "# Cloudflare provider against the fake ($(date -u +%Y-%m-%d), $(nproc) cores, release build)"
  echo
  echo "| records | step | wall time | requests | requests per record |"
  echo "|---:|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "apply: create every record (parallelism 10). plan: refresh of every record, no changes."
  echo "drift: plan after one record was changed through the API directly."
} | tee "$here/results-cloudflare.md"
