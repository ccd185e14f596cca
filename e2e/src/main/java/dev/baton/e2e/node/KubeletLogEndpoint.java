package dev.baton.e2e.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The one kubelet endpoint the local node serves: {@code /containerLogs/<ns>/<pod>/<container>},
 * so {@code kubectl logs} works (the API server proxies to the node's kubelet port, from its
 * status). Supports {@code tailLines}, {@code limitBytes} and {@code follow}. Its certificate is
 * self-signed: the API server verifies a kubelet's certificate only when given a CA for it.
 */
final class KubeletLogEndpoint implements AutoCloseable {
  private static final String PASSWORD = "local-node";
  private final HttpsServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kubelet-logs");
    t.setDaemon(true);
    return t;
  });
  private final Path logDir;
  private volatile boolean open = true;

  private KubeletLogEndpoint(HttpsServer server, Path logDir) {
    this.server = server;
    this.logDir = logDir;
  }

  static KubeletLogEndpoint start(Path logDir, String nodeName) throws IOException {
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(sslContext(logDir.resolve("kubelet.p12"), nodeName)));
    KubeletLogEndpoint endpoint = new KubeletLogEndpoint(server, logDir);
    server.createContext("/containerLogs/", endpoint::serve);
    server.setExecutor(endpoint.threads);
    server.start();
    return endpoint;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** A key and self-signed certificate from the JDK's keytool (the JDK has no API to make one). */
  private static SSLContext sslContext(Path keystore, String nodeName) throws IOException {
    try {
      Files.deleteIfExists(keystore);
      Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-alias", "kubelet", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + nodeName,
          "-ext", "SAN=ip:127.0.0.1", "-validity", "30", "-storetype", "PKCS12", "-keystore", keystore.toString(),
          "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
      String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
        throw new IOException("keytool failed: " + out);
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        ks.load(in, PASSWORD.toCharArray());
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, PASSWORD.toCharArray());
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the kubelet certificate", e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String[] parts = exchange.getRequestURI().getPath().substring("/containerLogs/".length()).split("/");
      if (parts.length != 3) {
        reply(exchange, 400, "expected /containerLogs/<namespace>/<pod>/<container>");
        return;
      }
      Path log = logDir.resolve(parts[0] + "_" + parts[1] + "_" + parts[2] + ".log");
      if (!log.normalize().startsWith(logDir.normalize()) || !Files.exists(log)) {
        reply(exchange, 404, "container " + parts[2] + " of pod " + parts[0] + "/" + parts[1]
            + " has no log on this node");
        return;
      }
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      long limit = query.containsKey("limitBytes") ? Long.parseLong(query.get("limitBytes")) : Long.MAX_VALUE;
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      long position = query.containsKey("tailLines") ? tailStart(log, Integer.parseInt(query.get("tailLines"))) : 0;
      // limitBytes counts what is sent, from wherever the reply starts.
      limit = limit == Long.MAX_VALUE ? limit : position + limit;
      position = copy(log, position, out, limit);
      boolean follow = "true".equals(query.get("follow"));
      while (follow && open && Files.exists(log)) {
        out.flush();
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          return;
        }
        position = copy(log, position, out, limit);
      }
    } catch (IOException | RuntimeException e) {
      // the client went away (kubectl logs -f ended)
    }
  }

  private static void reply(HttpExchange exchange, int code, String message) throws IOException {
    byte[] body = message.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(code, body.length);
    exchange.getResponseBody().write(body);
  }

  /** Copies what the file holds past {@code position}; returns the new position. */
  private static long copy(Path log, long position, OutputStream out, long limit) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long end = Math.min(file.length(), limit);
      file.seek(position);
      byte[] buffer = new byte[8192];
      while (position < end) {
        int n = file.read(buffer, 0, (int) Math.min(buffer.length, end - position));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        position += n;
      }
      return position;
    }
  }

  /** Where the last {@code lines} lines of the file begin. */
  private static long tailStart(Path log, int lines) throws IOException {
    List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
    Deque<Integer> lengths = new ArrayDeque<>();
    long total = Files.size(log);
    long keep = 0;
    for (int i = all.size() - 1; i >= 0 && lengths.size() < lines; i--) {
      int len = all.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
      lengths.push(len);
      keep += len;
    }
    return Math.max(0, total - keep);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Override
  public void close() {
    open = false;
    server.stop(0);
    threads.shutdownNow();
  }
}
