/**
 * Root hooks of the integration suite, registered once however many test files import this
 * module (and also when a single file is run): at the very end, print the figures table and
 * stop every Pulsar the harness started in this process.
 */
import { stopAllPulsar } from "../../../harness/pulsar";
import { figuresReport } from "./figures";

after(async function () {
  this.timeout(90_000);
  const report = figuresReport();
  if (report) console.log(report);
  await stopAllPulsar();
});
