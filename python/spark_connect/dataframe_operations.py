"""Runs DataFrame and SQL operations through a Spark Connect endpoint with the real PySpark
client and checks every answer against DuckDB's own answer for the same data and question.

Usage: python dataframe_operations.py sc://host:port[/;params]
Prints one line per check and "PASSED <n> checks" at the end; exits non-zero on the first
wrong answer. EXPECTED_SPARK_VERSION names the server's Spark version (default 4.2.0, what the
reference driver reports).
"""
import contextlib
import datetime
import io
import math
import os
import sys

import duckdb
import pandas as pd
from pyspark.sql import SparkSession, Window, functions as F

URL = sys.argv[1]
checks = 0


def check(name, actual, expected):
    global checks
    if actual != expected:
        print(f"FAILED {name}\n  got:      {actual!r}\n  expected: {expected!r}", flush=True)
        sys.exit(1)
    checks += 1
    print(f"ok {checks:2d} {name}", flush=True)


def rows(df):
    """A Spark DataFrame's rows as sorted tuples (order-free comparison)."""
    return sorted(tuple(r) for r in df.collect())


def ordered(df):
    return [tuple(r) for r in df.collect()]


def duck(sql, *, keep_order=False):
    out = [tuple(r) for r in db.execute(sql).fetchall()]
    return out if keep_order else sorted(out)


