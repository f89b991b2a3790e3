// End-to-end: a listener's first session in the real window. Create a
// playlist, add tracks from the library, reorder them (keyboard and drag),
// play (silent sink), skip, seek to the end so a play finishes, export the
// playlist, have mpv read the export, and find the plays in the history
// table with their end positions.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { assertMpvPlays, byTestId, clickTestId, demoLibrary, screenshot, startApp, textsOf, waitForTrackCount } from "./harness.mjs";

const album = "Battle for Wesnoth";
const library = mkdtempSync(join(tmpdir(), "playgenie-e2e-player-"));
const home = mkdtempSync(join(tmpdir(), "playgenie-e2e-player-home-"));
// No sound card on CI, and none wanted on a developer's desk during tests.
process.env.PLAYGENIE_AUDIO = "silent";

let app;
let driver;

before(async () => {
  cpSync(join(demoLibrary, album), join(library, album), { recursive: true });
  const port = Number(process.env.PLAYGENIE_WEBDRIVER_PORT ?? 4444) + 20;
  app = await startApp({ home, args: ["--library", library], port });
  driver = app.driver;
});

after(async () => {
  if (app) await app.stop();
});

const byId = byTestId;
const click = (id) => clickTestId(driver, id);
const texts = (id) => textsOf(driver, id);
const textIn = async (id) => (await texts(id))[0] ?? "";
const seconds = (clock) => clock.split(":").reduce((total, part) => total * 60 + Number(part), 0);

/** Calls the app's MPRIS interface with dbus-send: a Player method, or
 *  `Get` of a Player property (returns the printed reply). */
function mpris(method, property) {
  const args = ["--session", "--print-reply", "--dest=org.mpris.MediaPlayer2.playgenie", "/org/mpris/MediaPlayer2"];
  if (method === "Get") args.push("org.freedesktop.DBus.Properties.Get", "string:org.mpris.MediaPlayer2.Player", `string:${property}`);
  else args.push(`org.mpris.MediaPlayer2.Player.${method}`);
  const result = spawnSync("dbus-send", args, { encoding: "utf8" });
  assert.equal(result.status, 0, `dbus-send ${method} failed: ${result.stderr}`);
  const quoted = /string "([^"]*)"/.exec(result.stdout);
  return method === "Get" && property === "PlaybackStatus" ? quoted?.[1] : result.stdout;
}

async function entryTitles() {
  return texts("entry-title");
}

test("create a playlist, add tracks from the library, reorder them", async () => {
  await waitForTrackCount(driver, 13, 120_000, "the album was never indexed");

  await click("nav-playlists");
  await driver.findElement(byId("new-playlist-name")).sendKeys("Evening");
  await click("create-playlist");
  await driver.wait(async () => (await textIn("playlist-title")) === "Evening", 5_000);

  // Select the first three rows (click, then shift+click) and add them.
  await click("nav-library");
  // The start-up scan is over (its last reload done) before rows are used.
  await driver.wait(async () => (await driver.findElements(byId("scan-progress"))).length === 0, 60_000);
  await driver.wait(until.elementsLocated(byId("track-row")), 5_000);
  const row = async (i) => (await driver.findElements(byId("track-row")))[i];
  await (await row(0)).click();
  await driver.actions().keyDown(Key.SHIFT).click(await row(2)).keyUp(Key.SHIFT).perform();
  const libraryTitles = [];
  for (const i of [0, 1, 2]) libraryTitles.push(await (await row(i)).findElement(By.css(".title")).getAttribute("textContent"));
  const add = await driver.findElement(byId("add-to-playlist"));
  await add.findElement(By.xpath(`.//option[normalize-space(.)="Evening"]`)).click();
  await driver.wait(async () => /Added 3 tracks to “Evening”/.test(await textIn("library-notice")), 5_000);

  await click("nav-playlists");
  await driver.wait(async () => (await entryTitles()).length === 3, 5_000);
  assert.deepEqual(await entryTitles(), libraryTitles);

  // Keyboard: Alt+↓ moves the focused entry down.
  const first = (await driver.findElements(byId("entry-row")))[0];
  await first.click();
  await first.sendKeys(Key.chord(Key.ALT, Key.ARROW_DOWN));
  const [a, b, c] = libraryTitles;
  await driver.wait(async () => (await entryTitles()).join() === [b, a, c].join(), 5_000, "Alt+↓ did not reorder");

  // Drag the last entry onto the first (HTML drag and drop events, as the
  // browser fires them; WebDriver cannot synthesise a native drag).
  await driver.executeScript(`
    const rows = document.querySelectorAll('[data-testid="entry-row"]');
    const data = new DataTransfer();
    rows[2].dispatchEvent(new DragEvent("dragstart", { bubbles: true, dataTransfer: data }));
    rows[0].dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: data }));
    rows[0].dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: data }));
  `);
  await driver.wait(async () => (await entryTitles()).join() === [c, b, a].join(), 5_000, "drag and drop did not reorder");
  // The order is stored: it survives a reload of the view.
  await click("nav-library");
  await click("nav-playlists");
  await driver.wait(async () => (await entryTitles()).join() === [c, b, a].join(), 5_000);
});

