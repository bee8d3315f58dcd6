// Browser checks of a built site in headless Chromium (playwright-core + Debian's chromium).
// Usage: node nav.mjs <public-dir> <artifacts-dir>
// Prints one line per check; exits non-zero when a check fails.
import { launch, checker } from "./common.mjs";
import { mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [publicDir, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const url = (p) => pathToFileURL(path.join(publicDir, p)).href;
const { check, failures } = checker();

const browser = await launch();

try {
  // 1. Navigate from the home page opened from disk: home → agency → report → year page.
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url("index.html"));
  check((await page.title()).length > 0, "home page opens from file://");
  await page.locator(".level a", { hasText: "平潭综合实验区" }).first().click();
  await page.waitForLoadState();
  check((await page.locator("h1").innerText()).includes("平潭综合实验区"), "home → agency page");
  await page.locator(".report-list a", { hasText: "2021" }).first().click();
  await page.waitForLoadState();
  check((await page.locator("h1").innerText()).includes("2021"), "agency → report page");
  check(await page.locator("table.official.matrix").count() === 1, "report page shows the 三 table");
  // Data cells carry no class (CSS aligns them); the corner text does not take their style.
  const align = (sel) => page.locator(sel).first().evaluate((el) => getComputedStyle(el).textAlign);
  check(await align("table.official.matrix tbody td:not([class])") === "right", "official table numbers are right-aligned");
  check(await align("table.official.matrix td.corner") !== "right", "the corner note is not aligned as a number");
  await page.locator(".pager a", { hasText: "本年度全部报告" }).click();
  await page.waitForLoadState();
  check((await page.locator("h1").innerText()).includes("2021"), "report → year page");

  // 2. Sort the year's comparison table by a column.
  const table = page.locator("#year-table");
  const col = await table.locator("thead th").evaluateAll((ths) => ths.findIndex((th) => th.textContent.includes("本年新收申请")));
  check(col > 0, "comparison table has a 本年新收申请 column");
  const values = async () => table.locator("tbody tr").evaluateAll((rows, c) => rows.map((r) => r.cells[c].getAttribute("data-sort")), col);
  const button = table.locator("thead th").nth(col).locator("button");
  check(await button.count() === 1, "sort.js turned the header into a button");
  await button.click();
  const desc = (await values()).filter((v) => v !== null && v !== "").map(Number);
  check(desc.length >= 2 && desc.every((v, i) => i === 0 || desc[i - 1] >= v), `sorted descending: ${desc}`);
  check(await table.locator("thead th").nth(col).getAttribute("aria-sort") === "descending", "aria-sort says descending");
  await button.click();
  const asc = (await values()).filter((v) => v !== null && v !== "").map(Number);
  check(asc.every((v, i) => i === 0 || asc[i - 1] <= v), `sorted ascending: ${asc}`);
  check(errors.length === 0, `no JavaScript errors (${errors.join("; ")})`);

  // 3. Every page kind: no horizontal overflow at phone width; screenshots at both widths.
  const kinds = {
    home: "index.html",
    agencies: "agencies/index.html",
    agency: "agencies/pingtan/index.html",
    compare: "agencies/pingtan/compare.html",
    report: "agencies/shanghai-gov-office/2019.html",
    years: "years/index.html",
    year: "years/2021/index.html",
    "not-found": "404.html",
  };
  for (const [kind, p] of Object.entries(kinds)) {
    for (const [w, h, tag] of [[375, 812, "phone"], [1280, 900, "desktop"]]) {
      const pg = await browser.newPage({ viewport: { width: w, height: h } });
      await pg.goto(url(p));
      if (tag === "phone") {
        const over = await pg.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        check(over <= 0, `${kind} at ${w}px: no horizontal overflow (${over}px)`);
      }
      await pg.screenshot({ path: path.join(artifacts, `${kind}-${tag}.png`), fullPage: true });
      await pg.close();
    }
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
