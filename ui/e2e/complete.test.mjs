// End-to-end: the product's promise in the real window. Open the demo
// library (the app trains its first model by itself after the scan), make a
// playlist, click Complete playlist, read k suggestions with their reasons,
// keep one, remove one, export, and have mpv play the exported file.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { assertMpvPlays, byTestId, clickTestId, countOgg, demoLibrary, screenshot, startApp, textsOf, waitForTrackCount } from "./harness.mjs";

const library = mkdtempSync(join(tmpdir(), "playgenie-e2e-complete-"));
const home = mkdtempSync(join(tmpdir(), "playgenie-e2e-complete-home-"));
process.env.PLAYGENIE_AUDIO = "silent";

let app;
let driver;

before(async () => {
  cpSync(demoLibrary, library, { recursive: true });
  const port = Number(process.env.PLAYGENIE_WEBDRIVER_PORT ?? 4444) + 30;
  app = await startApp({ home, args: ["--library", library], port });
  driver = app.driver;
});

after(async () => {
  if (app) await app.stop();
});

const byId = byTestId;
const click = (id) => clickTestId(driver, id);
const texts = (id) => textsOf(driver, id);
const count = async (id) => (await texts(id)).length;

test("the first model trains by itself after the first scan", async () => {
  await waitForTrackCount(driver, countOgg(library), 120_000, "the demo library was never indexed");
  await click("nav-model");
  // The listening pass runs first (a small library), then the training.
  await driver.wait(async () => (await texts("model-versions")).some((t) => t.includes("v1 (in use)")), 300_000, "no model after the first scan");
});

test("the library shows what the learned ear hears and filters by it", async () => {
  await click("nav-library");
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="track-tags"] .chip'))).length > 0, 120_000, "no tags in the library");
  const all = await count("track-row");
  const filter = await driver.findElement(byId("tag-filter"));
  const options = await filter.findElements(By.css("option"));
  assert.ok(options.length >= 2, "the tag filter offers the ear's tags");
  // A tag some tracks carry and others do not (its count is in the label).
  let tag;
  let n;
  for (const option of options.slice(1)) {
    const [, name, carried] = (await option.getText()).match(/^(.+) \((\d+)\)$/) ?? [];
    if (name && Number(carried) < all) {
      [tag, n] = [name, Number(carried)];
      await option.click();
      break;
    }
  }
  assert.ok(tag, "every tag is on every track");
  await driver.wait(async () => (await count("track-row")) === n, 5_000, `filtering by ${tag} did not leave its ${n} tracks`);
  for (const cell of await texts("track-tags")) assert.ok(cell.includes(tag), `${cell} lacks ${tag}`);
  await screenshot(driver, "e2e-library-tags.png");
  await options[0].click();
  await driver.wait(async () => (await count("track-row")) === all, 5_000, "clearing the filter did not bring every row back");
});

test("Complete playlist: k suggestions with reasons; keep one, remove one; export; mpv plays it", async () => {
  await click("nav-playlists");
  await driver.findElement(byId("new-playlist-name")).sendKeys("Quest", Key.ENTER);
  await driver.wait(async () => (await texts("playlist-title"))[0] === "Quest", 5_000);

  // Two tracks from the library.
  await click("nav-library");
  await driver.wait(until.elementsLocated(byId("track-row")), 5_000);
  const row = async (i) => (await driver.findElements(byId("track-row")))[i];
  await (await row(0)).click();
  await driver.actions().keyDown(Key.SHIFT).click(await row(1)).keyUp(Key.SHIFT).perform();
  const add = await driver.findElement(byId("add-to-playlist"));
  await add.findElement(By.xpath(`.//option[normalize-space(.)="Quest"]`)).click();
  await driver.wait(async () => /Added 2 tracks/.test((await texts("library-notice"))[0] ?? ""), 5_000);

  await click("nav-playlists");
  await driver.wait(async () => (await count("entry-row")) === 2, 5_000);
  const k = await driver.findElement(byId("complete-k"));
  // Typing into a number field is unreliable in WebKitWebDriver: set it as
  // an input event would.
  await driver.executeScript(`arguments[0].value = "5"; arguments[0].dispatchEvent(new Event("input", { bubbles: true }));`, k);
  await click("complete-playlist");
  await driver
    .wait(async () => (await count("suggestion")) === 5, 30_000)
    .catch(async () => assert.fail(`no suggestions; the view says: ${(await texts("playlist-error")).join() || "nothing"}; k = ${await k.getAttribute("value")}`));
  assert.match((await texts("complete-answered-by"))[0], /^model v1 · \d+ ms$/);
  const reasons = await texts("suggestion-why");
  assert.equal(reasons.length, 5);
  for (const why of reasons) assert.match(why, /(close in|listened to it together|you often play|both )/, why);
  // The learned ear explains in words ("both ambient and electronic, like “X”").
  assert.ok(reasons.some((why) => /both [a-z]/.test(why)), `no reason names what the ear hears: ${reasons.join(" | ")}`);
  const titles = await texts("suggestion-title");
  await screenshot(driver, "e2e-complete.png");

  // Keep the first: it joins the playlist, marked as a suggestion.
  await (await driver.findElements(byId("keep-suggestion")))[0].click();
  await driver.wait(async () => (await count("entry-row")) === 3 && (await count("suggestion")) === 4, 5_000, "keep did not add");
  assert.equal((await texts("entry-title"))[2], titles[0]);
  // Remove the next one: gone, and not suggested again.
  await (await driver.findElements(byId("remove-suggestion")))[0].click();
  await driver.wait(async () => (await count("suggestion")) === 3, 5_000, "remove did not remove");
  await click("complete-playlist");
  await driver.wait(async () => (await count("suggestion")) === 5, 30_000);
  assert.ok(!(await texts("suggestion-title")).includes(titles[1]), "a removed suggestion came back");

  // Export the completed playlist (3 tracks) and let mpv play it.
  await click("export-playlist");
  const notice = await driver.wait(async () => /^Exported 3 tracks to (.+\.m3u8)/.exec((await texts("playlist-notice"))[0] ?? ""), 5_000);
  const file = notice[1].replace(/ Dismiss$/, "");
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes(` - ${titles[0]}\n`), text);
  assertMpvPlays(file, 3);

  // The Engagement panel: one suggestion kept, one removed, so half kept,
  // and the model that made them has its row.
  await click("nav-history");
  await driver.wait(async () => (await texts("engagement-keep-rate"))[0] === "50 %", 10_000, "the Engagement panel does not show the keep rate");
  const versions = await texts("engagement-version");
  assert.ok(versions.some((row) => /^v\d+ .*50 %/.test(row)), `no model version row with the keep rate: ${versions.join(" | ")}`);
});
