package dev.baton.driver;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of the driver image. SIGTERM triggers a graceful stop (see DriverServer). */
public final class DriverMain {
  private static final Logger LOG = LoggerFactory.getLogger(DriverMain.class);

  private DriverMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.print(DriverSettings.usage());
      return;
    }
    DriverSettings settings;
    try {
      settings = DriverSettings.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("baton-driver: " + e.getMessage());
      System.err.print(DriverSettings.usage());
      System.exit(2);
      return;
    }
    DriverServer driver = DriverServer.start(settings);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("termination signal received");
      driver.shutdownGracefully(settings.shutdownGrace());
    }, "shutdown"));
    driver.awaitTermination();
  }
}
