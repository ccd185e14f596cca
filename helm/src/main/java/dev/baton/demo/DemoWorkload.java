package dev.baton.demo;

import dev.baton.client.Session;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's clients: one thread per session, calling without pause. Each call adds a row to the
 * session's temporary table and reads the count back; the count must equal the rows that session
 * added, so a session that lost its state (a new, empty one behind the same id) shows as a failed
 * call, not as a silent success.
 */
final class DemoWorkload implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Map<String, AtomicLong> rows = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final ExecutorService threads;

  DemoWorkload(List<Session> sessions) {
    threads = Executors.newFixedThreadPool(sessions.size());
    for (Session s : sessions) {
      s.sql("CREATE TEMP TABLE demo_calls (n BIGINT)").collect();
      rows.put(s.id(), new AtomicLong());
      threads.submit(() -> loop(s));
    }
  }

  private void loop(Session s) {
    AtomicLong added = rows.get(s.id());
    boolean resync = false;
    while (running.get()) {
      try {
        if (resync) {
          // After a failed call the insert may or may not have landed; never fewer rows, though.
          long count = count(s);
          if (count < added.get()) {
            added.set(count);
            throw new IllegalStateException("session " + s.id() + " lost rows: its state was lost");
          }
          added.set(count);
          resync = false;
        }
        long n = added.get() + 1;
        s.sql("INSERT INTO demo_calls VALUES (" + n + ")").collect();
        added.set(n);
        long count = count(s);
        if (count != n) {
          throw new IllegalStateException("session " + s.id() + " holds " + count + " rows, not " + n + ": its state was lost");
        }
        ok.incrementAndGet();
      } catch (RuntimeException e) {
        failed.incrementAndGet();
        resync = true;
        if (errors.size() < 5) {
          errors.add(e.toString());
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private static long count(Session s) {
    return ((Number) s.sql("SELECT count(*) AS n FROM demo_calls").collect().get(0).get(0)).longValue();
  }

  long ok() {
    return ok.get();
  }

  long failed() {
    return failed.get();
  }

  /** The first few errors, for the report. */
  List<String> errors() {
    return List.copyOf(errors);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    threads.shutdown();
    threads.awaitTermination(60, TimeUnit.SECONDS);
  }
}
