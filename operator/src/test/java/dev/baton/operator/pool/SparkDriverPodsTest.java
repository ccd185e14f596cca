package dev.baton.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.PoolLabels;
import dev.baton.api.model.DriverKind;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SparkSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a SparkConnect pool's driver pod runs, and what it keeps of every driver's pod. */
class SparkDriverPodsTest {
  private static DriverPool sparkPool() {
    DriverPool pool = TestPools.sales();
    pool.getSpec().getDriver().setKind(DriverKind.SparkConnect);
    pool.getSpec().getDriver().setImage("apache/spark:4.3.0");
    SparkSpec spark = new SparkSpec();
    spark.setMaster("local[2]");
    spark.setConf(Map.of("spark.sql.shuffle.partitions", "8"));
    pool.getSpec().getDriver().setSpark(spark);
    return pool;
  }

  @Test
  void theSparkImageRunsSparksConnectServerWithThePluginOnTheDriverPortAndThePoolsConf() {
    Pod pod = DriverPodFactory.build(sparkPool(), "abcdef1234");
    Container driver = pod.getSpec().getContainers().get(0);
    assertThat(driver.getImage()).isEqualTo("apache/spark:4.3.0");
    assertThat(driver.getCommand()).containsExactly("/opt/spark/bin/spark-submit");
    assertThat(String.join(" ", driver.getArgs())).contains(
        "--class org.apache.spark.sql.connect.service.SparkConnectServer", "--master local[2]",
        "--jars /baton-plugin/baton-spark-plugin.jar",
        "--conf spark.connect.grpc.interceptor.classes=dev.baton.spark.BatonConnectInterceptor",
        "--conf spark.connect.grpc.binding.port=" + PoolLabels.DRIVER_PORT,
        "--conf spark.sql.shuffle.partitions=8");
    assertThat(pod.getSpec().getInitContainers()).singleElement().satisfies(init -> {
      assertThat(init.getImage()).isEqualTo(SparkDriverPods.DEFAULT_PLUGIN_IMAGE);
      assertThat(init.getCommand()).containsExactly("cp", SparkDriverPods.PLUGIN_IN_IMAGE, SparkDriverPods.PLUGIN_IN_POD);
    });
    assertThat(pod.getMetadata().getLabels()).containsEntry(PoolLabels.DRIVER_KIND, "spark-connect");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).as("a local master needs no API access").isFalse();
    assertThat(pod.getSpec().getServiceAccountName()).isNull();
    assertThat(String.join(" ", driver.getArgs())).doesNotContain("spark.kubernetes");
  }

  @Test
  void aK8sMasterStartsExecutorPodsAsThePoolsSparkAccountLabelledAsItsExecutorsAndOwnedByTheDriverPod() {
    DriverPool pool = sparkPool();
    pool.getSpec().getDriver().getSpark().setMaster("k8s://https://kubernetes.default.svc");
    pool.getSpec().getDriver().getSpark().setConf(Map.of("spark.kubernetes.container.image", "lake/spark:4.3.0"));
    Pod pod = DriverPodFactory.build(pool, "abcdef1234");
    Container driver = pod.getSpec().getContainers().get(0);
    String args = String.join(" ", driver.getArgs());
    String ns = pool.getMetadata().getNamespace();
    assertThat(args).contains("--master k8s://https://kubernetes.default.svc",
        "--conf spark.kubernetes.namespace=" + ns,
        "--conf spark.kubernetes.driver.pod.name=$(POD_NAME)",
        "--conf spark.kubernetes.authenticate.executor.serviceAccountName=sales-spark-executor",
        "--conf spark.driver.host=$(POD_IP)",
        "--conf spark.driver.port=" + PoolLabels.SPARK_DRIVER_PORT,
        "--conf spark.driver.blockManager.port=" + PoolLabels.SPARK_BLOCK_MANAGER_PORT,
        "--conf spark.kubernetes.executor.label.baton.dev/pool=sales",
        "--conf spark.kubernetes.executor.label.app.kubernetes.io/component=spark-executor");
    // The pool's own executor image comes after the default (the driver's), so it wins.
    assertThat(args.indexOf("spark.kubernetes.container.image=apache/spark:4.3.0"))
        .isLessThan(args.indexOf("spark.kubernetes.container.image=lake/spark:4.3.0"));
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("sales-spark");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isTrue();
    assertThat(driver.getEnv()).extracting(EnvVar::getName).contains("POD_NAME", "POD_IP");
    assertThat(driver.getPorts()).extracting(p -> p.getContainerPort())
        .contains(PoolLabels.SPARK_DRIVER_PORT, PoolLabels.SPARK_BLOCK_MANAGER_PORT);
  }

  @Test
  void probesAskThePluginOnTheControlPortAndTheDriverKeepsItsTokensAndLockedDownSecurity() {
    Pod pod = DriverPodFactory.build(sparkPool(), "abcdef1234");
    Container driver = pod.getSpec().getContainers().get(0);
    assertThat(driver.getReadinessProbe().getGrpc().getPort()).isEqualTo(PoolLabels.CONTROL_PORT);
    assertThat(driver.getLivenessProbe().getGrpc().getPort()).isEqualTo(PoolLabels.CONTROL_PORT);
    assertThat(driver.getStartupProbe().getGrpc().getPort()).isEqualTo(PoolLabels.CONTROL_PORT);
    assertThat(driver.getEnv()).extracting(EnvVar::getName)
        .contains("BATON_CONTROL_TOKEN", "BATON_SESSION_TOKEN", "BATON_CONTROL_PORT", "SPARK_LOCAL_IP")
        .doesNotContain("BATON_SESSION_THREADS");
    assertThat(driver.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).as("the Spark images' spark user").isEqualTo(185L);
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(driver.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSpec().getVolumes()).extracting(v -> v.getName()).contains("scratch", "tmp", "baton-plugin");
  }

  @Test
  void aReferencePoolsPodIsUnchanged() {
    Pod pod = DriverPodFactory.build(TestPools.sales(), "abcdef1234");
    assertThat(pod.getSpec().getInitContainers()).isEmpty();
    assertThat(pod.getSpec().getContainers().get(0).getCommand()).isEmpty();
    assertThat(pod.getMetadata().getLabels()).doesNotContainKey(PoolLabels.DRIVER_KIND);
  }
}
