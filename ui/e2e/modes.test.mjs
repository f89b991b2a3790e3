// End-to-end: the listening modes in the real window. Start a genie radio
// from a track and watch it append as the queue runs low; build a smart
// playlist in the rule editor (a bad value is refused with the core's
// message), see its live count, export it and have mpv play the export.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, until } from "selenium-webdriver";
import { assertMpvPlays, byTestId, clickTestId, demoLibrary, screenshot, startApp, textsOf, waitForTrackCount } from "./harness.mjs";

const album = "Battle for Wesnoth";
const library = mkdtempSync(join(tmpdir(), "playgenie-e2e-modes-"));
const home = mkdtempSync(join(tmpdir(), "playgenie-e2e-modes-home-"));
process.env.PLAYGENIE_AUDIO = "silent";

let app;
let driver;

before(async () => {
  cpSync(join(demoLibrary, album), join(library, album), { recursive: true });
  const port = Number(process.env.PLAYGENIE_WEBDRIVER_PORT ?? 4444) + 50;
  app = await startApp({ home, args: ["--library", library], port });
  driver = app.driver;
});

after(async () => {
  if (app) await app.stop();
});

const click = (id) => clickTestId(driver, id);
const textIn = async (id) => (await textsOf(driver, id))[0] ?? "";
const queued = async () => Number(/(\d+) queued/.exec(await textIn("radio-on"))?.[1] ?? 0);

test("a radio started from a track appends before the queue runs dry", async () => {
  await waitForTrackCount(driver, 13, 120_000, "the album was never indexed");
  await driver.wait(async () => (await driver.findElements(byTestId("scan-progress"))).length === 0, 60_000);
  await driver.wait(until.elementsLocated(byTestId("track-row")), 5_000);
  const first = (await driver.findElements(byTestId("track-row")))[0];
  const title = await first.findElement(By.css(".title")).getAttribute("textContent");
  await first.click();
  await click("start-radio");
  await driver.wait(async () => (await textIn("now-title")) === title.trim(), 20_000, "the radio did not start with its track");
  await driver.wait(async () => (await queued()) >= 2, 20_000, "the player bar does not show the radio");
  const before = await queued();
  // Skip until fewer than 3 are left: the radio appends by itself.
  for (let i = 0; i < before; i++) {
    await click("next");
    await driver.sleep(400);
    if ((await queued()) > before) break;
  }
  await driver.wait(async () => (await queued()) > before, 60_000, `the radio never appended (still ${await queued()})`);
  await screenshot(driver, "radio.png");
  await click("radio-stop");
  await driver.wait(async () => (await driver.findElements(byTestId("radio-on"))).length === 0, 10_000, "the radio did not stop");
});

test("a smart playlist built in the editor is refused with a reason, then saved, counted and exported", async () => {
  await click("nav-smart");
  await click("smart-new");
  await driver.findElement(byTestId("smart-name")).sendKeys("Steady");
  // The first rule: tempo between … — a word is not a tempo.
  const values = await driver.findElements(byTestId("rule-value"));
  await values[0].clear();
  await values[0].sendKeys("slow");
  await values[1].clear();
  await values[1].sendKeys("1000");
  await click("smart-save");
  await driver.wait(async () => /"slow" is not a number/.test(await textIn("smart-error")), 10_000, "a bad tempo was not refused");
  await values[0].clear();
  await values[0].sendKeys("0");
  await click("smart-save");
  await driver.wait(async () => /Saved “Steady”: 13 tracks now/.test(await textIn("smart-notice")), 10_000, "the smart playlist was not saved").catch(async (err) => {
    throw new Error(`${err.message}: notice “${await textIn("smart-notice")}”, error “${await textIn("smart-error")}”`);
  });
  assert.equal(await textIn("smart-count"), "13");
  await driver.wait(async () => (await textsOf(driver, "smart-track")).length === 13, 10_000);
  // Narrowed to one rule more: the count follows.
  await click("smart-add-rule");
  const fields = await driver.findElements(byTestId("rule-field"));
  await fields[1].findElement(By.css('option[value="title"]')).click();
  const ops = await driver.findElements(byTestId("rule-op"));
  await ops[1].findElement(By.css('option[value="contains"]')).click();
  const more = await driver.findElements(byTestId("rule-value"));
  await more[2].sendKeys("theme");
  await click("smart-save");
  await driver.wait(async () => Number(await textIn("smart-count")) < 13 && Number(await textIn("smart-count")) > 0, 10_000, "the second rule did not narrow it");
  const count = Number(await textIn("smart-count"));
  await click("smart-export");
  await driver.wait(async () => /Exported \d+ tracks to /.test(await textIn("smart-notice")), 10_000, "no export");
  const file = /to (.+)$/.exec(await textIn("smart-notice"))[1];
  assertMpvPlays(file, count);
});
