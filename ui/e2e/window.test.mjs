// End-to-end: the real PlayGenie window under Xvfb, driven through WebDriver
// (tauri-driver + Debian's WebKitWebDriver). Run by scripts/test.sh, which
// builds the app and sets PLAYGENIE_APP_BINARY.
//
// It asserts on what the page shows after real command round trips through
// the core (library folder summary from SQLite + disk, the start-up scan,
// cover art, the folder watcher, the compute backend chosen at start-up, the
// backend self-test), and saves screenshots.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, Key } from "selenium-webdriver";
import { countOgg, demoLibrary, rowCount, screenshot, startApp, textOf, waitForTrackCount } from "./harness.mjs";

// The demo library, copied so the tests can add art and files to it.
const library = mkdtempSync(join(tmpdir(), "playgenie-e2e-library-"));
const albumWithArt = "Endgame Singularity";

let app;
let driver;

before(async () => {
  const home = mkdtempSync(join(tmpdir(), "playgenie-e2e-"));
  cpSync(demoLibrary, library, { recursive: true });
  const art = spawnSync("convert", ["-size", "400x400", "gradient:#c03030-#3030c0", join(library, albumWithArt, "folder.jpg")]);
  assert.equal(art.status, 0, `could not make cover art: ${art.stderr}`);
  app = await startApp({ home, args: ["--library", library], port: Number(process.env.PLAYGENIE_WEBDRIVER_PORT ?? 4444) });
  driver = app.driver;
});

after(async () => {
  if (app) await app.stop();
});

test("the window shows the shell, the demo library and the backend in use", async () => {
  assert.equal(await driver.getTitle(), "PlayGenie");
  for (const area of ["nav-library", "nav-playlists", "now-playing"]) {
    await driver.findElement(By.css(`[data-testid="${area}"]`));
  }

  // Round trip 1: app_status -> core -> SQLite (library folders) + disk walk.
  const total = await textOf(driver, "library-total");
  assert.equal(total, `${countOgg(library)} music files in 1 folder`);

  // The backend chosen at start-up (an event, then app_status) replaces the
  // "Detecting" placeholder.
  const badge = await driver.findElement(By.css('[data-testid="backend-label"]'));
  await driver.wait(async () => !/Detecting/.test(await badge.getText()), 60_000, "backend never reported");
  assert.match(await badge.getText(), /^(CPU · Burn Flex|GPU · .+)$/);
});

test("the start-up scan indexes the demo library into a searchable table with cover art", async () => {
  const expected = countOgg(library);
  // Round trip 2: the background scan (Symphonia + features -> SQLite), its
  // core-events, then list_tracks.
  await waitForTrackCount(driver, expected, 120_000, "scan never finished");
  assert.equal(await rowCount(driver), expected);

  // The album with a folder.jpg shows its thumbnail (served by the cover:
  // protocol from SQLite) on each of its rows; the others show none.
  const albumSize = readdirSync(join(library, albumWithArt)).filter((n) => n.endsWith(".ogg")).length;
  const loadedCovers = () =>
    driver.executeScript(
      `return [...document.querySelectorAll('[data-testid="cover"]')].filter((i) => i.complete && i.naturalWidth === 160).length;`,
    );
  await driver.wait(async () => (await loadedCovers()) === albumSize, 10_000, "cover thumbnails never loaded");
  assert.equal((await driver.findElements(By.css('[data-testid="cover"]'))).length, albumSize);

  const search = await driver.findElement(By.css('[data-testid="search"]'));
  await search.sendKeys("singularity");
  await driver.wait(async () => (await rowCount(driver)) === albumSize, 5_000);
  await screenshot(driver, "e2e-library.png");
  await search.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  await driver.wait(async () => (await rowCount(driver)) === expected, 5_000);
});

test("a file copied into the library appears by itself (folder watcher)", async () => {
  const before = countOgg(library);
  mkdirSync(join(library, "New arrivals"));
  const made = spawnSync("sox", ["-n", "-r", "22050", "-c", "1", join(library, "New arrivals", "fresh.wav"), "synth", "5", "sine", "440"]);
  assert.equal(made.status, 0, `sox failed: ${made.stderr}`);
  // No click, no rescan command: the watcher notices, the scan runs, the table updates.
  await waitForTrackCount(driver, before + 1, 60_000, "the new file never appeared");
  const search = await driver.findElement(By.css('[data-testid="search"]'));
  await search.sendKeys("fresh");
  await driver.wait(async () => (await rowCount(driver)) === 1, 5_000);
  await search.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
});

test("the Model view runs the backend self-test through the core", async () => {
  await driver.findElement(By.css('[data-testid="nav-model"]')).click();
  assert.match(await textOf(driver, "model-backend"), /^(cpu \(flex\)|gpu \(wgpu\))$/);

  // Round trip 3: run_self_test -> Burn forward pass + Adam step, compared
  // with the CPU.
  await driver.findElement(By.css('[data-testid="self-test"]')).click();
  const result = await textOf(driver, "self-test-result", 120_000);
  assert.match(result, /^Passed: loss \d+\.\d{4} → \d+\.\d{4} after one Adam step/);

  await screenshot(driver, "e2e-model.png");
});
