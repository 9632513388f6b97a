#!/bin/sh
# (Re)builds fuzz/corpus/<target>/ from the repository's own inputs:
#   config, fmt: every .tf / .tf.json file under tests/conformance, tests/diagnostics, examples
#                and lang/tests/conformance, one file per corpus entry;
#   expr:        every argument expression found in those .tf files (a line `name = ...`,
#                continued while brackets are open), one expression per entry.
# Entries are named by content hash, so re-running only adds what changed. Pass --clean to
# drop the existing corpus first (what the fuzzer found is kept otherwise).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if [ "${1:-}" = "--clean" ]; then
    rm -rf "$here/corpus"
fi
mkdir -p "$here/corpus/config" "$here/corpus/fmt" "$here/corpus/expr"
python3 - "$root" "$here/corpus" <<'PY'
import hashlib, os, re, sys
root, corpus = sys.argv[1], sys.argv[2]
dirs = ["tests/conformance", "tests/diagnostics", "examples", "lang/tests/conformance"]
MAX = 4096  # the -max_len the runs use

def put(target, data):
    if not data or len(data) > MAX:
        return
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)

attr = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_-]*\s*=\s*(.*)$")
def exprs(text):
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = attr.match(lines[i])
        i += 1
        if not m or not m.group(1).strip():
            continue
        buf = [m.group(1)]
        depth = lambda s: sum(s.count(c) for c in "([{") - sum(s.count(c) for c in ")]}")
        heredoc = re.search(r"<<-?([A-Za-z_]+)\s*$", buf[0])
        while i < len(lines) and (depth("\n".join(buf)) > 0 or heredoc):
            buf.append(lines[i])
            i += 1
            if heredoc and lines[i - 1].strip() == heredoc.group(1):
                heredoc = None
        yield "\n".join(buf).strip()

files = 0
for d in dirs:
    for dp, _, fs in os.walk(os.path.join(root, d)):
        for f in fs:
            if not (f.endswith(".tf") or f.endswith(".tf.json")):
                continue
            data = open(os.path.join(dp, f), "rb").read()
            files += 1
            put("config", data)
            if f.endswith(".tf"):
                put("fmt", data)
                for e in exprs(data.decode("utf-8", "replace")):
                    put("expr", e.encode())
print(f"seeded from {files} files:", ", ".join(f"{t} {len(os.listdir(os.path.join(corpus, t)))}" for t in ("config", "expr", "fmt")))
PY
