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
bash "$here/make-venv.sh" "$venv" -r "$here/requirements.txt"
echo "$venv/bin/python"
