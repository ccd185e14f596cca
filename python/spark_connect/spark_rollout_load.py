"""PySpark sessions calling without pause while their Spark server is replaced, every call timed,
for ./bench rollout.

Usage: python spark_rollout_load.py <url> <control-dir> <sessions>
Each session sets a Spark config, a temp view from a DataFrame and one from SQL, then repeats one
call until <control-dir>/stop exists: a sum over the first view, a read of the second and a read
of the config, each answer checked. A call that fails, or finds its session's state gone, is met
as a Spark Connect user must meet it: the client makes a new session, sets its state up again and
repeats the call; all of that counts in the call's time.
Each call is appended to <control-dir>/calls.tsv as "<client> <start> <end> <outcome>": times from
time.monotonic_ns() (CLOCK_MONOTONIC, the clock of Java's System.nanoTime on Linux); outcome "ok",
"recovered" for a call that failed and set its session up again, or "unrecovered" for a call
still in flight a minute after the stop (its end is then the time it was given up). Prints READY
once every session is set up; at the end "FAILED <calls>", "LOST <clients>" (clients that had to
make a new session, or never got an answer), one "ABANDONED <session id>" per session a client
gave up, and one "ERROR <client> <first line>" per failure.
"""
import os
import sys
import threading
import time

from pyspark.sql import SparkSession, functions as F

from load_harness import give_up, start_clients

url, control, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stop = os.path.join(control, "stop")
log_lock = threading.Lock()
log = open(os.path.join(control, "calls.tsv"), "a", buffering=1)
errors = []
lost = set()
abandoned = []
in_flight = [None] * count
setup_failed = []


def set_up(i):
    spark = SparkSession.builder.remote(url).create()
    spark.conf.set("spark.baton.client", str(i))
    spark.range(i, i + 1000).createOrReplaceTempView("mine")
    spark.sql(f"CREATE OR REPLACE TEMP VIEW answer AS SELECT {i} * 2 AS doubled")
    return spark


def call(spark, i):
    total = spark.table("mine").agg(F.sum("id")).collect()[0][0]
    assert total == sum(range(i, i + 1000)), f"sum {total}"
    doubled = spark.sql("SELECT doubled FROM answer").collect()[0].doubled
    assert doubled == i * 2, f"doubled {doubled}"
    assert spark.conf.get("spark.baton.client") == str(i), "config lost"


def client(i, ready):
    try:
        spark = set_up(i)
    except BaseException as e:  # noqa: BLE001 - reported below
        setup_failed.append(f"client {i}: {type(e).__name__}: {e}")
        give_up(ready)
        return
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        return
    while not os.path.exists(stop):
        start = time.monotonic_ns()
        in_flight[i] = start
        outcome = "ok"
        try:
            call(spark, i)
        except Exception as e:  # noqa: BLE001 - the failure is the measurement
            errors.append(f"{i} {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            lost.add(i)
            abandoned.append(spark.client._session_id)
            outcome = "unrecovered"
            while not os.path.exists(stop):
                fresh = None
                try:
                    fresh = set_up(i)
                    call(fresh, i)
                    spark, outcome = fresh, "recovered"
                    break
                except Exception:  # noqa: BLE001 - the server may still be starting
                    if fresh is not None:
                        abandoned.append(fresh.client._session_id)
                    time.sleep(0.2)
        with log_lock:
            if log.closed:
                return  # given up as unrecovered at the end
            in_flight[i] = None
            log.write(f"{i}\t{start}\t{time.monotonic_ns()}\t{outcome}\n")


threads = start_clients(count, client)
deadline = None
for i, t in enumerate(threads):
    while t.is_alive():
        t.join(1)
        if deadline is None and os.path.exists(stop):
            deadline = time.monotonic() + 60
        if deadline is not None and time.monotonic() > deadline:
            break
with log_lock:
    for i, t in enumerate(threads):
        if t.is_alive() and in_flight[i] is not None:
            # Never answered: the pause runs until it was given up.
            log.write(f"{i}\t{in_flight[i]}\t{time.monotonic_ns()}\tunrecovered\n")
            lost.add(i)
            in_flight[i] = None
    log.close()
if setup_failed:
    print("SETUP FAILED\n" + "\n".join(setup_failed), flush=True)
    os._exit(1)
print(f"FAILED {len(errors)}", flush=True)
print(f"LOST {len(lost)}", flush=True)
for session_id in abandoned:
    print(f"ABANDONED {session_id}", flush=True)
for e in errors:
    print(f"ERROR {e}", flush=True)
# Not a normal exit: the clients of sessions lost to a restart are never closed (as in a program
# that made new ones), and closing their channels at exit can wait forever.
os._exit(0)
