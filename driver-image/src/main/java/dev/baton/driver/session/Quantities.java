package dev.baton.driver.session;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the byte sizes ("64MB", "1GiB") and durations ("30s", "5m") used in configuration. */
public final class Quantities {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?i?B)?",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Map<String, Long> SIZE_UNITS = Map.of(
      "B", 1L, "KB", 1000L, "MB", 1000L * 1000, "GB", 1000L * 1000 * 1000,
      "TB", 1000L * 1000 * 1000 * 1000, "KIB", 1024L, "MIB", 1024L * 1024,
      "GIB", 1024L * 1024 * 1024, "TIB", 1024L * 1024 * 1024 * 1024);

  private Quantities() {}

  /** Bytes of a size like "512MB" or "1GiB"; a bare number is bytes. */
  public static long bytes(String key, String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(key + ": '" + text
          + "' is not a size; use a number with B, KB, MB, GB, KiB, MiB or GiB, e.g. 512MB");
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    Long factor = SIZE_UNITS.get(unit);
    if (factor == null) {
      throw new IllegalArgumentException(key + ": unknown size unit '" + m.group(2) + "'");
    }
    return (long) (Double.parseDouble(m.group(1)) * factor);
  }

  /** A duration like "500ms", "30s", "5m" or "2h". */
  public static Duration duration(String key, String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(key + ": '" + text
          + "' is not a duration; use a whole number with ms, s, m or h, e.g. 30s");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      default:
        return Duration.ofHours(n);
    }
  }
}
