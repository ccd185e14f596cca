"""A PySpark session used across a move of its session to another driver.

Usage: python moving_session.py <url> <control-dir>
Sets a Spark config and a temp view, prints READY, and waits for <control-dir>/go. Then prints
ISSUED and runs a query (the test makes sure the session is being moved at that moment), and
checks the answer, the config, the view and that the server-side session id did not change.
Any exception fails the script: none may reach user code.
"""
import os
import sys
import time

import pandas as pd
from pyspark.sql import SparkSession

url, control = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote(url).getOrCreate()
spark.conf.set("spark.baton.mark", "kept")
frame = pd.DataFrame({"k": range(1000), "v": [f"row-{i}" for i in range(1000)]})
spark.createDataFrame(frame).createOrReplaceTempView("moving")
spark.range(100).filter("id % 2 = 0").createOrReplaceTempView("evens")
assert spark.table("moving").count() == 1000
before = spark.client._server_session_id
print("READY", flush=True)

while not os.path.exists(os.path.join(control, "go")):
    time.sleep(0.05)
print("ISSUED", flush=True)
rows = spark.sql("SELECT sum(k) AS s, count(*) AS n FROM moving JOIN evens ON k = id").collect()
assert (rows[0].s, rows[0].n) == (sum(range(0, 100, 2)), 50), rows
assert spark.conf.get("spark.baton.mark") == "kept"
assert spark.table("moving").filter("v = 'row-7'").count() == 1
assert spark.client._server_session_id == before, (spark.client._server_session_id, before)
# Closed, not stopped: the test reads where the session is now before it goes.
spark.client.close()
print("PASSED", flush=True)
