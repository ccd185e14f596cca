"""A PySpark session whose Spark driver is killed: it carries on, on another driver.

Usage: python spark_driver_lost.py <url> <control-dir>
Sets Spark config and temp views (from SQL and from a DataFrame), prints "SESSION <id>" and
READY; once <control-dir>/more exists sets one more config and view and prints CHANGED; waits for
<control-dir>/go (the test kills the session's driver meanwhile), then checks that the same
session, with the same server-side id, still has its config and views and answers a query.
Prints PASSED; any exception fails the script.
"""
import os
import sys
import time

from pyspark.sql import SparkSession, functions as F

url, control = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote(url).create()
spark.conf.set("spark.baton.survivor", "yes")
spark.sql("CREATE OR REPLACE TEMP VIEW numbers AS SELECT id FROM range(100)")
spark.range(5).withColumnRenamed("id", "k").createOrReplaceTempView("keys")
before = spark.client._server_session_id
print(f"SESSION {spark.client._session_id}", flush=True)
print("READY", flush=True)
while not os.path.exists(os.path.join(control, "more")):
    time.sleep(0.1)
spark.conf.set("spark.baton.later", "after the first record")
spark.sql("CREATE OR REPLACE TEMP VIEW later AS SELECT 7 AS seven")
print("CHANGED", flush=True)
while not os.path.exists(os.path.join(control, "go")):
    time.sleep(0.1)
assert spark.conf.get("spark.baton.later") == "after the first record"
assert spark.sql("SELECT seven FROM later").collect()[0].seven == 7
assert spark.conf.get("spark.baton.survivor") == "yes"
assert spark.table("numbers").agg(F.sum("id")).collect()[0][0] == sum(range(100))
assert spark.sql("SELECT count(*) AS n FROM keys").collect()[0].n == 5
assert spark.client._server_session_id == before, (before, spark.client._server_session_id)
print(f"SPARK {spark.version}", flush=True)
spark.client.close()
print("PASSED", flush=True)
