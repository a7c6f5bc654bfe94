/**
 * A full garbage collection between runs, so that no run pays for the garbage of the one before.
 * `npm run bench` starts node without --expose-gc; the flag can still be set at run time, and a
 * fresh context then sees the `gc` function.
 */
import v8 from "node:v8";
import vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

export function collectGarbage(): void {
  gc();
}
