#!/usr/bin/env bash
# Language benchmark: infra vs Terraform 1.0.3 loading and evaluating the whole conformance corpus
# and a generated configuration of 10,000 locals. See bench/README.md. Usage:
#   bench/lang.sh [--no-terraform] [--no-infra] [--no-corpus] [--no-locals] [--n 10000]
#                 [--filter SUBSTRING] [--tf-apply-budget SECONDS] [--step-timeout SECONDS]
#                 [--report-only] [--note TEXT]   (a line of context for results-lang.md; also BENCH_NOTE)
# Env: INFRA=path/to/infra (default: <repo>/target/release/infra, built if missing)
#      SHARED=path/to/shared (default: <repo>/../shared; Terraform is skipped if missing)
set -euo pipefail
{ # the whole script is one compound command, so editing this file mid-run cannot break the run

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

do_infra=1
do_tf=1
do_corpus=1
do_locals=1
n_locals=10000
filter=
report_only=0
extra_note=${BENCH_NOTE:-}
step_timeout=${STEP_TIMEOUT:-3600}
tf_apply_budget=600
logdir=$here/logs-latest/lang
tsv=${RESULTS_TSV:-$logdir/results-lang.tsv}
md=${RESULTS_MD:-$here/results-lang.md}

while [[ $# -gt 0 ]]; do
  case $1 in
    --no-terraform) do_tf=0 ;;
    --no-infra) do_infra=0 ;;
    --no-corpus) do_corpus=0 ;;
    --no-locals) do_locals=0 ;;
    --n) n_locals=$2; shift ;;
    --filter) filter=$2; shift ;;
    --tf-apply-budget) tf_apply_budget=$2; shift ;;
    --step-timeout) step_timeout=$2; shift ;;
    --report-only) report_only=1 ;;
    --note) extra_note=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "lang.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[bench-lang $(date +%H:%M:%S)] $*" >&2; }

(( report_only )) && do_infra=0 && do_tf=0 && do_corpus=0 && do_locals=0

# --- tools -------------------------------------------------------------------
if (( do_infra )); then
  if [[ -n ${INFRA:-} ]]; then
    [[ -x $INFRA ]] || { echo "lang.sh: INFRA=$INFRA is not executable" >&2; exit 1; }
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

mkdir -p "$logdir"
if (( ! report_only )); then
  printf 'part\ttool\tstep\tcase\tsecs\tkb\trc\tinfo\n' >"$tsv"
fi
workroot=$(mktemp -d "${TMPDIR:-/tmp}/infra-bench-lang.XXXXXX")
trap 'rm -rf "$workroot"' EXIT

if (( do_tf )); then
  # The peer's CLI config (filesystem mirror for hashicorp/*) plus a plugin cache, so the
  # per-case `terraform init` links the null provider instead of copying it 83 times.
  mkdir -p "$workroot/plugin-cache"
  { cat "$TF_CLI_CONFIG_FILE"; echo "plugin_cache_dir = \"$workroot/plugin-cache\""; } >"$workroot/terraformrc"
  export TF_CLI_CONFIG_FILE=$workroot/terraformrc
fi
export TF_IN_AUTOMATION=1 NO_COLOR=1

