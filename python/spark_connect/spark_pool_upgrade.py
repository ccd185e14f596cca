"""PySpark sessions under steady load while their Spark pool's Spark version changes.

Usage: python spark_pool_upgrade.py <url> <control-dir> <sessions>
Each session sets Spark config (spark.conf.set and SQL SET), a temp view from a DataFrame, one
from SQL, and caches a DataFrame; then runs queries in a loop, checking every answer, until
<control-dir>/stop exists. Prints READY once all sessions are set up, then "SPARK <version>" for
each session's server at the end and "PASSED <queries>" when every session still has its config,
views and server-side session id. Any exception fails the script: no call may fail.
"""
import os
import sys

from pyspark.sql import SparkSession, functions as F

from load_harness import give_up, start_clients

url, control, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stop = os.path.join(control, "stop")
errors = []
queries = [0] * count
versions = [None] * count


def client(i, ready):
    try:
        spark = SparkSession.builder.remote(url).create()
        spark.conf.set("spark.baton.client", str(i))
        spark.sql(f"SET spark.baton.sql = sql-{i}")
        spark.range(i, i + 1000).createOrReplaceTempView("mine")
        spark.sql(f"CREATE OR REPLACE TEMP VIEW answer AS SELECT {i} * 2 AS doubled")
        spark.range(10).persist()  # cannot move: the operator reports it on the session
        before = spark.client._server_session_id
        ready.wait()
        while not os.path.exists(stop):
            total = spark.table("mine").agg(F.sum("id")).collect()[0][0]
            assert total == sum(range(i, i + 1000)), total
            assert spark.sql("SELECT doubled FROM answer").collect()[0].doubled == i * 2
            # Long enough that some run while their session is frozen and moved.
            big = spark.range(0, 3_000_000).agg(F.sum("id")).collect()[0][0]
            assert big == sum(range(0, 3_000_000)), big
            queries[i] += 3
        assert spark.conf.get("spark.baton.client") == str(i)
        assert spark.conf.get("spark.baton.sql") == f"sql-{i}"
        assert spark.client._server_session_id == before
        versions[i] = spark.version
        spark.client.close()
    except BaseException as e:  # noqa: BLE001 - reported below
        errors.append(f"client {i}: {type(e).__name__}: {e}")
        give_up(ready)


threads = start_clients(count, client)
for t in threads:
    t.join()
if errors:
    print("FAILED\n" + "\n".join(errors), flush=True)
    sys.exit(1)
for v in versions:
    print(f"SPARK {v}", flush=True)
print(f"PASSED {sum(queries)}", flush=True)
