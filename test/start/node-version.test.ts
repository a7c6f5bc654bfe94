/** npm start's check that this Node can require() aedes (ESM-only) before trying to load it. */
import assert from "node:assert/strict";
import { checkRequireEsm } from "../../scripts/start/node-version";

describe("npm start: Node.js version check for the MQTT broker", () => {
  for (const version of ["v20.19.0", "v20.20.2", "v22.12.0", "v23.0.0", "v24.1.0", "20.19.5"]) {
    it(`accepts ${version}`, () => {
      assert.deepEqual(checkRequireEsm(version), { ok: true, message: "" });
    });
  }

  for (const version of ["v18.20.4", "v20.18.1", "v21.7.3", "v22.11.0", "v19.0.0"]) {
    it(`refuses ${version} and says what is needed`, () => {
      const check = checkRequireEsm(version);
      assert.equal(check.ok, false);
      assert.match(check.message, new RegExp(`Node\\.js ${version.replace(/\./g, "\\.")} cannot load aedes`));
      assert.match(check.message, /20\.19 or later on the 20 line, or 22\.12 or later/);
      assert.doesNotMatch(check.message, /not installed/);
    });
  }

  it("refuses a version it cannot read", () => {
    assert.equal(checkRequireEsm("nightly").ok, false);
  });
});
