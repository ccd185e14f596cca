package dev.baton.driver.it;

import static dev.baton.client.Functions.col;
import static dev.baton.client.Functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.DataFrame;
import dev.baton.client.Functions;
import dev.baton.client.RetryPolicy;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Relation;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Must show 4: bad input is refused with a clear code and a message naming the problem, and the
 * driver and its other sessions keep working after each.
 */
class BadInputIT {
  private static TestDriver driver;
  private static Session session;
  private static Session bystander;

  @BeforeAll
  static void start() throws Exception {
    driver = TestDriver.start();
    session = Baton.builder().target(driver.target()).principal("alice").connect();
    bystander = Baton.builder().target(driver.target()).principal("bob").connect();
    session.sql("CREATE TABLE accounts AS SELECT range AS id, 'acct-' || range AS name FROM range(5)").collect();
  }

  @AfterAll
  static void stop() throws Exception {
    bystander.close();
    session.close();
    driver.close();
  }

  @BeforeEach
  void stillHealthy() {
    assertHealthy();
  }

  private static void assertHealthy() {
    assertThat(session.table("accounts").count()).isEqualTo(5);
    assertThat(bystander.range(0, 100).count()).isEqualTo(100);
  }

  private static void refused(Supplier<?> call, Status.Code code, String... fragments) {
    assertThatThrownBy(call::get)
        .isInstanceOfSatisfying(BatonException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          for (String f : fragments) {
            assertThat(e.getMessage()).contains(f);
          }
        });
    assertHealthy();
  }

  private static void refusedPlan(Function<Session, DataFrame> df, String... fragments) {
    refused(() -> df.apply(session).collect(), Status.Code.INVALID_ARGUMENT, fragments);
  }

  @Test
  void malformedPlans() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().build();
    try {
      var stub = ReattachIT.stub(ch, "alice");
      for (Plan bad : new Plan[] {Plan.getDefaultInstance(), Plan.newBuilder().setRoot(Relation.getDefaultInstance()).build()}) {
        assertThatThrownBy(() -> ReattachIT.drain(stub.executePlan(ExecutePlanRequest.newBuilder()
            .setSessionId(session.id()).setOperationId("bad-" + bad.hashCode()).setPlan(bad).build())))
            .satisfies(e -> {
              Status s = Status.fromThrowable(e);
              assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(s.getDescription()).containsAnyOf("no root", "relation has no kind");
            });
      }
      assertThatThrownBy(() -> ReattachIT.drain(stub.executePlan(ExecutePlanRequest.newBuilder()
          .setSessionId(session.id()).setOperationId("has spaces").build())))
          .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("operation_id"));
    } finally {
      ch.shutdownNow();
    }
    refusedPlan(s -> s.range(0, 3).limit(-1), "limit and offset must be >= 0");
    refusedPlan(s -> s.range(0, 3).select(Functions.call("system", lit("rm -rf /"))),
        "unknown function 'system'");
    refusedPlan(s -> s.range(0, 3).select(col("id").cast("INT); DROP TABLE accounts; --")), "unknown type");
  }

  @Test
  void unknownColumnsAndTables() {
    refusedPlan(s -> s.table("accounts").select("balance"), "balance");
    refusedPlan(s -> s.table("ledger"), "ledger");
    refusedPlan(s -> s.sql("SELECT nope FROM accounts"), "nope");
  }

  @Test
  void wrongTypes() {
    refusedPlan(s -> s.table("accounts").filter(col("id").plus(lit("abc")).gt(1)), "abc");
    refusedPlan(s -> s.table("accounts").select(Functions.call("abs", col("name"))), "abs");
  }

  @Test
  void injectionThroughIdentifiersViewNamesAndLiteralsIsInert() {
    refusedPlan(s -> s.table("accounts\"; DROP TABLE accounts; --"), "accounts\"; DROP TABLE accounts; --");
    refusedPlan(s -> s.table("accounts").select(col("name\" FROM accounts; DROP TABLE accounts; --")),
        "DROP TABLE accounts");

    String hostileView = "v\"; DROP TABLE accounts; --";
    session.table("accounts").filter(col("id").lt(2)).createOrReplaceView(hostileView);
    assertThat(session.table(hostileView).count()).isEqualTo(2);
    assertThat(session.views()).extracting(v -> v.getName()).contains(hostileView);

    assertThat(session.table("accounts").filter(col("name").eq(lit("x' OR '1'='1"))).count()).isZero();
    assertThat(session.table("accounts").filter(col("name").eq(lit("acct-1'; DROP TABLE accounts; --"))).count()).isZero();
    assertHealthy();
  }

  @Test
  void sandboxRefusesFilesAndSettings() {
    refused(() -> session.sql("SELECT * FROM read_csv('/etc/passwd')").collect(),
        Status.Code.PERMISSION_DENIED, "/etc/passwd");
    refused(() -> session.sql("SET memory_limit = '100GB'").collect(),
        Status.Code.PERMISSION_DENIED, "statement SET is not allowed");
    refused(() -> session.sql("ATTACH '/tmp/other.db'").collect(), Status.Code.PERMISSION_DENIED);
    refused(() -> session.sql("COPY accounts TO '/tmp/stolen.csv'").collect(), Status.Code.PERMISSION_DENIED);
    refused(() -> session.setConfig("memory_limit", "1GiB"), Status.Code.FAILED_PRECONDITION,
        "fixed when the session opens");
    refused(() -> session.setConfig("colour", "red"), Status.Code.INVALID_ARGUMENT, "unknown config key 'colour'");
  }

  @Test
  void badConfigAtOpen() {
    refused(() -> Baton.builder().target(driver.target()).config("memory_limit", "a lot").connect(),
        Status.Code.INVALID_ARGUMENT, "memory_limit");
    refused(() -> Baton.builder().target(driver.target()).config("threads", "1000").connect(),
        Status.Code.INVALID_ARGUMENT, "threads: must be between 1 and");
  }

  @Test
  void unknownSessionAndAnotherPrincipalsSession() {
    refused(() -> Baton.builder().target(driver.target()).principal("alice")
        .attach("no-such-session-000000000").connect().views(), Status.Code.NOT_FOUND, "no-such-session");
    refused(() -> Baton.builder().target(driver.target()).principal("mallory")
        .attach(session.id()).connect().table("accounts").collect(),
        Status.Code.PERMISSION_DENIED, "belongs to another principal");
    refused(() -> Baton.builder().target(driver.target()).principal("mallory")
        .retryPolicy(RetryPolicy.none()).attach(session.id()).connect().interruptAll(),
        Status.Code.PERMISSION_DENIED);
    refused(() -> Baton.builder().target(driver.target()).principal("").connect(),
        Status.Code.UNAUTHENTICATED, "baton-principal");
  }
}
