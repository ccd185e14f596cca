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
# shellcheck disable=SC2086
bash "$(cd "$(dirname "$0")" && pwd)/make-venv.sh" "$venv" $packages
"$venv/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("pyspark").origin))'
