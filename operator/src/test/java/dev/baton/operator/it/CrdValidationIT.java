package dev.baton.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.junit.KubeTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Must show 5: invalid manifests are refused by the API server itself (schema and CEL rules of the
 * committed CRDs), through kubectl, with a message that names the field.
 */
class CrdValidationIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().build();

  private static final Path EXAMPLES = Path.of("..", "examples");

  @BeforeAll
  static void installCrds() throws Exception {
    cluster.installCrds(Path.of("..", "crds"));
  }

  private static ControlPlane.KubectlResult apply(String yaml) throws Exception {
    return cluster.controlPlane().kubectlApply(yaml, "-n", "validation");
  }

  /** The example pool with one line replaced. */
  private static String pool(String from, String to) throws Exception {
    String base = Files.readString(EXAMPLES.resolve("driverpool.yaml"));
    assertThat(base).contains(from);
    return base.replace(from, to);
  }

  @Test
  void theExamplesAreAcceptedAndDefaultsApplied() throws Exception {
    cluster.namespace("validation");
    assertThat(cluster.controlPlane().kubectl("apply", "-n", "validation", "-f",
        EXAMPLES.resolve("driverpool.yaml").toString()).exitCode()).isZero();
    assertThat(cluster.controlPlane().kubectl("apply", "-n", "validation", "-f",
        EXAMPLES.resolve("clientsession.yaml").toString()).exitCode()).isZero();
    ControlPlane.KubectlResult minimal = apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: minimal}
        spec:
          driver: {image: baton-driver:1.0.0}
        """);
    assertThat(minimal.exitCode()).as(minimal.output()).isZero();
    var got = cluster.controlPlane().kubectl("get", "driverpool", "minimal", "-n", "validation", "-o",
        "jsonpath={.spec.replicas} {.spec.upgrade.strategy} {.spec.upgrade.maxSurge} {.spec.sessions.maxPerDriver}");
    assertThat(got.output()).isEqualTo("2 RollingHandoff 1 50");
    var explain = cluster.controlPlane().kubectl("explain", "driverpool.spec.upgrade.maxSurge");
    assertThat(explain.output()).contains("New drivers started above replicas during a rollout");
    var shortName = cluster.controlPlane().kubectl("get", "dp", "-n", "validation");
    assertThat(shortName.output()).contains("READY").contains("SESSIONS").contains("AVAILABLE").contains("minimal");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      negative replicas           | 'replicas: 3'               | 'replicas: -1'                      | spec.replicas
      too many replicas           | 'replicas: 3'               | 'replicas: 1000'                    | spec.replicas
      surge and unavailable 0     | 'maxSurge: 1'               | 'maxSurge: 0'                       | spec.upgrade.maxSurge
      unknown strategy            | 'strategy: RollingHandoff'  | 'strategy: Canary'                  | spec.upgrade.strategy
      malformed duration          | 'drainTimeout: 5m'          | 'drainTimeout: 5 minutes'           | spec.upgrade.drainTimeout
      missing image               | 'image: ghcr.io/baton-dev/baton-driver:0.1.0' | ''                     | spec.driver.image
      bad quantity                | 'memoryLimit: 512Mi'        | 'memoryLimit: lots'                 | spec.driver.engine.memoryLimit
      zero threads                | 'threads: 2'                | 'threads: 0'                        | spec.driver.engine.threads
      bad session limit           | 'maxPerDriver: 50'          | 'maxPerDriver: 0'                   | spec.sessions.maxPerDriver
      negative surge              | 'maxSurge: 1'               | 'maxSurge: -2'                      | spec.upgrade.maxSurge
      reserved driver env         | 'image: ghcr.io/baton-dev/baton-driver:0.1.0' | 'image: ghcr.io/baton-dev/baton-driver:0.1.0\n    env: [{name: BATON_CONTROL_TOKEN, value: mine}]' | spec.driver.env
      reserved rotation tokens    | 'image: ghcr.io/baton-dev/baton-driver:0.1.0' | 'image: ghcr.io/baton-dev/baton-driver:0.1.0\n    env: [{name: BATON_SESSION_TOKENS, value: mine}]' | spec.driver.env
      gateway forwards control    | 'holdTimeout: 30s'          | 'holdTimeout: 30s\n    services: [baton.v1.DriverControl]' | spec.gateway.services
      """)
  void invalidPoolsAreRefusedNamingTheField(String name, String from, String to, String field) throws Exception {
    cluster.namespace("validation");
    ControlPlane.KubectlResult r = apply(pool(from, to.replace("\\n", "\n"))
        .replace("name: analytics", "name: bad-" + name.replace(' ', '-')));
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("is invalid").contains(field);
  }

  @Test
  void aSparkPoolIsAcceptedAndItsInvalidFieldsAreRefusedNamingTheField() throws Exception {
    cluster.namespace("validation");
    String spark = """
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: NAME}
        spec:
          driver:
            kind: KIND
            image: apache/spark:4.3.0
            spark: SPARK
        """;
    var ok = apply(spark.replace("NAME", "lake").replace("KIND", "SparkConnect")
        .replace("SPARK", "{master: \"local[2]\", conf: {spark.sql.shuffle.partitions: \"8\"}, artifacts: Refused}"));
    assertThat(ok.exitCode()).as(ok.output()).isZero();
    var k8sMaster = apply(spark.replace("NAME", "k8s").replace("KIND", "SparkConnect")
        .replace("SPARK", "{master: \"k8s://https://kubernetes.default.svc:443\"}"));
    assertThat(k8sMaster.exitCode()).as(k8sMaster.output()).isZero();
    var otherMaster = apply(spark.replace("NAME", "yarn").replace("KIND", "SparkConnect")
        .replace("SPARK", "{master: \"k8s://http://kubernetes.default.svc\"}"));
    assertThat(otherMaster.output()).contains("spec.driver.spark.master");
    var ownedK8sConf = apply(spark.replace("NAME", "owned-k8s").replace("KIND", "SparkConnect")
        .replace("SPARK", "{conf: {spark.kubernetes.executor.label.baton.dev/pool: other}}"));
    assertThat(ownedK8sConf.output()).contains("spec.driver.spark.conf").contains("the operator sets them");
    var ownedAccount = apply(spark.replace("NAME", "owned-account").replace("KIND", "SparkConnect")
        .replace("SPARK", "{conf: {spark.kubernetes.authenticate.driver.serviceAccountName: default}}"));
    assertThat(ownedAccount.output()).contains("spec.driver.spark.conf").contains("the operator sets them");
    var ownedConf = apply(spark.replace("NAME", "owned").replace("KIND", "SparkConnect")
        .replace("SPARK", "{conf: {spark.connect.grpc.binding.port: \"1\"}}"));
    assertThat(ownedConf.output()).contains("spec.driver.spark.conf").contains("the operator sets them");
    var sparkOnReference = apply(spark.replace("NAME", "mixed").replace("KIND", "Reference")
        .replace("SPARK", "{master: local}"));
    assertThat(sparkOnReference.output()).contains("spec.driver").contains("spark applies to kind SparkConnect only");
  }

  @Test
  void invalidSessionsAreRefusedNamingTheField() throws Exception {
    cluster.namespace("validation");
    String base = Files.readString(EXAMPLES.resolve("clientsession.yaml"));
    var noPrincipal = apply(base.replace("  principal: system:serviceaccount:reports:nightly\n", ""));
    assertThat(noPrincipal.output()).contains("spec.principal").contains("Required value");
    var badPool = apply(base.replace("pool: analytics", "pool: Not_A_Name").replace("nightly-report", "bad-pool"));
    assertThat(badPool.output()).contains("spec.pool");
    var badTimeout = apply(base.replace("idleTimeout: 2h", "idleTimeout: forever").replace("nightly-report", "bad-idle"));
    assertThat(badTimeout.output()).contains("spec.idleTimeout");

    assertThat(apply(base.replace("nightly-report", "moving")).exitCode()).isZero();
    var moved = apply(base.replace("nightly-report", "moving").replace("pool: analytics", "pool: other"));
    assertThat(moved.exitCode()).isNotZero();
    assertThat(moved.output()).contains("spec.pool").contains("pool cannot be changed");

    // A client-chosen session id is a lowercase UUID, and the object is named after it, so no two
    // ClientSessions of a namespace can claim one id.
    String id = "6f1c1c1e-0000-4000-8000-000000000001";
    var misnamed = apply(base.replace("nightly-report", "claims-an-id")
        .replace("pool: analytics", "pool: analytics\n  sessionId: " + id));
    assertThat(misnamed.exitCode()).isNotZero();
    assertThat(misnamed.output()).contains("must be named sc-<sessionId>");
    var notUuid = apply(base.replace("nightly-report", "sc-abc").replace("pool: analytics", "pool: analytics\n  sessionId: abc"));
    assertThat(notUuid.output()).contains("spec.sessionId");
    assertThat(apply(base.replace("nightly-report", "sc-" + id)
        .replace("pool: analytics", "pool: analytics\n  sessionId: " + id)).exitCode()).isZero();
    var dropped = apply(base.replace("nightly-report", "sc-" + id));
    assertThat(dropped.exitCode()).isNotZero();
    assertThat(dropped.output()).contains("sessionId cannot be added or removed");
  }

  @Test
  void aClientSessionsPrincipalIsItsCreatorUnlessTheCreatorMayAssignOne() throws Exception {
    cluster.namespace("principals");
    cluster.apply("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: session-user, namespace: principals}
        rules:
          - apiGroups: [baton.dev]
            resources: [clientsessions]
            verbs: [create, get]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: session-assigner, namespace: principals}
        rules:
          - apiGroups: [baton.dev]
            resources: [clientsessions]
            verbs: [create, get, assign-principal]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: alice, namespace: principals}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: session-user}
        subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: gitops, namespace: principals}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: session-assigner}
        subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: gitops}]
        """);
    String session = """
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: %s, namespace: principals}
        spec: {pool: analytics, principal: %s}
        """;
    var own = cluster.controlPlane().kubectlApply(session.formatted("alices-own", "alice"), "--as=alice");
    assertThat(own.exitCode()).as(own.output()).isZero();
    var forged = cluster.controlPlane().kubectlApply(session.formatted("as-bob", "bob"), "--as=alice");
    assertThat(forged.exitCode()).isNotZero();
    assertThat(forged.output()).contains("spec.principal").contains("alice may create ClientSessions only for itself")
        .contains("assign-principal");
    var assigned = cluster.controlPlane().kubectlApply(session.formatted("for-bob", "bob"), "--as=gitops");
    assertThat(assigned.exitCode()).as(assigned.output()).isZero();
  }

  @Test
  void theOperatorsAccountWritesOnlyGatewayTokenReviewBindingsAndItsPoolsTokenSecrets() throws Exception {
    var operator = cluster.operatorClientWithChartRbac(java.util.Map.of());
    String ns = cluster.namespace("operator-writes");
    java.util.function.BiFunction<String, String, io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding> binding =
        (name, account) -> new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder().withNewMetadata()
            .withName(name).endMetadata()
            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
            .withName("system:auth-delegator").endRoleRef()
            .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(ns).endSubject().build();
    var crbs = operator.rbac().clusterRoleBindings();
    // An admission policy takes effect once the API server has loaded it, a moment after it is
    // stored: wait for its first refusal (a probe that slips through before is removed).
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        crbs.resource(binding.apply("policy-probe", "app-gateway")).create();
        cluster.client().rbac().clusterRoleBindings().withName("policy-probe").delete();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() == 403) {
          break;
        }
        throw e;
      }
      assertThat(System.nanoTime()).as("the policy takes effect within 30 s").isLessThan(deadline);
      Thread.sleep(200);
    }
    java.util.function.Consumer<org.assertj.core.api.ThrowableAssert.ThrowingCallable> refused = call ->
        assertThatThrownBy(call).isInstanceOfSatisfying(io.fabric8.kubernetes.client.KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(403);
              assertThat(e.getMessage()).contains("the Baton operator writes only");
            });
    refused.accept(() -> crbs.resource(binding.apply("anything-else", "app-gateway")).create());
    refused.accept(() -> crbs.resource(binding.apply("baton-gateway:" + ns + ":app", "default")).create());
    var userBinding = binding.apply("baton-gateway:" + ns + ":app", "app-gateway");
    userBinding.getSubjects().get(0).setKind("User");
    refused.accept(() -> crbs.resource(userBinding).create());
    assertThat(crbs.resource(binding.apply("baton-gateway:" + ns + ":app", "app-gateway")).create()).isNotNull();
    cluster.client().rbac().clusterRoleBindings().resource(binding.apply("admins-own", "app-gateway")).create();
    refused.accept(() -> crbs.withName("admins-own").delete());
    assertThat(cluster.client().rbac().clusterRoleBindings().withName("admins-own").get()).isNotNull();

    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: app, namespace: operator-writes}
        spec:
          driver: {image: registry.example/baton-driver:1.0.0}
        """);
    var pool = cluster.client().resources(dev.baton.api.model.DriverPool.class).inNamespace(ns).withName("app").get();
    java.util.function.Function<String, io.fabric8.kubernetes.api.model.SecretBuilder> tokenSecret = name ->
        new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name)
            .addToLabels("app.kubernetes.io/managed-by", "baton-operator")
            .addNewOwnerReference().withApiVersion("baton.dev/v1alpha1").withKind("DriverPool").withName("app")
            .withUid(pool.getMetadata().getUid()).endOwnerReference().endMetadata()
            .withType("Opaque").addToStringData("token", "t");
    cluster.client().secrets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("users-secret").endMetadata().addToStringData("k", "v").build()).create();
    refused.accept(() -> operator.secrets().inNamespace(ns).withName("users-secret").edit(sec -> {
      sec.getMetadata().setLabels(java.util.Map.of("app.kubernetes.io/managed-by", "baton-operator"));
      return sec;
    }));
    refused.accept(() -> operator.secrets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("app-control").endMetadata().addToStringData("k", "v").build()).create());
    refused.accept(() -> operator.secrets().inNamespace(ns).resource(tokenSecret.apply("app-anything").build())
        .create());
    // A service-account-token Secret would be filled by the API server with another account's token.
    refused.accept(() -> operator.secrets().inNamespace(ns).resource(tokenSecret.apply("app-session")
        .withType("kubernetes.io/service-account-token").editMetadata()
        .addToAnnotations("kubernetes.io/service-account.name", "default").endMetadata().build()).create());
    var own = operator.secrets().inNamespace(ns).resource(tokenSecret.apply("app-control").build()).create();
    assertThat(operator.secrets().inNamespace(ns).withName(own.getMetadata().getName()).edit(sec -> {
      sec.getData().put("accepted", "dA==");
      return sec;
    }).getData()).containsKey("accepted");
  }
}
