"""Sends plans the Baton reference driver does not run and checks each is refused with a clear
Spark-style error (an exception class PySpark knows, an error class in brackets), and that the
driver goes on serving the same session afterwards.

Usage: python unsupported_plans.py sc://host:port
"""
import sys

from pyspark.errors import PySparkException
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
df = spark.range(10)
# name -> (what runs it, the error class it must be refused with)
cases = {
    "a Python UDF": lambda: df.select(F.udf(lambda x: x + 1, "long")("id")).collect(),
    "describe() (statistics)": lambda: df.describe().collect(),
    "na.fill": lambda: df.na.fill(0).collect(),
    "pivot": lambda: df.groupBy("id").pivot("id").count().collect(),
    "an unknown function": lambda: df.select(F.call_function("no_such_function", "id")).collect(),
    "a column that does not exist": lambda: df.select("missing").collect(),
    "a table that does not exist": lambda: spark.table("nowhere").collect(),
    "SQL that does not parse": lambda: spark.sql("SELEC 1").collect(),
    "a file outside the allowed directories": lambda: spark.read.parquet("/etc/passwd").collect(),
    "division by zero": lambda: df.select(F.col("id") / 0).collect(),
}
expected_class = {
    "an unknown function": "UNRESOLVED_ROUTINE",
    "a column that does not exist": "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
    "a table that does not exist": "TABLE_OR_VIEW_NOT_FOUND",
    "SQL that does not parse": "PARSE_SYNTAX_ERROR",
    "division by zero": "DIVIDE_BY_ZERO",
}
refused = 0
for name, run in cases.items():
    try:
        run()
    except PySparkException as e:
        cls = e.getCondition() if hasattr(e, "getCondition") else e.getErrorClass()
        print(f"refused {name}: {type(e).__name__} [{cls}] {str(e).splitlines()[0][:160]}", flush=True)
        if cls != expected_class.get(name, "UNSUPPORTED_CONNECT_FEATURE") and name != "a file outside the allowed directories":
            print(f"FAILED {name}: error class {cls}", flush=True)
            sys.exit(1)
        refused += 1
        # The driver still serves this session.
        if spark.range(5).count() != 5:
            print(f"FAILED the session after {name}", flush=True)
            sys.exit(1)
    except Exception as e:  # noqa: BLE001 - anything else is a wrong kind of failure
        print(f"FAILED {name}: not a Spark error: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
    else:
        print(f"FAILED {name}: it ran", flush=True)
        sys.exit(1)
spark.stop()
print(f"PASSED {refused} refusals", flush=True)
