"""toArrow() of a query's rows through a Baton driver's Spark Connect service, against DuckDB's
own Python .arrow() of the same query in this process, side by side in one run.

Usage: python bench_to_arrow.py <sc://url> [rows] [rounds]
Prints each round's seconds for both, the medians, rows per second and the ratio.
"""
import statistics
import sys
import time

import duckdb
from pyspark.sql import SparkSession, functions as F

url = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5

spark = SparkSession.builder.remote(url).getOrCreate()
frame = spark.range(rows).select("id", (F.col("id") * 2).alias("twice"), (F.col("id") % 7).alias("bucket"))
db = duckdb.connect()
query = f"SELECT range AS id, range * 2 AS twice, range % 7 AS bucket FROM range({rows})"


def timed(fn):
    start = time.perf_counter()
    table = fn()
    elapsed = time.perf_counter() - start
    if table.num_rows != rows:
        raise SystemExit(f"expected {rows} rows, got {table.num_rows}")
    return elapsed


def duck_arrow():
    result = db.sql(query)
    # DuckDB's Python API has been renamed across versions: to_arrow_table() / arrow().
    return result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.arrow()


baton, local = [], []
timed(frame.toArrow)  # warm-up: the driver's JIT and the session's engine
timed(duck_arrow)
for i in range(rounds):
    baton.append(timed(frame.toArrow))
    local.append(timed(duck_arrow))
    print(f"round {i + 1}: baton {baton[-1]:.3f} s   duckdb in-process {local[-1]:.3f} s", flush=True)
b, d = statistics.median(baton), statistics.median(local)
print(f"rows {rows:,}  columns 3 (bigint)  rounds {rounds}")
print(f"baton spark connect toArrow(): median {b:.3f} s  ({rows / b / 1e6:.1f} M rows/s)")
print(f"duckdb python .arrow():         median {d:.3f} s  ({rows / d / 1e6:.1f} M rows/s)")
print(f"ratio baton / duckdb: {b / d:.2f}x")
spark.stop()