# --- part 1: the conformance corpus -----------------------------------------
# One python driver per tool: runs every case in its own copy of the corpus, one process at a
# time, timing each command (wall clock around the child process). Rows go to the TSV.
corpus() {  # tool binary
  local tool=$1 bin=$2 dir
  dir=$workroot/corpus-$tool
  mkdir -p "$dir"
  cp -r "$root/tests/conformance/cases/." "$dir/"
  log "corpus: $tool${filter:+ (cases matching '$filter')} (copy in $dir)"
  python3 - "$tool" "$bin" "$dir" "$tsv" "$filter" "$tf_apply_budget" "$step_timeout" "$logdir" <<'PY'
import os, subprocess, sys, time
tool, bin_, root, tsv, filt, budget, step_timeout, logdir = sys.argv[1:9]
budget, step_timeout = float(budget), float(step_timeout)
cases = sorted(c for c in os.listdir(root) if os.path.isdir(os.path.join(root, c)) and filt in c)
tf = tool == "terraform"
# Terraform: init (untimed) then validate, apply, output -json. infra needs no init (the
# conformance runner does not run one): validate, apply, output -json.
steps = [("validate", ["validate", "-no-color"]),
         ("apply", ["apply", "-auto-approve", "-input=false", "-no-color"]),
         ("output", ["output", "-json", "-no-color"])]
spent_apply, stopped = 0.0, None
errlog = open(os.path.join(logdir, f"corpus-{tool}-errors.log"), "w")
out = open(tsv, "a")
def run(case, args):
    t = time.monotonic()
    try:
        p = subprocess.run([bin_] + args, cwd=os.path.join(root, case), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=step_timeout)
        rc, text = p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        rc, text = 124, "timeout"
    return time.monotonic() - t, rc, text
started = time.monotonic()
for i, case in enumerate(cases):
    if i % 100 == 0:
        print(f"[bench-lang {time.strftime('%H:%M:%S')}] corpus {tool}: {i}/{len(cases)}", file=sys.stderr, flush=True)
    if tf:
        secs, rc, text = run(case, ["init", "-input=false", "-no-color"])
        if rc != 0:
            first = next((l for l in text.splitlines() if l.startswith("Error: ")), "?")
            out.write(f"corpus\t{tool}\tinit-failed\t{case}\t{secs:.4f}\t0\t{rc}\t{first}\n")
            continue
    for step, args in steps:
        if tf and step in ("apply", "output"):
            if stopped is None and spent_apply > budget:
                stopped = i
            if stopped is not None:
                continue
        secs, rc, text = run(case, args)
        if step == "apply":
            spent_apply += secs
        if rc != 0:
            errlog.write(f"=== {case} {step} rc={rc}\n{text}\n")
        out.write(f"corpus\t{tool}\t{step}\t{case}\t{secs:.4f}\t0\t{rc}\t\n")
if stopped is not None:
    out.write(f"corpus\t{tool}\tapply-stopped\t{cases[stopped]}\t{spent_apply:.2f}\t0\t0\t{stopped}\n")
print(f"[bench-lang {time.strftime('%H:%M:%S')}] corpus {tool}: done in {time.monotonic() - started:.0f}s", file=sys.stderr)
PY
  rm -rf "$dir"
}

if (( do_corpus )); then
  (( do_infra )) && corpus infra "$INFRA"
  (( do_tf )) && corpus terraform "$TERRAFORM"
fi

# --- part 2: N locals ---------------------------------------------------------
# measure OUTFILE LOG cmd...  -> "secs kb rc" in OUTFILE (shared with bench/run.sh)
source "$(dirname "${BASH_SOURCE[0]}")/measure.sh"

# The value of `output "total"` as a plan printed it ("+ total = 123" under Changes to Outputs).
total_of() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -Eo 'total *= *[0-9]+' | grep -Eo '[0-9]+$' | tail -n1 || true; }

locals_tool() {  # tool
  local tool=$1 bin dir res lg secs kb rc info
  local -a extra=()
  dir=$workroot/locals-$tool
  python3 "$here/gen_locals.py" --n "$n_locals" --out "$dir"
  if [[ $tool == terraform ]]; then bin=$TERRAFORM; extra=(-input=false -no-color); else bin=$INFRA; fi
  lg=$logdir/locals-$tool
  res=$dir/.res
  log "locals N=$n_locals $tool: init (untimed) in $dir"
  if ! (cd "$dir" && "$bin" init -input=false >"$lg-init.log" 2>&1 </dev/null); then
    [[ $tool == terraform ]] && { log "terraform init failed, see $lg-init.log"; return 1; }
    log "infra init failed (continuing), see $lg-init.log"
  fi
  cd "$dir"
  for step in validate plan; do
    if [[ $step == validate ]]; then
      measure "$res" "$lg-$step.log" "$bin" validate
    else
      measure "$res" "$lg-$step.log" "$bin" plan "${extra[@]}"
    fi
    read -r secs kb rc <"$res"
    info=
    [[ $step == plan ]] && info=$(total_of "$lg-$step.log")
    printf 'locals\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$step" "$n_locals" "$secs" "$kb" "$rc" "$info" >>"$tsv"
    log "locals N=$n_locals $tool $step: ${secs}s $((kb / 1024))MB rc=$rc${info:+ total=$info}"
  done
  cd "$root"
  rm -rf "$dir"
}

