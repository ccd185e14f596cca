"""Uses, or is refused, a Spark Connect session through a pool's gateway.

Usage:
  python session_access.py use <url>              runs a query in the session; prints USED
  python session_access.py refused <url> <CODE>   expects the gRPC status CODE (e.g. PERMISSION_DENIED);
                                                  prints REFUSED <CODE>
The url may name the session (;session_id=<uuid>) and carry a token (;token=...).
"""
import sys

from pyspark.errors.exceptions.connect import SparkConnectGrpcException
from pyspark.sql import SparkSession

mode, url = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote(url).getOrCreate()

def leave(code):
    """Closes the connection and leaves the session to its owner (spark.stop() would release it)."""
    # Closing before exit matters: a process that exits with calls in flight can hang in
    # grpcio's own shutdown (a daemon thread dies holding a call's lock).
    spark.client.close()
    sys.exit(code)


if mode == "use":
    assert spark.range(10).count() == 10
    print("USED", flush=True)
    leave(0)
expected = sys.argv[3]
try:
    spark.range(10).count()
except SparkConnectGrpcException as e:
    code = e.getGrpcStatusCode().name
    print(f"{'REFUSED' if code == expected else 'WRONG'} {code}: {str(e).splitlines()[0][:200]}", flush=True)
    leave(0 if code == expected else 1)
print("FAILED: the call ran", flush=True)
leave(1)
