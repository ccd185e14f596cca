package dev.baton.spark;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.SparkReplayStep;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One session's replayable state: the requests that changed it, in the order they succeeded, and
 * what it holds that replay cannot rebuild. Running the steps again, in order, for the same
 * session on another Spark Connect server rebuilds its config, temp views, current namespace,
 * session variables and temporary functions.
 *
 * <p>Kept small: a config step is dropped when a later step sets the same key with no command in
 * between (a command, such as a view, may have depended on the old value). A journal that would
 * pass {@link #maxBytes} stops recording and says so in {@link #notMoved()}: a move then loses
 * the later changes, and the session is told, never silently.
 */
public final class ReplayJournal {
  /** The journal's size limit by default: 8 MiB of serialized requests. */
  public static final long DEFAULT_MAX_BYTES = 8L << 20;

  private final long maxBytes;
  private final List<SparkReplayStep> steps = new ArrayList<>();
  /** Per step: the config key it sets or unsets, or null for a command. */
  private final List<String> configKeys = new ArrayList<>();
  private final Set<String> liveTempViews = new LinkedHashSet<>();
  private final Set<String> notMoved = new LinkedHashSet<>();
  private long bytes;
  private boolean full;
  /** Grows with every change of what {@link #steps} and {@link #notMoved} return. */
  private long version = 1;

  public ReplayJournal() {
    this(DEFAULT_MAX_BYTES);
  }

  public ReplayJournal(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** A number that grows whenever the journal changes (1 for a new one). */
  public synchronized long version() {
    return version;
  }

  /** Records a config operation (a Set or Unset of one key) that succeeded. */
  public synchronized void config(String key, ByteString operation, String summary) {
    if (full) {
      return; // the earlier value stays: it is what replay would give, and the loss is reported
    }
    for (int i = steps.size() - 1; i >= 0 && configKeys.get(i) != null; i--) {
      if (configKeys.get(i).equals(key)) {
        bytes -= steps.get(i).getSerializedSize();
        steps.remove(i);
        configKeys.remove(i);
        version++;
      }
    }
    append(SparkReplayStep.newBuilder().setConfigOperation(operation).setSummary(summary).build(), key);
  }

  /** Records a command (its serialized Plan) that succeeded with {@code effect}. */
  public synchronized void command(ByteString plan, Effect effect) {
    String view = effect.name().toLowerCase(Locale.ROOT);
    switch (effect.kind()) {
      case NONE -> { }
      case NOT_MOVABLE -> notMovable(effect.summary());
      case DROP_TEMP_VIEW -> {
        // A DROP VIEW of a name the session has no temp view of dropped a catalog view (or
        // nothing): running it again elsewhere must not.
        if (liveTempViews.remove(view)) {
          append(step(plan, effect), null);
        }
      }
      case CREATE_TEMP_VIEW -> {
        if (append(step(plan, effect), null)) {
          liveTempViews.add(view);
        }
      }
      case REPLAY -> append(step(plan, effect), null);
      default -> throw new IllegalArgumentException("unknown effect " + effect.kind());
    }
  }

  /** Reports state that replay cannot rebuild. */
  public synchronized void notMovable(String what) {
    if (notMoved.add(what)) {
      version++;
    }
  }

  /** Forgets everything: the server lost the session's state (Spark re-created the session). */
  public synchronized void reset() {
    steps.clear();
    configKeys.clear();
    liveTempViews.clear();
    notMoved.clear();
    bytes = 0;
    full = false;
    version++;
  }

  public synchronized List<SparkReplayStep> steps() {
    return List.copyOf(steps);
  }

  public synchronized List<String> notMoved() {
    return List.copyOf(notMoved);
  }

  /** The session's temp views, lower-cased. */
  public synchronized Set<String> tempViews() {
    return Set.copyOf(liveTempViews);
  }

  private static SparkReplayStep step(ByteString plan, Effect effect) {
    return SparkReplayStep.newBuilder().setCommandPlan(plan).setSummary(effect.summary()).build();
  }

  private boolean append(SparkReplayStep step, String configKey) {
    if (full) {
      return false;
    }
    if (bytes + step.getSerializedSize() > maxBytes) {
      full = true;
      version++;
      notMoved.add("changes after the session's replay journal reached " + maxBytes + " bytes (from: "
          + step.getSummary() + ")");
      return false;
    }
    steps.add(step);
    configKeys.add(configKey);
    bytes += step.getSerializedSize();
    version++;
    return true;
  }
}
