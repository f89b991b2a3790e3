// End-to-end: damage the app must survive. A float WAV with a NaN sample
// (it once made the whole scan fail, so no track was ever indexed) sits in
// a folder of good tracks: in the real window the good tracks appear, and
// the bad one is listed under the scan errors with its reason. Then the
// database file itself is damaged while the app is closed: the next start
// puts back the copy made after the scan, says so, and the library is there.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { byTestId, clickTestId, screenshot, startApp, textsOf, waitForTrackCount } from "./harness.mjs";

const library = mkdtempSync(join(tmpdir(), "playgenie-e2e-hostile-"));
const home = mkdtempSync(join(tmpdir(), "playgenie-e2e-hostile-home-"));

/** A mono 32-bit float WAV at 44.1 kHz with one NaN sample. */
function nanWav() {
  const samples = new Float32Array(44_100).map((_, i) => 0.2 * Math.sin(i * 0.05));
  samples[1000] = Number.NaN;
  const data = Buffer.from(samples.buffer);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(3, 20); // IEEE float
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(44_100, 24);
  header.writeUInt32LE(44_100 * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(32, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

let app;
let driver;
const port = Number(process.env.PLAYGENIE_WEBDRIVER_PORT ?? 4444) + 40;

before(async () => {
  for (const [name, freq] of [["good one", 330], ["good two", 440], ["good three", 550]]) {
    const made = spawnSync("sox", ["-n", "-r", "44100", "-c", "1", join(library, `${name}.wav`), "synth", "3", "sine", String(freq)]);
    assert.equal(made.status, 0, `sox failed: ${made.stderr}`);
  }
  writeFileSync(join(library, "damaged nan.wav"), nanWav());
  app = await startApp({ home, args: ["--library", library], port });
  driver = app.driver;
});

after(async () => {
  if (app) await app.stop();
});

test("a WAV with a NaN sample is a scan error; the good tracks beside it are indexed", async () => {
  await waitForTrackCount(driver, 3, 120_000, "the good tracks never appeared");
  const toggle = await driver.wait(async () => (await driver.findElements(byTestId("errors-toggle")))[0], 30_000, "no scan errors shown");
  assert.equal(await toggle.getText(), "1 file could not be indexed");
  await clickTestId(driver, "errors-toggle");
  const [line] = await textsOf(driver, "errors");
  assert.match(line, /^corrupt .*damaged nan\.wav .*1 NaN or infinite sample at/);
  await screenshot(driver, "e2e-hostile-scan-errors.png");
});

test("a damaged database is put back from its backup at the next start, with a notice", async () => {
  await app.stop();
  app = null;
  const database = join(home, "playgenie.sqlite3");
  assert.ok(existsSync(`${database}.bak`), "no backup was made after the scan");
  // The file's pages turn to noise (its write-ahead log, which would
  // still hold good copies of them, is lost with it).
  writeFileSync(database, Buffer.alloc(16_384, 0x5a));
  for (const side of ["-wal", "-shm"]) rmSync(`${database}${side}`, { force: true });

  app = await startApp({ home, args: ["--library", library], port });
  driver = app.driver;
  const [notice] = await driver.wait(async () => {
    const texts = await textsOf(driver, "notice");
    return texts.length > 0 ? texts : null;
  }, 60_000, "no notice about the restored database");
  assert.match(notice, /database was damaged .* put back/);
  await waitForTrackCount(driver, 3, 120_000, "the restored library lacks its tracks");
  assert.ok(readdirSync(home).some((name) => name.startsWith("playgenie.sqlite3.damaged-")), "the damaged file was not kept");
  await screenshot(driver, "e2e-hostile-restored.png");
});