def norm(values):
    """Floats rounded, so two engines' last-digit differences do not count."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in values]


people = pd.DataFrame({
    "id": [1, 2, 3, 4, 5, 6, 7, 8],
    "name": ["ana", "bo", "cy", "di", "ed", "flo", "gus", "hal"],
    "age": [34, 28, 45, 28, 51, 39, 23, 45],
    "dept_id": [10, 20, 10, 30, 20, 10, 40, 30],
    "salary": [5200.5, 4100.0, 7300.25, 3900.0, 8800.0, 6100.75, 2500.0, 7000.0],
})
depts = pd.DataFrame({"dept_id": [10, 20, 30], "dept": ["eng", "ops", "sales"]})

db = duckdb.connect()
db.register("people", people)
db.register("depts", depts)

spark = SparkSession.builder.remote(URL).getOrCreate()

# -- ranges, filters, projections
check("range count", spark.range(1000).count(), 1000)
check("range with start and step", rows(spark.range(5, 50, 7)), duck("SELECT range FROM range(5, 50, 7)"))
check("filter with a column expression",
      rows(spark.range(100).filter(F.col("id") % 7 == 3)),
      duck("SELECT range FROM range(100) WHERE range % 7 = 3"))
check("filter with a SQL string", rows(spark.range(50).filter("id > 40 AND id < 45")),
      duck("SELECT range FROM range(50) WHERE range > 40 AND range < 45"))
check("select with arithmetic and alias",
      rows(spark.range(10).select((F.col("id") * 2).alias("double"), F.col("id") + 1)),
      duck("SELECT range * 2, range + 1 FROM range(10)"))
check("range column is a bigint named id", [(f.name, f.dataType.simpleString()) for f in spark.range(3).schema.fields],
      [("id", "bigint")])

# -- createDataFrame from pandas, toPandas
pdf = spark.createDataFrame(people)
check("createDataFrame from pandas round-trips through toPandas",
      pdf.toPandas().sort_values("id").reset_index(drop=True).to_dict("list"), people.to_dict("list"))
dpt = spark.createDataFrame(depts)
check("createDataFrame from a list of tuples",
      rows(spark.createDataFrame([(1, "x"), (2, "y")], ["k", "v"])), [(1, "x"), (2, "y")])

# -- withColumn, rename, drop, selectExpr, when/otherwise, cast
check("withColumn adds a column",
      norm(rows(pdf.withColumn("monthly", F.col("salary") / 12).select("id", "monthly"))),
      norm(duck("SELECT id, salary / 12 FROM people")))
check("withColumn replaces a column in place",
      pdf.withColumn("age", F.col("age") + 1).columns, ["id", "name", "age", "dept_id", "salary"])
check("withColumnRenamed", pdf.withColumnRenamed("name", "who").columns,
      ["id", "who", "age", "dept_id", "salary"])
check("drop", pdf.drop("salary", "dept_id").columns, ["id", "name", "age"])
check("selectExpr", rows(pdf.selectExpr("id", "age * 2 AS twice")), duck("SELECT id, age * 2 FROM people"))
check("when / otherwise",
      rows(pdf.select("id", F.when(F.col("age") >= 40, "senior").when(F.col("age") >= 30, "mid")
                      .otherwise("junior").alias("band"))),
      duck("SELECT id, CASE WHEN age >= 40 THEN 'senior' WHEN age >= 30 THEN 'mid' ELSE 'junior' END FROM people"))
check("cast to string and back",
      rows(pdf.select(F.col("age").cast("string").alias("s")).select(F.col("s").cast("int"))),
      duck("SELECT CAST(CAST(age AS VARCHAR) AS INTEGER) FROM people"))
check("string functions",
      rows(pdf.select(F.upper("name"), F.length("name"), F.concat(F.col("name"), F.lit("!")))),
      duck("SELECT upper(name), length(name), name || '!' FROM people"))
check("isin and like",
      rows(pdf.filter(F.col("dept_id").isin(10, 30) & F.col("name").like("%a%")).select("id")),
      duck("SELECT id FROM people WHERE dept_id IN (10, 30) AND name LIKE '%a%'"))

# -- aggregation
check("groupBy/agg",
      norm(rows(pdf.groupBy("dept_id").agg(F.sum("salary"), F.avg("age"), F.count("*"), F.max("age"),
                                           F.min("name")))),
      norm(duck("SELECT dept_id, sum(salary), avg(age), count(*), max(age), min(name) FROM people GROUP BY dept_id")))
check("groupBy().count()", rows(pdf.groupBy("age").count()), duck("SELECT age, count(*) FROM people GROUP BY age"))
check("aggregate names follow Spark", pdf.groupBy("dept_id").agg(F.sum("age"), F.count("*")).columns,
      ["dept_id", "sum(age)", "count(1)"])
check("sum of integers is a bigint",
      pdf.agg(F.sum("age").alias("s")).schema.fields[0].dataType.simpleString(), "bigint")
check("count", pdf.filter("age > 30").count(), duck("SELECT count(*) FROM people WHERE age > 30")[0][0])

# -- joins
check("inner join on a condition",
      rows(pdf.join(dpt, pdf.dept_id == dpt.dept_id).select(pdf.name, dpt.dept)),
      duck("SELECT p.name, d.dept FROM people p JOIN depts d ON p.dept_id = d.dept_id"))
check("left join using a column",
      rows(pdf.join(dpt, "dept_id", "left").select("name", "dept")),
      duck("SELECT name, dept FROM people LEFT JOIN depts USING (dept_id)"))
check("anti join",
      rows(pdf.join(dpt, "dept_id", "left_anti").select("id")),
      duck("SELECT id FROM people ANTI JOIN depts USING (dept_id)"))

# -- order, limit, union, distinct, set operations
check("orderBy desc with limit",
      ordered(pdf.orderBy(F.col("salary").desc()).limit(3).select("name")),
      duck("SELECT name FROM people ORDER BY salary DESC LIMIT 3", keep_order=True))
check("orderBy two keys",
      ordered(pdf.orderBy("age", F.desc("id")).select("id")),
      duck("SELECT id FROM people ORDER BY age, id DESC", keep_order=True))
check("nulls sort first ascending, as in Spark",
      ordered(spark.createDataFrame([(1,), (None,), (0,)], "x int").orderBy("x")), [(None,), (0,), (1,)])
check("union keeps duplicates", spark.range(5).union(spark.range(3)).count(), 8)
check("distinct", rows(pdf.select("age").distinct()), duck("SELECT DISTINCT age FROM people"))
check("dropDuplicates on a subset", pdf.dropDuplicates(["dept_id"]).count(),
      duck("SELECT count(DISTINCT dept_id) FROM people")[0][0])
check("intersect and subtract",
      (rows(spark.range(10).intersect(spark.range(5, 15))), rows(spark.range(10).subtract(spark.range(5, 15)))),
      (duck("SELECT range FROM range(5, 10)"), duck("SELECT range FROM range(5)")))
check("offset and tail", (ordered(spark.range(10).offset(7)), [tuple(r) for r in spark.range(10).tail(2)]),
      ([(7,), (8,), (9,)], [(8,), (9,)]))
check("window row_number per partition",
      rows(pdf.select("id", F.row_number().over(Window.partitionBy("dept_id").orderBy(F.desc("salary"))).alias("rn"))),
      duck("SELECT id, row_number() OVER (PARTITION BY dept_id ORDER BY salary DESC) FROM people"))

# -- temp views, spark.table, SQL with DDL and parameters
pdf.createOrReplaceTempView("staff")
check("createOrReplaceTempView + spark.table", rows(spark.table("staff").select("id")),
      duck("SELECT id FROM people"))
check("spark.sql over a temp view",
      norm(rows(spark.sql("SELECT dept_id, avg(salary) AS avg_salary FROM staff WHERE age > 25 GROUP BY dept_id"))),
      norm(duck("SELECT dept_id, avg(salary) FROM people WHERE age > 25 GROUP BY dept_id")))
spark.sql("CREATE TABLE ledger (k INT, note STRING)")
spark.sql("INSERT INTO ledger VALUES (1, 'one'), (2, 'two'), (3, 'three')")
check("spark.sql DDL and DML", rows(spark.sql("SELECT * FROM ledger")), [(1, "one"), (2, "two"), (3, "three")])
check("spark.sql with named parameters",
      rows(spark.sql("SELECT note FROM ledger WHERE k >= :lo", args={"lo": 2})), [("three",), ("two",)])
check("backticks quote identifiers",
      rows(spark.sql("SELECT `note` AS `the note` FROM ledger WHERE k = 1")), [("one",)])

# -- collect, toPandas, show, printSchema, schema
first = pdf.orderBy("id").collect()[0]
check("collect gives Rows by name", (first.name, first["age"], first.salary), ("ana", 34, 5200.5))
check("toPandas of a join",
      pdf.join(dpt, "dept_id").groupBy("dept").agg(F.count("*").alias("n")).orderBy("dept").toPandas()
      .to_dict("list"),
      {"dept": ["eng", "ops", "sales"], "n": [3, 2, 2]})
out = io.StringIO()
with contextlib.redirect_stdout(out):
    pdf.select("id", "name", "salary").orderBy("id").show(3)
check("show prints Spark's table", out.getvalue(),
      "+---+----+-------+\n"
      "| id|name| salary|\n"
      "+---+----+-------+\n"
      "|  1| ana| 5200.5|\n"
      "|  2|  bo| 4100.0|\n"
      "|  3|  cy|7300.25|\n"
      "+---+----+-------+\n"
      "only showing top 3 rows\n")
out = io.StringIO()
with contextlib.redirect_stdout(out):
    spark.createDataFrame([(1, "a very long text value indeed")], ["k", "text"]).show(truncate=10)
check("show truncates", out.getvalue(),
      "+---+----------+\n"
      "|  k|      text|\n"
      "+---+----------+\n"
      "|  1|a very ...|\n"
      "+---+----------+\n\n")
out = io.StringIO()
with contextlib.redirect_stdout(out):
    pdf.select("id", "name").printSchema()
check("printSchema", out.getvalue(),
      "root\n |-- id: long (nullable = true)\n |-- name: string (nullable = true)\n\n")
check("dtypes", pdf.dtypes, [("id", "bigint"), ("name", "string"), ("age", "bigint"), ("dept_id", "bigint"),
                             ("salary", "double")])

# -- config
spark.conf.set("spark.baton.example", "42")
check("conf set/get", spark.conf.get("spark.baton.example"), "42")
check("conf get with default", spark.conf.get("spark.baton.missing", "fallback"), "fallback")
check("conf reads Spark's defaults", spark.conf.get("spark.sql.session.timeZone"), "UTC")
spark.conf.unset("spark.baton.example")
check("conf unset", spark.conf.get("spark.baton.example", None), None)
check("spark.version", spark.version, os.environ.get("EXPECTED_SPARK_VERSION", "4.2.0"))

spark.stop()
print(f"PASSED {checks} checks", flush=True)
