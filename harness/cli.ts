/**
 * `node dist/harness/cli.js start [--line 4.2|4.0] [--auth]`: starts a Pulsar standalone through the
 * harness, prints its URLs (and tokens with --auth) as one JSON line on stdout, and stops it cleanly
 * on SIGINT/SIGTERM (e.g. for a Pulsar to point PULSAR_WS_URL at).
 */
import { PulsarInstance, PulsarLine, startPulsar } from "./pulsar";

interface CliOptions {
  line: PulsarLine;
  auth: boolean;
}

const USAGE = "usage: node dist/harness/cli.js start [--line 4.2|4.0] [--auth]";

function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== "start") throw new Error(USAGE);
  const options: CliOptions = { line: "4.2", auth: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--auth") {
      options.auth = true;
    } else if (arg === "--line") {
      const line = rest[++i];
      if (line !== "4.2" && line !== "4.0") throw new Error(`--line takes 4.2 or 4.0, not "${line}"\n${USAGE}`);
      options.line = line;
    } else {
      throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    }
  }
  return options;
}

function describe(pulsar: PulsarInstance): string {
  const { line, version, httpUrl, wsUrl, httpsUrl, wssUrl, brokerUrl, tokens, logFile, readyInMs } = pulsar;
  return JSON.stringify({ line, version, httpUrl, wsUrl, httpsUrl, wssUrl, brokerUrl, tokens, logFile, readyInMs });
}

/** Registering these tells the harness that this process stops Pulsar itself (gracefully) on signals. */
function stopOnSignals(pulsar: PulsarInstance): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping Pulsar ${pulsar.version}`);
    pulsar.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.error(`starting Pulsar ${options.line}${options.auth ? " with token auth" : ""}...`);
  const pulsar = await startPulsar(options);
  stopOnSignals(pulsar);
  console.log(describe(pulsar));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
