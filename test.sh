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

# Stoplight Prism: every Cloudflare test's traffic goes through `prism proxy --errors` against
# the official OpenAPI description (fakes/specs/), so a request or a fake response that breaks
# the vendor's contract fails the test.
PRISM_VERSION=5.14.2
prism_home=$cache/infra-prism
install_prism() {
  if [[ -x $prism_home/node_modules/.bin/prism ]] &&
     grep -q "\"version\": \"$PRISM_VERSION\"" "$prism_home/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null; then
    echo "prism $PRISM_VERSION already installed in $prism_home"
    return 0
  fi
  if ! command -v npm >/dev/null && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  fi
  local try
  for try in 1 2 3; do
    if npm install --no-audit --no-fund --prefix "$prism_home" "@stoplight/prism-cli@$PRISM_VERSION"; then
      echo "prism $PRISM_VERSION installed in $prism_home"
      return 0
    fi
    echo "prism install attempt $try failed"
  done
  return 1
}
install_prism >"$logdir/prism.log" 2>&1 &
prism_pid=$!

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

# One shared fake Cloudflare API with Prism in front for the whole run (Prism takes ~10 s to
# start); each test works in its own zone. The tests refuse to run without Prism.
export INFRA_REQUIRE_PRISM=1
if wait "$prism_pid"; then
  export INFRA_PRISM=$prism_home/node_modules/.bin/prism
  say "INFRA_PRISM=$INFRA_PRISM ($(tail -n1 "$logdir/prism.log"))"
  if peers=$(bash fakes/start-peers.sh "${CARGO_TARGET_DIR:-target}/debug/infra-fake" "$logdir/peers"); then
    eval "$peers"
    trap 'kill $INFRA_PEER_PIDS 2>/dev/null || true' EXIT
    say "Cloudflare fake at $INFRA_CF_FAKE_URL, Prism proxy at $INFRA_CF_API_URL"
  else
    say "WARNING: could not start the shared fake + Prism; each test starts its own"
    tail -n 30 "$logdir"/peers/* >&2 || true
  fi
else
  say "################################################################################"
  say "ERROR: Prism $PRISM_VERSION could not be installed; the Cloudflare tests will FAIL."
  tail -n 30 "$logdir/prism.log" >&2
  say "################################################################################"
fi

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
