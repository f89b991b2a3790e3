// Shared plumbing of the WebDriver tests: start tauri-driver and the real
// app binary, grab the X display, find elements by test id. Each test file
// uses its own ports, so files may run side by side.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Builder, By, Capabilities, until } from "selenium-webdriver";

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "..", "..");
export const demoLibrary = join(root, "assets", "demo-library");
const artifacts = process.env.PLAYGENIE_ARTIFACTS ?? join(root, "target", "e2e");

function waitForPort(port, timeoutMs, log) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePort, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.end();
        resolvePort();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`tauri-driver did not listen on ${port}:\n${log()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Processes (Linux /proc) whose environment has PLAYGENIE_HOME=`home`. */
function appProcesses(home) {
  const wanted = `PLAYGENIE_HOME=${home}`;
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(wanted);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Starts the app (PLAYGENIE_APP_BINARY) with `args` and data in `home`,
 * through tauri-driver on `port` (its native driver on `port + 1`).
 * Returns the WebDriver session and a `stop` function.
 */
export async function startApp({ home, args, port }) {
  const application = process.env.PLAYGENIE_APP_BINARY;
  assert.ok(application, "set PLAYGENIE_APP_BINARY to the built playgenie-app");
  assert.ok(existsSync(application), `no app binary at ${application}`);
  let log = "";
  const driverProcess = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], {
    env: { ...process.env, PLAYGENIE_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  driverProcess.stdout.on("data", (d) => (log += d));
  driverProcess.stderr.on("data", (d) => (log += d));
  await waitForPort(port, 20_000, () => log);

  const capabilities = new Capabilities();
  capabilities.setBrowserName("wry");
  capabilities.set("tauri:options", { application, args });
  const driver = await new Builder().withCapabilities(capabilities).usingServer(`http://127.0.0.1:${port}/`).build();
  const stop = async () => {
    await driver.quit().catch(() => {});
    driverProcess.kill();
    // WebKitWebDriver, killed mid-teardown, can leave the app running; it
    // then holds the driver's pipes open and this test file never ends.
    // The app is found by its own PLAYGENIE_HOME, unique to this test.
    await new Promise((r) => setTimeout(r, 2000));
    for (const pid of appProcesses(home)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    driverProcess.stdout.destroy();
    driverProcess.stderr.destroy();
  };
  return { driver, stop };
}

// Grabs the X display as a person sees it (ImageMagick's import). WebKitWebDriver's
// own takeScreenshot under Xvfb returns the first painted frame, not the
// current one, so it would show a stale page.
export async function screenshot(driver, name) {
  // Let WebKit paint the last DOM change before grabbing the display.
  await driver.sleep(700);
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, name);
  const grab = spawnSync("import", ["-window", "root", file], { encoding: "utf8" });
  assert.equal(grab.status, 0, `screenshot failed: ${grab.stderr}`);
  console.log(`screenshot: ${file}`);
}

export async function textOf(driver, testId, timeoutMs = 30_000) {
  const element = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"]`)), timeoutMs);
  return element.getText();
}

/** Waits until the library view says `expected` tracks are indexed. */
export async function waitForTrackCount(driver, expected, timeoutMs, why) {
  const count = await driver.wait(until.elementLocated(By.css('[data-testid="track-count"]')), timeoutMs);
  await driver.wait(async () => (await count.getText()) === `${expected.toLocaleString("en-US")} indexed`, timeoutMs, why);
}

export function rowCount(driver) {
  return driver.findElements(By.css('[data-testid="track-row"]')).then((rows) => rows.length);
}

export function countOgg(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, entry) => n + (entry.isDirectory() ? countOgg(join(dir, entry.name)) : entry.name.endsWith(".ogg") ? 1 : 0),
    0,
  );
}

/** The element(s) with `data-testid`. */
export const byTestId = (id) => By.css(`[data-testid="${id}"]`);

/** Clicks the element with this test id. */
export async function clickTestId(driver, id) {
  await (await driver.findElement(byTestId(id))).click();
}

/**
 * The text of every element with this test id, read in one script (so a
 * re-render between finding and reading cannot leave a stale element) as
 * textContent (WebDriver's getText is "" for text clipped by overflow).
 */
export function textsOf(driver, id) {
  return driver.executeScript(`return [...document.querySelectorAll('[data-testid="${id}"]')].map((e) => e.textContent.trim());`);
}

/** Has mpv (no audio or video output) play a moment of each entry of the
 *  playlist `file`; asserts it opened `expected` files without errors. */
export function assertMpvPlays(file, expected) {
  const mpv = spawnSync("mpv", ["--no-config", "--ao=null", "--vo=null", "--end=0.05", `--playlist=${file}`], { encoding: "utf8" });
  const out = `${mpv.stdout}${mpv.stderr}`;
  const played = out.split("\n").filter((l) => l.trim().startsWith("Playing: "));
  assert.equal(played.length, expected, `mpv output:\n${out}`);
  assert.ok(!out.includes("Errors when loading file"), `mpv output:\n${out}`);
}
