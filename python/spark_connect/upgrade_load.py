"""Several PySpark sessions under steady load while their pool's drivers are upgraded.

Usage: python upgrade_load.py <url> <control-dir> <sessions>
Each session sets a Spark config and temp views, then runs queries in a loop (checking every
answer) until <control-dir>/stop exists. Prints READY once all sessions are set up, then
"PASSED <queries>" when every session still has its config, views and server-side session id.
Any exception fails the script: none may reach user code during the upgrade.
"""
import os
import sys

from pyspark.sql import SparkSession, functions as F

from load_harness import give_up, start_clients

url, control, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stop = os.path.join(control, "stop")
errors = []
queries = [0] * count


def client(i, ready):
    try:
        spark = SparkSession.builder.remote(url).create()
        spark.conf.set("spark.baton.client", str(i))
        spark.range(i, i + 1000).createOrReplaceTempView("mine")
        spark.createDataFrame([(i, f"client-{i}")], ["k", "who"]).createOrReplaceTempView("me")
        before = spark.client._server_session_id
        ready.wait()
        while not os.path.exists(stop):
            total = spark.table("mine").agg(F.sum("id")).collect()[0][0]
            assert total == sum(range(i, i + 1000)), total
            assert spark.sql("SELECT who FROM me").collect()[0].who == f"client-{i}"
            queries[i] += 2
        assert spark.conf.get("spark.baton.client") == str(i)
        assert spark.client._server_session_id == before
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
print(f"PASSED {sum(queries)}", flush=True)
