// End-to-end: the real PlayGenie window under Xvfb, driven through WebDriver
// (tauri-driver + Debian's WebKitWebDriver). Run by scripts/test.sh, which
// builds the app and sets PLAYGENIE_APP_BINARY.
//
// It asserts on what the page shows after real command round trips through
// the core (library folder summary from SQLite + disk, the compute backend
// chosen at start-up, the backend self-test), and saves a screenshot.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { Builder, By, Capabilities, Key, until } from "selenium-webdriver";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const demoLibrary = join(root, "assets", "demo-library");
const application = process.env.PLAYGENIE_APP_BINARY;
const artifacts = process.env.PLAYGENIE_ARTIFACTS ?? join(root, "target", "e2e");
const port = Number(process.env.PLAYGENIE_WEBDRIVER_PORT ?? 4444);

// The demo library, copied so the tests can add art and files to it.
const library = mkdtempSync(join(tmpdir(), "playgenie-e2e-library-"));
const albumWithArt = "Endgame Singularity";

let driverProcess;
let driver;
let driverLog = "";

function waitForPort(portNumber, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePort, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: "127.0.0.1", port: portNumber });
      socket.once("connect", () => {
        socket.end();
        resolvePort();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`tauri-driver did not listen on ${portNumber}:\n${driverLog}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function countOgg(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, entry) => n + (entry.isDirectory() ? countOgg(join(dir, entry.name)) : entry.name.endsWith(".ogg") ? 1 : 0),
    0,
  );
}

before(async () => {
  assert.ok(application, "set PLAYGENIE_APP_BINARY to the built playgenie-app");
  assert.ok(existsSync(application), `no app binary at ${application}`);
  const home = mkdtempSync(join(tmpdir(), "playgenie-e2e-"));
  cpSync(demoLibrary, library, { recursive: true });
  const art = spawnSync("convert", ["-size", "400x400", "gradient:#c03030-#3030c0", join(library, albumWithArt, "folder.jpg")]);
  assert.equal(art.status, 0, `could not make cover art: ${art.stderr}`);
  driverProcess = spawn("tauri-driver", ["--port", String(port)], {
    env: { ...process.env, PLAYGENIE_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  driverProcess.stdout.on("data", (d) => (driverLog += d));
  driverProcess.stderr.on("data", (d) => (driverLog += d));
  await waitForPort(port, 20_000);

  const capabilities = new Capabilities();
  capabilities.setBrowserName("wry");
  capabilities.set("tauri:options", { application, args: ["--library", library] });
  driver = await new Builder().withCapabilities(capabilities).usingServer(`http://127.0.0.1:${port}/`).build();
});

after(async () => {
  if (driver) await driver.quit().catch(() => {});
  if (driverProcess) driverProcess.kill();
});

// Grabs the X display as a person sees it (ImageMagick's import). WebKitWebDriver's
// own takeScreenshot under Xvfb returns the first painted frame, not the
// current one, so it would show a stale page.
async function screenshot(name) {
  // Let WebKit paint the last DOM change before grabbing the display.
  await driver.sleep(700);
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, name);
  const grab = spawnSync("import", ["-window", "root", file], { encoding: "utf8" });
  assert.equal(grab.status, 0, `screenshot failed: ${grab.stderr}`);
  console.log(`screenshot: ${file}`);
}

async function textOf(testId, timeoutMs = 30_000) {
  const element = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"]`)), timeoutMs);
  return element.getText();
}

test("the window shows the shell, the demo library and the backend in use", async () => {
  assert.equal(await driver.getTitle(), "PlayGenie");
  for (const area of ["nav-library", "nav-playlists", "now-playing"]) {
    await driver.findElement(By.css(`[data-testid="${area}"]`));
  }

  // Round trip 1: app_status -> core -> SQLite (library folders) + disk walk.
  const total = await textOf("library-total");
  assert.equal(total, `${countOgg(library)} music files in 1 folder`);

  // The backend chosen at start-up (an event, then app_status) replaces the
  // "Detecting" placeholder.
  const badge = await driver.findElement(By.css('[data-testid="backend-label"]'));
  await driver.wait(async () => !/Detecting/.test(await badge.getText()), 60_000, "backend never reported");
  assert.match(await badge.getText(), /^(CPU · Burn Flex|GPU · .+)$/);
});

async function trackCount(expected, timeoutMs, why) {
  const count = await driver.findElement(By.css('[data-testid="track-count"]'));
  await driver.wait(async () => (await count.getText()) === `${expected} indexed`, timeoutMs, why);
}

test("the start-up scan indexes the demo library into a searchable table with cover art", async () => {
  const expected = countOgg(library);
  // Round trip 2: the background scan (Symphonia + features -> SQLite), its
  // core-events, then list_tracks.
  await trackCount(expected, 120_000, "scan never finished");
  const rows = await driver.findElements(By.css('[data-testid="track-row"]'));
  assert.equal(rows.length, expected);

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
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="track-row"]'))).length === 10, 5_000);
  await screenshot("e2e-library.png");
  await search.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="track-row"]'))).length === expected, 5_000);
});

test("a file copied into the library appears by itself (folder watcher)", async () => {
  const before = countOgg(library);
  mkdirSync(join(library, "New arrivals"));
  const made = spawnSync("sox", ["-n", "-r", "22050", "-c", "1", join(library, "New arrivals", "fresh.wav"), "synth", "5", "sine", "440"]);
  assert.equal(made.status, 0, `sox failed: ${made.stderr}`);
  // No click, no rescan command: the watcher notices, the scan runs, the table updates.
  await trackCount(before + 1, 60_000, "the new file never appeared");
  const search = await driver.findElement(By.css('[data-testid="search"]'));
  await search.sendKeys("fresh");
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="track-row"]'))).length === 1, 5_000);
  await search.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
});

test("the engine view runs the backend self-test through the core", async () => {
  await driver.findElement(By.css('[data-testid="nav-about"]')).click();
  assert.match(await textOf("engine-backend"), /^(cpu \(flex\)|gpu \(wgpu\))$/);

  // Round trip 3: run_self_test -> Burn forward pass + Adam step, compared
  // with the CPU.
  await driver.findElement(By.css('[data-testid="self-test"]')).click();
  const result = await textOf("self-test-result", 120_000);
  assert.match(result, /^Passed: loss \d+\.\d{4} → \d+\.\d{4} after one Adam step/);

  await screenshot("e2e-engine.png");
});
