// Live reload in headless Chromium against a running `gongkai serve`.
// Usage: node live.mjs <page-url> <report-file>
// Edits the report (penalties of 平潭 2021), and checks that the open page reloads by itself,
// shows the error overlay (in Chinese) when the report breaks, and clears it when fixed, also
// when the fix restores the exact previous text (an undo).
import { launch, checker } from "./common.mjs";
import { readFileSync, writeFileSync } from "node:fs";

const [url, report] = process.argv.slice(2);
const original = readFileSync(report, "utf8");
const withPenalties = (v) => original.replace("penalties           = [1282]", `penalties           = [${v}]`);
const { check, failures } = checker();

const browser = await launch();
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  // Wait until the page listens for events.
  await page.waitForFunction(() => window.gkLive && window.gkLive.readyState === 1, null, { timeout: 15000 });
  await page.evaluate(() => { window.gkMarker = 1; });
  check((await page.content()).includes(">1282<"), "page shows the published number");

  let loaded = page.waitForEvent("load", { timeout: 15000 });
  writeFileSync(report, withPenalties("1299"));
  await loaded;
  await page.waitForFunction(() => window.gkLive && window.gkLive.readyState === 1, null, { timeout: 15000 });
  const marker = await page.evaluate(() => window.gkMarker);
  check(marker === undefined && (await page.content()).includes(">1299<"), "reloaded by itself");

  await page.evaluate(() => { window.gkMarker = 2; });
  writeFileSync(report, withPenalties("1299, 5"));
  await page.waitForSelector("#gongkai-errors", { timeout: 15000 });
  const overlay = await page.locator("#gongkai-errors").innerText();
  check(overlay.includes("content/pingtan/2021.md:17:23") && overlay.includes("行政处罚"), "overlay shows the error");
  check((await page.evaluate(() => window.gkMarker)) === 2 && (await page.content()).includes(">1299<"),
        "the last good page stays under the overlay");

  loaded = page.waitForEvent("load", { timeout: 15000 });
  writeFileSync(report, withPenalties("1300"));
  await loaded;
  await page.waitForFunction(() => window.gkLive && window.gkLive.readyState === 1, null, { timeout: 15000 });
  check((await page.locator("#gongkai-errors").count()) === 0 && (await page.content()).includes(">1300<"),
        "overlay cleared");

  // The commonest fix: undo the typo. The restored text builds the same pages as before, so
  // no file changes and no reload comes; the overlay must still go, by itself.
  await page.evaluate(() => { window.gkMarker = 3; });
  writeFileSync(report, withPenalties("1300, 5"));
  await page.waitForSelector("#gongkai-errors", { timeout: 15000 });
  const text = await page.locator("#gongkai-errors").innerText();
  check(text.includes("网站生成失败") && text.includes("修正文件并保存后，此提示会自动消失"),
        "overlay speaks Chinese");
  writeFileSync(report, withPenalties("1300"));
  await page.waitForSelector("#gongkai-errors", { state: "detached", timeout: 15000 });
  check((await page.evaluate(() => window.gkMarker)) === 3 && (await page.content()).includes(">1300<"),
        "overlay gone after undo, without a reload");
  check(errors.length === 0, `no script errors ${errors.join("; ")}`);
} catch (e) {
  check(false, `browser run: ${e}`);
} finally {
  writeFileSync(report, original);
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
