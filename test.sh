#!/usr/bin/env bash
# The project's test command (see README.md): installs what the tests need (cached under
# ~/.cache), builds the workspace once, then runs every test with cargo-nextest.
#   ./test.sh [extra args passed to `cargo nextest run`, e.g. a test filter]
set -euo pipefail
cd "$(dirname "$0")"

cache=${XDG_CACHE_HOME:-$HOME/.cache}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/infra-test.XXXXXX")
say() { echo "[test.sh $(date +%H:%M:%S)] $*" >&2; }

# --- (a) test peers, installed in the background while cargo builds --------------------------
CHECKOV_VERSION=3.3.30
checkov_venv=$cache/infra-checkov

install_checkov() {
  local shown
  shown=$("$checkov_venv/bin/python" -m pip show checkov 2>/dev/null || true)
  if [[ -x $checkov_venv/bin/checkov && $'\n'$shown$'\n' == *$'\nVersion: '$CHECKOV_VERSION$'\n'* ]]; then
    echo "checkov $CHECKOV_VERSION already installed in $checkov_venv"
    return 0
  fi
  if ! python3 -c 'import ensurepip' 2>/dev/null && command -v apt-get >/dev/null; then
    # Debian's python3 needs python3-venv for `python3 -m venv`
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  local try
  for try in 1 2; do
    rm -rf "$checkov_venv"
    if python3 -m venv "$checkov_venv" &&
       "$checkov_venv/bin/python" -m pip install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"; then
      echo "checkov $CHECKOV_VERSION installed in $checkov_venv"
      return 0
    fi
    echo "checkov install attempt $try failed"
  done
  rm -rf "$checkov_venv"
  return 1
}

install_checkov >"$logdir/checkov.log" 2>&1 &
checkov_pid=$!

# Terraform 1.0.3 + hashicorp/null, the language oracle, from ../shared when it is there.
peer_script=${SHARED:-../shared}/tools/terraform-peer.sh
if [[ -z ${TERRAFORM:-} && -f $peer_script ]]; then
  if peer_env=$(bash "$peer_script" 2>"$logdir/terraform-peer.log"); then
    eval "$peer_env"
    say "TERRAFORM=$TERRAFORM"
  else
    say "WARNING: $peer_script failed; tests that need Terraform will skip:"
    cat "$logdir/terraform-peer.log" >&2
  fi
fi

# --- (b) build everything once -----------------------------------------------------------------
say "cargo build --workspace --all-targets"
build_rc=0
cargo build --workspace --all-targets || build_rc=$?

if wait "$checkov_pid"; then
  export INFRA_CHECKOV=$checkov_venv/bin/checkov
  export BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE
  say "INFRA_CHECKOV=$INFRA_CHECKOV ($(tail -n1 "$logdir/checkov.log"))"
else
  say "################################################################################"
  say "WARNING: checkov $CHECKOV_VERSION could not be installed; INFRA_CHECKOV is unset and"
  say "the checkov test will be SKIPPED. Install log:"
  tail -n 30 "$logdir/checkov.log" >&2
  say "################################################################################"
fi

(( build_rc == 0 )) || { say "cargo build failed (exit $build_rc)"; exit "$build_rc"; }

# --- (c) tests -----------------------------------------------------------------------------------
if cargo nextest --version >/dev/null 2>&1; then
  say "cargo nextest run --workspace --no-fail-fast $*"
  cargo nextest run --workspace --no-fail-fast "$@"
else
  say "cargo-nextest not found; falling back to cargo test"
  cargo test --workspace --no-fail-fast "$@"
fi
# (d) doctests (`cargo test --doc --workspace`) are not run here: the crates have no doc examples
# worth the extra link time of one binary per doctest.
rm -rf "$logdir"
