/**
 * aedes, the MQTT broker npm start runs for the MQTT example, is ESM-only; npm start loads it with
 * require(), which Node supports without a flag from 20.19 on the 20 line and from 22.12 on
 * (23.0 and later always). On older Node the require fails and used to be reported as "aedes is not
 * installed", which sent people to reinstall instead of upgrading Node.
 */

export interface NodeVersionCheck {
  ok: boolean;
  /** Why not, and what is needed; empty when ok. */
  message: string;
}

/** Can this Node version (e.g. process.version, "v20.18.1") require() an ES module such as aedes? */
export function checkRequireEsm(version: string): NodeVersionCheck {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return { ok: false, message: `cannot read the Node.js version "${version}"` };
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const ok = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
  if (ok) return { ok, message: "" };
  return {
    ok,
    message: `Node.js ${version} cannot load aedes, the MQTT broker npm start runs for the MQTT example: ` +
      "that needs Node.js 20.19 or later on the 20 line, or 22.12 or later. The MQTT example will show " +
      "'disconnected'; everything else works. Upgrade Node.js to get the MQTT broker too.",
  };
}