test("play, skip, and a play that finishes are recorded with their positions", async () => {
  const order = await entryTitles();
  await click("play-playlist");
  await driver.wait(async () => (await textIn("now-title")) === order[0], 10_000, "playback never started");
  assert.match(await textIn("output"), /^silent/);

  // Let it play for two seconds or more, then skip.
  await driver.wait(async () => seconds(await textIn("position")) >= 2, 10_000, "the position never advanced");
  const skippedAt = seconds(await textIn("position"));
  await click("next");
  await driver.wait(async () => (await textIn("now-title")) === order[1], 5_000, "next did not skip");

  // Seek to two seconds before the end: the track finishes and the third starts.
  const duration = seconds(await textIn("duration"));
  assert.ok(duration > 10, `duration ${duration}`);
  await driver.executeScript(
    `const seek = document.querySelector('[data-testid="seek"]');
     seek.value = String(arguments[0]);
     seek.dispatchEvent(new Event("change", { bubbles: true }));`,
    (duration - 2) * 1000,
  );
  await driver.wait(async () => (await textIn("now-title")) === order[2], 10_000, "the track never finished");
  await screenshot(driver, "e2e-player.png");

  // Space pauses (the play goes on; it is not recorded yet).
  await driver.findElement(By.css("body")).sendKeys(" ");
  await driver.wait(async () => (await driver.findElement(byId("play-pause")).getAttribute("aria-label")) === "Play", 5_000, "Space did not pause");

  // The desktop's media keys (MPRIS on the session bus) see and drive the
  // player. scripts/test.sh runs the tests in a private D-Bus session.
  if (process.env.DBUS_SESSION_BUS_ADDRESS) {
    // The bus is updated from the player's thread: allow it a moment.
    await driver.wait(async () => mpris("Get", "PlaybackStatus") === "Paused", 3_000, "MPRIS never said Paused");
    mpris("PlayPause");
    await driver.wait(async () => (await driver.findElement(byId("play-pause")).getAttribute("aria-label")) === "Pause", 5_000, "MPRIS PlayPause did not resume");
    await driver.wait(async () => mpris("Get", "PlaybackStatus") === "Playing", 3_000, "MPRIS never said Playing");
    assert.equal(mpris("Get", "Metadata").includes(order[2]), true);
    await driver.findElement(By.css("body")).sendKeys(" ");
  } else {
    assert.ok(!process.env.CI, "CI must run the window tests in a D-Bus session (dbus-run-session)");
    console.log("no D-Bus session: the MPRIS check is skipped");
  }

  await click("nav-history");
  await driver.wait(async () => (await driver.findElements(byId("history-row"))).length === 2, 10_000, "the history does not show two plays");
  const tracks = await texts("history-track");
  const ends = await texts("history-end");
  // Newest first: the finished play, then the skip.
  assert.ok(tracks[0].endsWith(`– ${order[1]}`), tracks[0]);
  assert.equal(ends[0], "finished");
  assert.ok(tracks[1].endsWith(`– ${order[0]}`), tracks[1]);
  const skip = /^skipped at (\d+:\d\d)$/.exec(ends[1]);
  assert.ok(skip, `the skip reads "${ends[1]}"`);
  const recorded = seconds(skip[1]);
  assert.ok(recorded >= skippedAt && recorded <= skippedAt + 1, `skipped at ${recorded} s, the bar showed ${skippedAt} s`);
  // The plot and the most-played list have the plays too.
  assert.equal((await texts("most-played")).length > 0, true);
  // The Engagement panel counts the same two plays: both chosen by the
  // listener (a playlist of their own), one of them skipped; nothing came
  // from a suggestion yet.
  await driver.wait(async () => (await textIn("engagement-chosen-plays")) === "2", 10_000, "the Engagement panel does not count two plays");
  assert.equal(await textIn("engagement-chosen-skips"), "1");
  assert.equal(await textIn("engagement-skip-chosen"), "50 %");
  assert.equal(await textIn("engagement-suggested-plays"), "0");
  assert.equal(await textIn("engagement-skip-suggested"), "–");
  assert.equal(await textIn("engagement-keep-rate"), "–");
  assert.equal((await driver.findElements(byId("engagement-bar"))).length, 30, "one bar a day");
  await screenshot(driver, "e2e-history.png");
});

test("export the playlist and mpv plays every entry of the file", async () => {
  await click("nav-playlists");
  const order = await entryTitles();
  await click("export-playlist");
  const notice = await driver.wait(async () => {
    const text = await textIn("playlist-notice");
    return /^Exported 3 tracks to (.+\.m3u8)/.exec(text);
  }, 5_000, "no export notice");
  const file = notice[1].replace(/ Dismiss$/, "");
  assert.ok(file.startsWith(join(home, "playlists")), file);
  assert.ok(existsSync(file), `${file} was not written`);
  const text = readFileSync(file, "utf8");
  assert.match(text, /^#EXTM3U\n#PLAYLIST:Evening\n/);
  assertMpvPlays(file, 3);
  order.forEach((title, i) => assert.ok(text.includes(` - ${title}\n`), `entry ${i} "${title}" missing from\n${text}`));
});
