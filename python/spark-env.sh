#!/usr/bin/env bash
# Makes (once) a Python environment holding Apache Spark VERSION from PyPI's pyspark package
# (which carries Spark's jars) and prints that Spark's home: the Spark Connect servers of the
# Spark driver tests run from it with its bin/spark-submit. Kept under
# ~/.cache/baton/spark/<VERSION>-<hash of the packages>. Needs python3 with venv and access to
# PyPI; Java 17 runs Spark.
#   python/spark-env.sh 4.3.0
set -euo pipefail
version="${1:?usage: spark-env.sh SPARK_VERSION}"
case "$version" in
  *[!0-9.]*) echo "not a Spark version: $version" >&2; exit 2 ;;
esac
# What a Spark image's Python has for Python UDFs (Spark 4 runs them through Arrow), pinned as in
# requirements.txt; part of the environment's name, so a change makes a new one.
packages="pyspark==$version pyarrow==26.0.1 pandas==2.3.3 numpy==2.4.6"
root="${BATON_SPARK_CACHE:-$HOME/.cache/baton/spark}"
venv="$root/$version-$(echo "$packages" | sha256sum | cut -c1-12)"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
    else
      echo "python3 with the venv module is needed for the Spark driver tests" >&2
      exit 1
    fi
  fi
  rm -rf "$venv"
  mkdir -p "$root"
  python3 -m venv "$venv" >&2
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $packages >&2
  touch "$venv/.complete"
fi
"$venv/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("pyspark").origin))'
