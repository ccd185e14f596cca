"""A query still running when its session moves: it finishes on the driver it started on.

Usage: python spark_query_across_move.py <url> <control-dir>
Sets up the session, prints READY, waits for <control-dir>/go, then runs a query whose Python
UDF (run by the Spark server) blocks until <control-dir>/release exists: the test moves the
session meanwhile. Prints ISSUED before the query, then PASSED with the query's answer checked.
"""
import os
import sys
import time

from pyspark.sql import SparkSession, functions as F, types as T

url, control = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote(url).create()
spark.conf.set("spark.baton.mover", "yes")
release = os.path.join(control, "release")


@F.udf(T.LongType())
def held(x):
    import os as _os
    import time as _time
    while not _os.path.exists(release):
        _time.sleep(0.1)
    return x * 2


print(f"SESSION {spark.client._session_id}", flush=True)
print("READY", flush=True)
while not os.path.exists(os.path.join(control, "go")):
    time.sleep(0.1)
print("ISSUED", flush=True)
total = spark.range(0, 10, numPartitions=1).select(held("id").alias("d")).agg(F.sum("d")).collect()[0][0]
assert total == 90, total
assert spark.conf.get("spark.baton.mover") == "yes"
spark.client.close()
print("PASSED", flush=True)
