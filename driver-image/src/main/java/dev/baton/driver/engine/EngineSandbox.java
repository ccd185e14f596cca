package dev.baton.driver.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a session's engine may touch the file system: the driver's data directories (read by
 * plans) and the session's own scratch directory (spills). Everything else is refused by DuckDB
 * itself ({@code enable_external_access=false} with {@code allowed_directories}).
 */
public record EngineSandbox(List<Path> dataDirectories, Path scratchRoot) {}