if (( do_locals )); then
  expect=$(python3 "$here/gen_locals.py" --n "$n_locals" --expect)
  printf 'locals\texpected\ttotal\t%s\t0\t0\t0\t%s\n' "$n_locals" "$expect" >>"$tsv"
  (( do_infra )) && { locals_tool infra || log "infra locals failed"; }
  (( do_tf )) && { locals_tool terraform || log "terraform locals failed"; }
fi

# --- report ------------------------------------------------------------------
python3 - "$tsv" "$md" "$tf_note" "$extra_note" "$tf_apply_budget" <<'PY'
import csv, sys, platform, os, datetime, statistics
tsv, md, note, extra, budget = sys.argv[1:6]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
corp = [r for r in rows if r["part"] == "corpus"]
loc = [r for r in rows if r["part"] == "locals"]
lines = []
w = lines.append

def times(tool, step, only=None):
    return {r["case"]: (float(r["secs"]), r["rc"]) for r in corp
            if r["tool"] == tool and r["step"] == step and (only is None or r["case"] in only)}

if corp:
    tf_failed = sorted((r["case"], r["info"]) for r in corp if r["tool"] == "terraform" and r["step"] == "init-failed")
    stopped = [r for r in corp if r["tool"] == "terraform" and r["step"] == "apply-stopped"]
    tf_cases = set(times("terraform", "validate"))
    w("## Whole conformance corpus\n")
    w("Every case of `tests/conformance/cases/`, one process at a time, in a fresh copy of the corpus. "
      "Seconds are the sum of each command's wall time; ms/case is their mean. Terraform ran "
      "`init -input=false` first in every case (untimed); infra runs no init (as the conformance runner). "
      "`rc≠0` counts commands that exited non-zero (many cases are `fail` cases, rejected on purpose). "
      "speedup = Terraform s / infra s over the same cases.\n")
    hdr = ["step", "cases", "infra s", "infra ms/case", "infra rc≠0", "terraform s", "terraform ms/case", "terraform rc≠0", "speedup"]
    w("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
    def row(label, step, only):
        i, t = times("infra", step, only), times("terraform", step, only)
        common = set(i) & set(t) if (i and t) else set(i or t)
        if not common:
            return
        si = sum(i[c][0] for c in common) if i else None
        st = sum(t[c][0] for c in common) if t else None
        fi = f"{si:.2f}" if si is not None else "-"
        ft = f"{st:.2f}" if st is not None else "-"
        mi = f"{1000 * si / len(common):.1f}" if si is not None else "-"
        mt = f"{1000 * st / len(common):.1f}" if st is not None else "-"
        ri = str(sum(i[c][1] != "0" for c in common)) if i else "-"
        rt = str(sum(t[c][1] != "0" for c in common)) if t else "-"
        sp = f"{st / si:.1f}x" if si and st else "-"
        w(f"| {label} | {len(common)} | {fi} | {mi} | {ri} | {ft} | {mt} | {rt} | {sp} |")
    all_i = set(times("infra", "validate"))
    for step in ("validate", "apply", "output"):
        if tf_cases:
            row(f"{step}" + (" -json" if step == "output" else "") + (" -auto-approve" if step == "apply" else ""), step, None)
        if all_i and (not tf_cases or all_i != tf_cases):
            i = times("infra", step)
            if i:
                s = sum(v[0] for v in i.values())
                w(f"| {step} (infra, all cases) | {len(i)} | {s:.2f} | {1000 * s / len(i):.1f} | "
                  f"{sum(v[1] != '0' for v in i.values())} | - | - | - | - |")
    if all_i:
        ev = {c: times("infra", "apply")[c][0] + times("infra", "output").get(c, (0, "0"))[0] for c in times("infra", "apply")}
        s = sum(ev.values())
        w(f"\ninfra's time to fully evaluate the corpus (`apply -auto-approve` + `output -json` per case, "
          f"what `tests/conformance.rs` runs): **{s:.2f} s** for {len(ev)} cases "
          f"({1000 * s / len(ev):.1f} ms/case; median apply {1000 * statistics.median(v[0] for v in times('infra', 'apply').values()):.1f} ms).")
    if stopped:
        r = stopped[0]
        w(f"\nTerraform's apply was stopped after {r['info']} cases: it had used {float(r['secs']):.0f} s, over the "
          f"{budget} s budget (`--tf-apply-budget`); the apply/output rows compare only the cases both tools ran.")
    if tf_failed:
        w(f"\n`terraform init` failed in {len(tf_failed)} cases (not timed for either tool in the comparison rows): "
          + ", ".join(f"`{c}`" for c, _ in tf_failed[:40]) + (" and others." if len(tf_failed) > 40 else "."))
        kinds = {}
        for c, e in tf_failed:
            kinds[e] = kinds.get(e, 0) + 1
        w("Their errors: " + "; ".join(f"{n}× {e.removeprefix('Error: ')}" for e, n in sorted(kinds.items(), key=lambda x: -x[1])[:8]) + ".")
    vi, vt = times("infra", "validate"), times("terraform", "validate")
    if vi and vt:
        dis = sorted(c for c in set(vi) & set(vt) if (vi[c][1] == "0") != (vt[c][1] == "0"))
        if dis:
            w(f"\n`validate` success differs between the tools in {len(dis)} cases: "
              + ", ".join(f"`{c}`" for c in dis[:30]) + (" and others." if len(dis) > 30 else "."))
    w("")

if loc:
    exp = next((r for r in loc if r["tool"] == "expected"), None)
    n = exp["case"] if exp else next(r["case"] for r in loc)
    w(f"## {int(n):,} locals\n")
    w("`bench/gen_locals.py --n " + n + "`: 100 chains of number locals, each step feeding a string "
      "template, `format`, `upper`, `join`, `lookup`, `jsonencode` or a `for` expression into the next; one "
      "output sums the 100 chain ends, so it depends on every local. No resources: `plan` evaluates the "
      "locals and the output. Wall time and peak RSS from `/usr/bin/time -f '%e %M'`; init untimed.\n")
    cell = {(r["tool"], r["step"]): r for r in loc}
    hdr = ["step", "infra s", "infra MB", "terraform s", "terraform MB", "speedup", "mem ratio"]
    w("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
    for step in ("validate", "plan"):
        i, t = cell.get(("infra", step)), cell.get(("terraform", step))
        def f(r):
            if r is None: return "-", "-", None, None
            s, mb = float(r["secs"]), int(r["kb"]) / 1024
            flag = "" if r["rc"] in ("0", "2") else f" (rc={r['rc']})"
            return f"{s:.2f}{flag}", f"{mb:.0f}", s, mb
        a, b, c, d = f(i); e, g, h, k = f(t)
        sp = "-" if c is None or h is None else (f">{h / 0.01:.0f}x" if c < 0.01 else f"{h / c:.1f}x")
        mr = f"{k / d:.1f}x" if d and k else "-"
        w(f"| {step} | {a} | {b} | {e} | {g} | {sp} | {mr} |")
    gi = cell.get(("infra", "plan"), {}).get("info") or "?"
    gt = cell.get(("terraform", "plan"), {}).get("info") or "?"
    ex = exp["info"] if exp else "?"
    ok = "agree" if gi == gt == ex else "DISAGREE"
    w(f"\nSanity: `output.total` in the plan: infra {gi}, terraform {gt}, expected (computed by gen_locals.py) {ex}: **{ok}**.")
    w("")

body = "\n".join(lines)
print(body)
with open(md, "w") as f:
    f.write(f"# Language benchmark results\n\nGenerated by `bench/lang.sh` on {datetime.datetime.now():%Y-%m-%d %H:%M}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs; Terraform 1.0.3. Single runs, no warm-up.\n\n")
    for x in (note, extra):
        if x: f.write(f"> {x}\n\n")
    f.write(body)
print(f"\nwrote {md} (raw: {tsv}, logs: {os.path.dirname(tsv)}/)", file=sys.stderr)
PY
exit
}
