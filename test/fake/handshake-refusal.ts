// The one way any handshake check says "no": an HTTP status plus the text the real server puts in its
// error page, thrown from wherever the check lives and answered by the upgrade handler.

export class HandshakeRefusal extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`${status} ${body}`);
  }
}

/** IllegalArgumentException while building the producer/consumer (AbstractWebSocketHandler.getErrorMessage). */
export function invalidQueryParams(message: string): HandshakeRefusal {
  return new HandshakeRefusal(400, `Invalid query params: ${message}`);
}

/** Any other failure of the internal client's create()/subscribe(); the server really says "producer/consumer". */
export function creationFailed(status: number, message: string): HandshakeRefusal {
  return new HandshakeRefusal(status, `Failed to create producer/consumer: ${message}`);
}

/** ReaderHandler maps every creation failure to 500 with its own prefix. */
export function readerCreationFailed(message: string): HandshakeRefusal {
  return new HandshakeRefusal(500, `Failed to create reader: ${message}`);
}

/** An exception escaping the handler constructor (bad path, tenant or namespace): Jetty answers 500. */
export function uncaughtHandlerError(message: string): HandshakeRefusal {
  return new HandshakeRefusal(500, `Server Error: java.lang.IllegalArgumentException: ${message}`);
}

/** Runs a JDK-style parse and turns its exception into the given refusal. */
export function refuseOnError<T>(parse: () => T, refusal: (message: string) => HandshakeRefusal): T {
  try {
    return parse();
  } catch (error) {
    throw refusal(error instanceof Error ? error.message : String(error));
  }
}
