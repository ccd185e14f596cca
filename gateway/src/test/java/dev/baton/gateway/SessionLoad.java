package dev.baton.gateway;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.vector.BigIntVector;

/**
 * Clients that use their sessions without pause while a test changes the pool under them. Each
 * thread owns some sessions and, round after round, sets config, writes a row, reads back every
 * row it wrote, streams rows checking each arrives once and in order, and now and then runs a
 * query of a second or more. Every failure is kept: a test asserts there are none.
 */
final class SessionLoad implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<String, AtomicLong> inserted = new ConcurrentHashMap<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong streamed = new AtomicLong();
  private final AtomicLong longQueries = new AtomicLong();
  private final ExecutorService threads;

  /** Starts the load; each session gets a temp table {@code writes} first. */
  SessionLoad(List<Session> sessions, int threadCount, int streamRows) {
    for (Session s : sessions) {
      s.sql("CREATE TEMP TABLE IF NOT EXISTS writes (n BIGINT)").collect();
      inserted.put(s.id(), new AtomicLong(s.sql("SELECT count(*) AS c FROM writes").collect().get(0).getLong("c")));
    }
    threads = Executors.newFixedThreadPool(threadCount);
    for (int t = 0; t < threadCount; t++) {
      List<Session> mine = new ArrayList<>();
      for (int i = t; i < sessions.size(); i += threadCount) {
        mine.add(sessions.get(i));
      }
      int thread = t;
      threads.submit(() -> run(mine, thread, streamRows));
    }
  }

  private void run(List<Session> mine, int thread, int streamRows) {
    for (long round = 0; running.get(); round++) {
      for (Session s : mine) {
        if (!running.get()) {
          return;
        }
        try {
          AtomicLong count = inserted.get(s.id());
          long n = count.get();
          s.setConfig("user.round", Long.toString(round));
          s.sql("INSERT INTO writes VALUES (" + n + ")").collect();
          count.incrementAndGet();
          long seen = s.sql("SELECT count(*) AS c FROM writes").collect().get(0).getLong("c");
          if (seen != n + 1) {
            throw new AssertionError(s.id() + ": " + seen + " rows read back where " + (n + 1) + " were written");
          }
          if (!Long.toString(round).equals(s.config().get("user.round"))) {
            throw new AssertionError(s.id() + ": config lost");
          }
          calls.addAndGet(4);
          if (round % 3 == thread % 3) {
            long expected = 0;
            try (ArrowBatchStream stream = s.range(0, streamRows).stream()) {
              while (stream.next()) {
                BigIntVector ids = (BigIntVector) stream.root().getVector(0);
                for (int i = 0; i < ids.getValueCount(); i++) {
                  if (ids.get(i) != expected++) {
                    throw new AssertionError(s.id() + ": row " + ids.get(i) + " where " + (expected - 1) + " was due");
                  }
                }
              }
            }
            if (expected != streamRows) {
              throw new AssertionError(s.id() + ": " + expected + " rows streamed of " + streamRows);
            }
            streamed.addAndGet(expected);
            calls.incrementAndGet();
          }
          if (round % 5 == 4 && thread % 2 == 0) {
            // A query lasting a second or more: a move waits for it to end (or for drainTimeout).
            s.sql("SELECT sum(hash(range)) AS h FROM range(30000000)").collect();
            longQueries.incrementAndGet();
            calls.incrementAndGet();
          }
        } catch (Throwable e) {
          failures.add(new AssertionError("session " + s.id() + ": " + e, e));
        }
      }
    }
  }

  /** Rows each session wrote, by session id. */
  long inserted(String sessionId) {
    return inserted.get(sessionId).get();
  }

  List<Throwable> failures() {
    return failures;
  }

  String summary() {
    return calls.get() + " calls, " + streamed.get() + " rows streamed, " + longQueries.get() + " long queries, "
        + failures.size() + " failed";
  }

  /** Stops the clients and waits for their last round. */
  @Override
  public void close() throws InterruptedException {
    running.set(false);
    threads.shutdown();
    if (!threads.awaitTermination(180, TimeUnit.SECONDS)) {
      throw new AssertionError("load threads did not stop");
    }
  }
}
