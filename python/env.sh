#!/usr/bin/env bash
# Makes (once) the Python environment the Spark Connect tests and benchmark run in, and prints
# its python's path. Kept under ~/.cache/baton/python/<hash of requirements.txt>, so a changed
# requirement makes a new environment and an unchanged one is reused. Needs python3 with venv
# (on Debian: apt-get install python3-venv) and access to PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-16)"
root="${BATON_PYTHON_CACHE:-$HOME/.cache/baton/python}"
venv="$root/$hash"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
    else
      echo "python3 with the venv module is needed for the Spark Connect tests" >&2
      exit 1
    fi
  fi
  rm -rf "$venv"
  mkdir -p "$root"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
