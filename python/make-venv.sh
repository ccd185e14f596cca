#!/usr/bin/env bash
# Makes the Python environment DIR once, with `pip install ARGS...`; an environment made whole
# before is kept. Shared by env.sh and spark-env.sh. Needs python3 with venv (installed with
# apt-get where there is one) and access to PyPI.
#   python/make-venv.sh DIR ARGS...
set -euo pipefail
venv="${1:?usage: make-venv.sh DIR PIP-ARGS...}"
shift
if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
  exit 0
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
  else
    echo "python3 with the venv module is needed for the PySpark and Spark tests" >&2
    exit 1
  fi
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
touch "$venv/.complete"
