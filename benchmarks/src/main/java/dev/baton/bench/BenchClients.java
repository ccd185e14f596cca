package dev.baton.bench;

import dev.baton.client.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark clients: threads that call their sessions without pause, each call an insert into
 * the session's temp table {@code writes} and a read of it (two RPCs), timed as one. A session
 * whose call fails is counted as having lost its state and its table is set up again within the
 * same call, as a client of a replaced server must do.
 */
final class BenchClients implements AutoCloseable {
  /** Per session id: [start nanos, end nanos] of each call. */
  final Map<String, List<long[]>> calls = new ConcurrentHashMap<>();
  final List<Throwable> failures = new CopyOnWriteArrayList<>();
  final Set<String> lost = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong n = new AtomicLong();
  private final ExecutorService threads;

  BenchClients(List<Session> sessions, int threadCount) {
    for (Session s : sessions) {
      s.sql("CREATE TEMP TABLE writes (n BIGINT)").collect();
    }
    threads = Executors.newFixedThreadPool(threadCount);
    for (int t = 0; t < threadCount; t++) {
      List<Session> mine = new ArrayList<>();
      for (int i = t; i < sessions.size(); i += threadCount) {
        mine.add(sessions.get(i));
      }
      threads.submit(() -> {
        while (running.get()) {
          mine.forEach(this::call);
        }
        return null;
      });
    }
  }

  private void call(Session s) {
    long start = System.nanoTime();
    try {
      s.sql("INSERT INTO writes VALUES (" + n.incrementAndGet() + ")").collect();
      s.sql("SELECT count(*) FROM writes").collect();
    } catch (Throwable e) {
      failures.add(e);
      lost.add(s.id());
      try {
        s.sql("CREATE TEMP TABLE IF NOT EXISTS writes (n BIGINT)").collect();
      } catch (Throwable again) {
        failures.add(again);
      }
    }
    calls.computeIfAbsent(s.id(), k -> new CopyOnWriteArrayList<>()).add(new long[] {start, System.nanoTime()});
  }

  /** Every session has made a call that started after {@code nanos}. */
  boolean allCalledSince(List<Session> sessions, long nanos) {
    return sessions.stream().allMatch(s -> calls.getOrDefault(s.id(), List.of()).stream().anyMatch(c -> c[0] > nanos));
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    threads.shutdown();
    threads.awaitTermination(60, TimeUnit.SECONDS);
  }
}
