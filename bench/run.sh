#!/usr/bin/env bash
# Benchmark infra side by side with Terraform 1.0.3 on the same generated configurations.
# See bench/README.md. Usage:
#   bench/run.sh [--quick] [--max-n N] [--variants "chains separate"] [--no-terraform] [--no-infra]
#                [--sizes "1000 10000"] [--append] [--step-timeout SECONDS] [--report-only]
#                [--note TEXT]   (a line of context for results-latest.md; also BENCH_NOTE)
# Env: INFRA=path/to/infra (default: <repo>/target/release/infra, built if missing)
#      SHARED=path/to/shared (default: <repo>/../shared; Terraform is skipped if missing)
set -euo pipefail
{ # the whole script is one compound command, so editing this file mid-run cannot break the run

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

sizes=(1000 10000)
variants=(chains separate)
max_n=
do_infra=1
do_tf=1
append=0
report_only=0
extra_note=${BENCH_NOTE:-}
step_timeout=${STEP_TIMEOUT:-3600}
tsv=${RESULTS_TSV:-$here/results-latest.tsv}
md=${RESULTS_MD:-$here/results-latest.md}

while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) max_n=1000 ;;
    --sizes) read -r -a sizes <<<"$2"; shift ;;
    --report-only) report_only=1 ;;
    --note) extra_note=$2; shift ;;
    --max-n) max_n=$2; shift ;;
    --max-n=*) max_n=${1#*=} ;;
    --variants) read -r -a variants <<<"$2"; shift ;;
    --no-terraform) do_tf=0 ;;
    --no-infra) do_infra=0 ;;
    --append) append=1 ;;
    --step-timeout) step_timeout=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

if [[ -n $max_n ]]; then
  keep=()
  for n in "${sizes[@]+"${sizes[@]}"}"; do (( n <= max_n )) && keep+=("$n"); done
  sizes=("${keep[@]}")
fi

(( report_only )) && do_infra=0 && do_tf=0 && append=1 && sizes=()

# --- tools -------------------------------------------------------------------
if (( do_infra )); then
  if [[ -n ${INFRA:-} ]]; then
    [[ -x $INFRA ]] || { echo "run.sh: INFRA=$INFRA is not executable" >&2; exit 1; }
  else
    INFRA=${CARGO_TARGET_DIR:-$root/target}/release/infra
    if [[ ! -x $INFRA ]]; then
      log "building $INFRA (cargo build --release)"
      (cd "$root" && cargo build --release --bin infra)
    fi
  fi
  INFRA=$(cd "$(dirname "$INFRA")" && pwd)/$(basename "$INFRA")
  log "infra: $INFRA"
fi

tf_note=
if (( do_tf )); then
  shared=${SHARED:-$root/../shared}
  if [[ -x $shared/tools/terraform-peer.sh || -f $shared/tools/terraform-peer.sh ]]; then
    eval "$(bash "$shared/tools/terraform-peer.sh")"
    log "terraform: $TERRAFORM ($("$TERRAFORM" version | head -1))"
  else
    do_tf=0
    tf_note="Terraform column skipped: $shared/tools/terraform-peer.sh not found."
    log "$tf_note"
  fi
fi

# --- measuring ---------------------------------------------------------------
# measure OUTFILE LOG cmd...  -> "secs kb rc" in OUTFILE
source "$(dirname "${BASH_SOURCE[0]}")/measure.sh"

summary_of() {  # one-line summary of a plan/apply log, for sanity checks
  sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -Eo 'Plan: [0-9]+ to add, [0-9]+ to change, [0-9]+ to destroy|No changes|Apply complete! Resources: [0-9]+ added, [0-9]+ changed, [0-9]+ destroyed|Success! The configuration is valid' \
    | tail -n1 || true
}

workroot=$(mktemp -d "${TMPDIR:-/tmp}/infra-bench.XXXXXX")
logdir=$here/logs-latest
mkdir -p "$logdir"
if (( ! append )) || [[ ! -f $tsv ]]; then
  printf 'tool\tvariant\tn\tstep\tsecs\tkb\trc\tsummary\n' >"$tsv"
fi

record() {  # tool variant n step resultfile logfile
  local secs kb rc summary
  read -r secs kb rc <"$5"
  summary=$(summary_of "$6")
  # drop an older row for the same cell (so --append can merge separate runs)
  awk -F'\t' -v t="$1" -v v="$2" -v n="$3" -v s="$4" '!($1==t && $2==v && $3==n && $4==s)' "$tsv" >"$tsv.tmp"
  mv "$tsv.tmp" "$tsv"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$secs" "$kb" "$rc" "$summary" >>"$tsv"
  log "$1 $2 N=$3 $4: ${secs}s $((kb / 1024))MB rc=$rc ${summary}"
}

