/**
 * The smallest use of the Java helper: prints the version of the Pulsar Java client on the
 * classpath the harness resolved, so a test can check the helper compiles and runs before the
 * interop cases rely on it.
 */
public final class ClientVersion {
  private ClientVersion() {}

  public static void main(String[] args) {
    System.out.println(org.apache.pulsar.PulsarVersion.getVersion());
  }
}
