import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.schema.GenericObject;
import org.apache.pulsar.client.api.schema.GenericRecord;
import org.apache.pulsar.client.api.schema.GenericRecordBuilder;
import org.apache.pulsar.client.api.schema.GenericSchema;
import org.apache.pulsar.client.api.schema.SchemaDefinition;
import org.apache.pulsar.common.schema.KeyValue;
import org.apache.pulsar.common.schema.KeyValueEncodingType;
import org.apache.pulsar.common.schema.SchemaInfo;
import org.apache.pulsar.common.schema.SchemaType;

/**
 * Pulsar's Java client with schemas, for interop tests (test/integration/schemas.test.ts).
 *
 *   produce <brokerUrl> <topic> <kind> <avroSchemaJson|->    one value per stdin line; prints a message id per line
 *   consume <brokerUrl> <topic> <subscription> <count> <kind> <avroSchemaJson|->   prints one JSON line per message
 *
 * kind: AVRO and JSON (a record of the given Avro schema, as Java's AvroSchema / JSONSchema write
 * it; stdin lines in Avro's JSON encoding for AVRO, plain JSON for JSON), KV_INLINE and
 * KV_SEPARATED (a STRING key and an AVRO value; stdin lines `{"key":…,"value":<Avro JSON>}`),
 * INT64, STRING, DOUBLE, BOOLEAN. Consuming prints what the typed consumer decoded: records as
 * Avro's GenericData renders them (JSON), KeyValue as {"key":…,"value":…}, primitives as JSON.
 * Answer lines start with "@@ " (the client logs to stdout too).
 */
public final class SchemaClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Starts every answer line: the client's own log goes to stdout too. */
  private static final String MARK = "@@ ";

  private SchemaClient() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    try (PulsarClient client = PulsarClient.builder().serviceUrl(args[1]).build()) {
      if (mode.equals("produce")) produce(client, args[2], args[3], args[4]);
      else consume(client, args[2], args[3], Integer.parseInt(args[4]), args[5], args[6]);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Schema<Object> schemaOf(String kind, String avroJson) {
    switch (kind) {
      case "AVRO":
        return (Schema) Schema.AVRO(SchemaDefinition.builder().withJsonDef(avroJson).withAlwaysAllowNull(false).build());
      case "JSON":
        // Schema.JSON needs a POJO class (its backwards-compatible schema info is generated from
        // one): for a schema given as text, the generic JSON schema registers the same SchemaInfo
        // (type JSON, the Avro definition) and writes records with Jackson as JSONSchema does.
        return (Schema) jsonSchema(avroJson);
      case "KV_INLINE":
      case "KV_SEPARATED":
        return (Schema) Schema.KeyValue(Schema.STRING, schemaOf("AVRO", avroJson),
            kind.equals("KV_INLINE") ? KeyValueEncodingType.INLINE : KeyValueEncodingType.SEPARATED);
      case "INT64":
        return (Schema) Schema.INT64;
      case "STRING":
        return (Schema) Schema.STRING;
      case "DOUBLE":
        return (Schema) Schema.DOUBLE;
      case "BOOLEAN":
        return (Schema) Schema.BOOL;
      default:
        throw new IllegalArgumentException("kind " + kind);
    }
  }

  private static GenericSchema<GenericRecord> jsonSchema(String avroJson) {
    return Schema.generic(SchemaInfo.builder().name("json").type(SchemaType.JSON)
        .schema(avroJson.getBytes(StandardCharsets.UTF_8)).properties(Map.of()).build());
  }

  private static Object avroRecord(String avroJson, String line) throws Exception {
    org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(avroJson);
    return new GenericDatumReader<Object>(schema).read(null, DecoderFactory.get().jsonDecoder(schema, line));
  }

  private static Object valueOf(String kind, String avroJson, String line) throws Exception {
    switch (kind) {
      case "AVRO":
        return avroRecord(avroJson, line);
      case "JSON": {
        GenericRecordBuilder builder = jsonSchema(avroJson).newRecordBuilder();
        Map<String, Object> fields = JSON.readValue(line, Map.class);
        for (Map.Entry<String, Object> e : fields.entrySet()) builder.set(e.getKey(), e.getValue());
        return builder.build();
      }
      case "KV_INLINE":
      case "KV_SEPARATED": {
        Map<String, Object> kv = JSON.readValue(line, Map.class);
        return new KeyValue<>((String) kv.get("key"), avroRecord(avroJson, JSON.writeValueAsString(kv.get("value"))));
      }
      case "INT64":
        return Long.parseLong(line.trim());
      case "STRING":
        return JSON.readValue(line, String.class);
      case "DOUBLE":
        return Double.parseDouble(line.trim());
      case "BOOLEAN":
        return Boolean.parseBoolean(line.trim());
      default:
        throw new IllegalArgumentException("kind " + kind);
    }
  }

  private static void produce(PulsarClient client, String topic, String kind, String avroJson) throws Exception {
    String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    List<Object> values = new ArrayList<>();
    for (String line : input.split("\n")) if (!line.isBlank()) values.add(valueOf(kind, avroJson, line));
    try (Producer<Object> producer = client.newProducer(schemaOf(kind, avroJson)).topic(topic).enableBatching(false).create()) {
      for (Object v : values) System.out.println(MARK + producer.send(v));
    }
  }

  private static void consume(PulsarClient client, String topic, String subscription, int count, String kind, String avroJson) throws Exception {
    Schema<Object> schema = schemaOf(kind, avroJson);
    try (Consumer<Object> consumer = client.newConsumer(schema).topic(topic).subscriptionName(subscription)
        .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
      for (int i = 0; i < count; i++) {
        Message<Object> msg = consumer.receive(30, TimeUnit.SECONDS);
        if (msg == null) throw new IllegalStateException("only " + i + " of " + count + " messages arrived");
        System.out.println(MARK + render(msg.getValue()));
        consumer.acknowledge(msg);
      }
    }
  }

  private static String render(Object value) throws Exception {
    if (value instanceof KeyValue) {
      KeyValue<?, ?> kv = (KeyValue<?, ?>) value;
      return "{\"key\":" + render(kv.getKey()) + ",\"value\":" + render(kv.getValue()) + "}";
    }
    if (value instanceof GenericObject) return render(((GenericObject) value).getNativeObject());
    if (value instanceof org.apache.avro.generic.GenericContainer) return value.toString();
    if (value instanceof byte[]) return JSON.writeValueAsString(Base64.getEncoder().encodeToString((byte[]) value));
    return JSON.writeValueAsString(value);
  }
}
