package dev.baton.demo;

import java.util.List;
import sun.misc.Signal;

/**
 * Gives SIGINT and SIGTERM back to the JVM. The Helm library is Go code loaded into this
 * process, and its runtime takes those signals for itself: without this, Ctrl-C (or kill) would
 * not run the shutdown hook that stops the local cluster, and its processes would be left behind.
 */
final class StopSignals {
  private StopSignals() {}

  static void reclaim() {
    for (String name : List.of("INT", "TERM")) {
      // 128 + the signal number, as a shell reports a process ended by that signal.
      int code = 128 + (name.equals("INT") ? 2 : 15);
      Signal.handle(new Signal(name), signal -> System.exit(code));
    }
  }
}
