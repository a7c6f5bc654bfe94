import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.ConsumerCryptoFailureAction;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.EncryptionKeyInfo;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * Pulsar's own Java client with end-to-end encryption, for the interop tests (nothing of ours on
 * this side). Arguments are key=value:
 *
 *   produce url=pulsar://… topic=… keys=name:/path/pub.pem[,name2:/path2] count=N size=BYTES
 *           batching=true|false codec=NONE|ZLIB|LZ4|ZSTD|SNAPPY
 *     sends N messages, each payload `size` bytes derived from its index, with properties
 *     {i, kind}, key k-<i> and eventTime 1700000000000+i; batching waits for all N to share
 *     batches; compression has compressionMinMsgBodySize(0) so the codec runs on any size.
 *     Prints one JSON line per message: {"i":…,"payload":"<base64>","messageId":"…"}.
 *
 *   consume url=… topic=… sub=… keys=name:/path/priv.pem (may be empty) count=N timeoutMs=T
 *     subscribes from earliest, with the key (or none: the Java default, FAIL), receives until N
 *     messages or T ms without one, acks each, prints one JSON line per message:
 *     {"payload":"<base64>","properties":{…},"key":"…","eventTime":…}, then {"received":n}.
 */
public final class EncryptionClient {
  private EncryptionClient() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      a.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    try (PulsarClient client = PulsarClient.builder().serviceUrl(a.get("url")).build()) {
      if ("produce".equals(args[0])) produce(client, a);
      else if ("consume".equals(args[0])) consume(client, a);
      else throw new IllegalArgumentException("mode: produce | consume");
    }
    System.exit(0);
  }

  /** name → PEM bytes, from "name:/path,name2:/path2". */
  static Map<String, byte[]> readKeys(String spec) throws Exception {
    Map<String, byte[]> keys = new HashMap<>();
    if (spec == null || spec.isEmpty()) return keys;
    for (String part : spec.split(",")) {
      int colon = part.indexOf(':');
      keys.put(part.substring(0, colon), Files.readAllBytes(Paths.get(part.substring(colon + 1))));
    }
    return keys;
  }

  static final class FileKeys implements CryptoKeyReader {
    private final Map<String, byte[]> keys;

    FileKeys(Map<String, byte[]> keys) {
      this.keys = keys;
    }

    @Override
    public EncryptionKeyInfo getPublicKey(String name, Map<String, String> meta) {
      return new EncryptionKeyInfo(keys.get(name), new HashMap<>());
    }

    @Override
    public EncryptionKeyInfo getPrivateKey(String name, Map<String, String> meta) {
      byte[] key = keys.get(name);
      return key == null ? null : new EncryptionKeyInfo(key, new HashMap<>());
    }
  }

  static byte[] payloadOf(int i, int size) {
    byte[] out = new byte[size];
    byte[] text = ("payload-" + i + "-").getBytes(StandardCharsets.UTF_8);
    for (int k = 0; k < size; k++) out[k] = k < text.length ? text[k] : (byte) ((i * 31 + k * 7) % 251);
    return out;
  }

  static void produce(PulsarClient client, Map<String, String> a) throws Exception {
    Map<String, byte[]> keys = readKeys(a.get("keys"));
    int count = Integer.parseInt(a.getOrDefault("count", "10"));
    int size = Integer.parseInt(a.getOrDefault("size", "100"));
    boolean batching = Boolean.parseBoolean(a.getOrDefault("batching", "false"));
    ProducerBuilder<byte[]> b = client.newProducer().topic(a.get("topic")).cryptoKeyReader(new FileKeys(keys))
        .enableBatching(batching)
        .compressionType(CompressionType.valueOf(a.getOrDefault("codec", "NONE")));
    // Java skips compressing small messages by default; the codec must really run.
    // (4.0's client has no such threshold and compresses every message.)
    try {
      b.getClass().getMethod("compressionMinMsgBodySize", int.class).invoke(b, 0);
    } catch (NoSuchMethodException absent) {
      // Pulsar 4.0
    }
    if (batching) b.batchingMaxMessages(count).batchingMaxPublishDelay(10, TimeUnit.SECONDS);
    for (String name : keys.keySet()) b.addEncryptionKey(name);
    try (Producer<byte[]> producer = b.create()) {
      java.util.List<java.util.concurrent.CompletableFuture<MessageId>> sent = new java.util.ArrayList<>();
      for (int i = 0; i < count; i++) {
        TypedMessageBuilder<byte[]> m = producer.newMessage().value(payloadOf(i, size)).key("k-" + i)
            .property("i", Integer.toString(i)).property("kind", "java").eventTime(1700000000000L + i);
        sent.add(m.sendAsync());
      }
      producer.flush();
      for (int i = 0; i < count; i++) {
        MessageId id = sent.get(i).get(60, TimeUnit.SECONDS);
        System.out.println("{\"i\":" + i + ",\"payload\":\"" + Base64.getEncoder().encodeToString(payloadOf(i, size))
            + "\",\"messageId\":\"" + id + "\"}");
      }
    }
  }

  static void consume(PulsarClient client, Map<String, String> a) throws Exception {
    Map<String, byte[]> keys = readKeys(a.get("keys"));
    int count = Integer.parseInt(a.getOrDefault("count", "1"));
    long timeoutMs = Long.parseLong(a.getOrDefault("timeoutMs", "10000"));
    ConsumerBuilder<byte[]> b = client.newConsumer().topic(a.get("topic")).subscriptionName(a.get("sub"))
        .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest);
    if (!keys.isEmpty()) b.cryptoKeyReader(new FileKeys(keys));
    else b.cryptoFailureAction(ConsumerCryptoFailureAction.FAIL);
    int received = 0;
    try (Consumer<byte[]> consumer = b.subscribe()) {
      while (received < count) {
        Message<byte[]> m = consumer.receive((int) timeoutMs, TimeUnit.MILLISECONDS);
        if (m == null) break;
        received++;
        StringBuilder props = new StringBuilder("{");
        for (Map.Entry<String, String> e : new TreeMap<>(m.getProperties()).entrySet()) {
          if (props.length() > 1) props.append(',');
          props.append(json(e.getKey())).append(':').append(json(e.getValue()));
        }
        props.append('}');
        System.out.println("{\"payload\":\"" + Base64.getEncoder().encodeToString(m.getData()) + "\",\"properties\":" + props
            + ",\"key\":" + (m.hasKey() ? json(m.getKey()) : "null") + ",\"eventTime\":" + m.getEventTime() + "}");
        consumer.acknowledge(m);
      }
    }
    System.out.println("{\"received\":" + received + "}");
  }

  static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }
}