run_tool() {  # tool variant n
  local tool=$1 variant=$2 n=$3 bin dir res lg
  local -a extra_apply=() extra_plan=()
  dir=$workroot/$tool-$variant-$n
  mkdir -p "$dir"
  python3 "$here/gen.py" --variant "$variant" --n "$n" --out "$dir"
  if [[ $tool == terraform ]]; then
    bin=$TERRAFORM
    extra_apply=(-input=false -no-color -parallelism=10)
    extra_plan=(-input=false -no-color)
  else
    bin=$INFRA
  fi
  res=$dir/.res
  lg=$logdir/$tool-$variant-$n
  log "$tool $variant N=$n: init (untimed) in $dir"
  if ! (cd "$dir" && "$bin" init -input=false >"$lg-init.log" 2>&1 </dev/null) &&
     ! (cd "$dir" && "$bin" init >"$lg-init.log" 2>&1 </dev/null); then
    if [[ $tool == terraform ]]; then
      log "terraform init failed, see $lg-init.log"; return 1
    fi
    log "infra init failed (continuing), see $lg-init.log"
  fi
  cd "$dir"
  measure "$res" "$lg-validate.log" "$bin" validate
  record "$tool" "$variant" "$n" validate "$res" "$lg-validate.log"
  measure "$res" "$lg-plan-empty.log" "$bin" plan "${extra_plan[@]}" -detailed-exitcode
  record "$tool" "$variant" "$n" plan-empty "$res" "$lg-plan-empty.log"
  measure "$res" "$lg-apply.log" "$bin" apply "${extra_apply[@]}" -auto-approve
  record "$tool" "$variant" "$n" apply "$res" "$lg-apply.log"
  measure "$res" "$lg-plan-noop.log" "$bin" plan "${extra_plan[@]}" -detailed-exitcode
  record "$tool" "$variant" "$n" plan-noop "$res" "$lg-plan-noop.log"
  measure "$res" "$lg-plan-1pct.log" "$bin" plan "${extra_plan[@]}" -detailed-exitcode -var w=2
  record "$tool" "$variant" "$n" plan-1pct "$res" "$lg-plan-1pct.log"
  cd "$root"
  rm -rf "$dir"
}

for n in "${sizes[@]+"${sizes[@]}"}"; do
  for variant in "${variants[@]}"; do
    (( do_infra )) && { run_tool infra "$variant" "$n" || log "infra $variant N=$n failed"; }
    (( do_tf )) && { run_tool terraform "$variant" "$n" || log "terraform $variant N=$n failed"; }
  done
done
rm -rf "$workroot"

# --- report ------------------------------------------------------------------
python3 - "$tsv" "$md" "$tf_note" "$extra_note" <<'PY'
import csv, sys, platform, os, datetime
tsv, md, note, extra = sys.argv[1:5]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
cell = {(r["tool"], r["variant"], r["n"], r["step"]): r for r in rows}
steps = ["validate", "plan-empty", "apply", "plan-noop", "plan-1pct"]
# expected exit codes: plan -detailed-exitcode gives 2 when there are changes, 0 when none
expect = {"validate": "0", "plan-empty": "2", "apply": "0", "plan-noop": "0", "plan-1pct": "2"}
keys = sorted({(r["n"], r["variant"]) for r in rows}, key=lambda k: (int(k[0]), k[1]))

def fmt(tool, v, n, s):
    r = cell.get((tool, v, n, s))
    if r is None:
        return "-", "-", None, None
    secs, mb = float(r["secs"] or 0), int(r["kb"] or 0) / 1024
    if r["rc"] == "124":  # hit --step-timeout: a lower bound, no memory figure
        return f">{secs:.0f} (timeout)", "-", secs, None
    flag = "" if r["rc"] == expect[s] else f" (rc={r['rc']})"
    return f"{secs:.2f}{flag}", f"{mb:.0f}", secs, mb

hdr = ["step", "N", "variant", "infra s", "infra MB", "terraform s", "terraform MB", "speedup", "mem ratio"]
table = []
for n, v in keys:
    for s in steps:
        i_s, i_m, i_sv, i_mv = fmt("infra", v, n, s)
        t_s, t_m, t_sv, t_mv = fmt("terraform", v, n, s)
        # /usr/bin/time resolves 10 ms: a 0.00 s infra step counts as < 0.01 s
        if i_sv is None or t_sv is None:
            sp = "-"
        elif i_sv < 0.01:
            sp = f">{t_sv / 0.01:.0f}x"
        else:
            sp = f"{t_sv / i_sv:.1f}x"
        if sp != "-" and (r_t := cell.get(("terraform", v, n, s))) and r_t["rc"] == "124":
            sp = ">" + sp.lstrip(">")
        mr = f"{t_mv / i_mv:.1f}x" if i_mv and t_mv else "-"
        table.append([s, n, v, i_s, i_m, t_s, t_m, sp, mr])

w = [max(len(str(x)) for x in col) for col in zip(hdr, *table)]
line = lambda r: "  ".join(str(x).ljust(k) for x, k in zip(r, w))
print(line(hdr)); print("  ".join("-" * k for k in w))
for r in table: print(line(r))

with open(md, "w") as f:
    f.write(f"# Benchmark results\n\nGenerated by `bench/run.sh` on {datetime.datetime.now():%Y-%m-%d %H:%M}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs. Seconds are wall time, MB is peak RSS "
            "(`/usr/bin/time %M`). speedup = terraform s / infra s; mem ratio = terraform MB / infra MB. "
            "`(rc=N)` marks an unexpected exit code (plans use `-detailed-exitcode`).\n\n")
    for x in (note, extra):
        if x: f.write(f"> {x}\n\n")
    f.write("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr) + "\n")
    for r in table: f.write("| " + " | ".join(map(str, r)) + " |\n")
    f.write("\n## Sanity: what each tool reported\n\n| step | N | variant | infra | terraform |\n|---|---|---|---|---|\n")
    for n, v in keys:
        for s in steps:
            a = cell.get(("infra", v, n, s), {}).get("summary", "-") or "?"
            b = cell.get(("terraform", v, n, s), {}).get("summary", "-") or "?"
            f.write(f"| {s} | {n} | {v} | {a} | {b} |\n")
print(f"\nwrote {md} (raw: {tsv}, logs: {os.path.dirname(md)}/logs-latest/)", file=sys.stderr)
PY
exit
}
