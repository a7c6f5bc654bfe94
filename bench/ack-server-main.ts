/**
 * Child-process entry of server (a): starts the ack server on 127.0.0.1 and reports its port to
 * the parent over IPC. It exits when the parent disconnects, so it never outlives a benchmark.
 */
import { AckServer } from "./ack-server";

AckServer.start().then(
  (server) => {
    process.send?.({ port: server.port });
    process.once("disconnect", () => void server.close().then(() => process.exit(0)));
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
