# Sourced by bench/run.sh and bench/lang.sh (needs $step_timeout and a `log` function).
# measure OUTFILE LOG cmd...  -> writes "secs kb rc" to OUTFILE: wall time and peak RSS of cmd
# (its largest process), from /usr/bin/time, else a python getrusage wrapper.
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M' true 2>/dev/null; then
  measure() {
    local out=$1 logf=$2; shift 2
    local tfile rc=0
    tfile=$(mktemp)
    timeout "$step_timeout" /usr/bin/time -f '%e %M' -o "$tfile" "$@" >"$logf" 2>&1 </dev/null || rc=$?
    # /usr/bin/time appends "Command exited with non-zero status N" before the figures.
    local fig
    fig=$(tail -n1 "$tfile")
    [[ $fig =~ ^[0-9.]+\ [0-9]+$ ]] || fig="$step_timeout 0"  # killed by timeout
    echo "$fig $rc" >"$out"
    rm -f "$tfile"
  }
else
  log "/usr/bin/time missing (apt-get install -y time); using a python getrusage wrapper"
  measure() {
    local out=$1 logf=$2; shift 2
    local rc=0
    timeout "$step_timeout" python3 - "$out.tmp" "$@" >"$logf" 2>&1 </dev/null <<'PY' || rc=$?
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[2:])
el = time.monotonic() - t
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write(f"{el:.2f} {kb}\n")
sys.exit(rc)
PY
    echo "$(tail -n1 "$out.tmp" 2>/dev/null || echo '0 0') $rc" >"$out"
    rm -f "$out.tmp"
  }
fi
