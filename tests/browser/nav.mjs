// Browser checks of a built site in headless Chromium (playwright-core + Debian's chromium).
// Usage: node nav.mjs <public-dir> <artifacts-dir>
// Prints one line per check; exits non-zero when a check fails.
import { launch, checker } from "./common.mjs";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { pathToFileURL, fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const here = path.dirname(fileURLToPath(import.meta.url));

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
  // The cells as shown (12, 12*, 55.56%, or a mark without a number: 不可比, 空白, —).
  const values = async () => table.locator("tbody tr").evaluateAll((rows, c) => rows.map((r) => r.cells[c].textContent.trim()), col);
  const numeric = (v) => /^[-+]?\d+(\.\d+)?%?\*?$/.test(v);
  // Marks sort last in either direction.
  const marksLast = (vs) => vs.every((v, i) => numeric(v) || vs.slice(i).every((w) => !numeric(w)));
  const button = table.locator("thead th").nth(col).locator("button");
  check(await button.count() === 1, "sort.js turned the header into a button");
  await button.click();
  const shownDesc = await values();
  check(marksLast(shownDesc), `marks last: ${shownDesc}`);
  const desc = shownDesc.filter(numeric).map(parseFloat);
  check(desc.length >= 2 && desc.every((v, i) => i === 0 || desc[i - 1] >= v), `sorted descending: ${desc}`);
  check(await table.locator("thead th").nth(col).getAttribute("aria-sort") === "descending", "aria-sort says descending");
  await button.click();
  const shownAsc = await values();
  check(marksLast(shownAsc), `marks last: ${shownAsc}`);
  const asc = shownAsc.filter(numeric).map(parseFloat);
  check(asc.every((v, i) => i === 0 || asc[i - 1] <= v), `sorted ascending: ${asc}`);
  check(errors.length === 0, `no JavaScript errors (${errors.join("; ")})`);

  // 3. Every page kind: no horizontal overflow at phone width (390 px), no serious or
  // critical axe-core violation and no duplicate landmark; screenshots at both widths.
  const kinds = {
    home: "index.html",
    agencies: "agencies/index.html",
    agency: "agencies/pingtan/index.html",
    compare: "agencies/pingtan/compare.html",
    report: "agencies/shanghai-gov-office/2019.html",
    years: "years/index.html",
    year: "years/2021/index.html",
    search: "search/index.html",
    data: "data/index.html",
    quality: "quality/index.html",
    "not-found": "404.html",
  };
  // A region's roll-up (江苏省: 淮安市人民政府 and 沭阳县发展和改革局), found from its link.
  const regionHref = readFileSync(path.join(publicDir, "agencies/index.html"), "utf8").match(/regions\/[0-9a-f]+-\d+\.html/);
  check(regionHref !== null, "the agencies page links a region's roll-up");
  if (regionHref) kinds.rollup = regionHref[0];
  for (const [kind, p] of Object.entries(kinds)) {
    check(existsSync(path.join(publicDir, p)), `${kind} page exists`);
    for (const [w, h, tag] of [[390, 844, "phone"], [1280, 900, "desktop"]]) {
      const pg = await browser.newPage({ viewport: { width: w, height: h } });
      await pg.goto(url(p));
      if (tag === "phone") {
        const over = await pg.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        check(over <= 0, `${kind} at ${w}px: no horizontal overflow (${over}px)`);
        // Every table that scrolls sideways keeps its row labels in view.
        const stuck = await pg.evaluate(() => [...document.querySelectorAll(".table-scroll")]
          .filter((box) => box.scrollWidth > box.clientWidth && box.querySelector("tbody th[scope=row]"))
          .map((box) => {
            box.scrollLeft = box.scrollWidth;
            const th = box.querySelector("tbody th[scope=row]");
            const gap = th.getBoundingClientRect().left - box.getBoundingClientRect().left;
            box.scrollLeft = 0;
            return Math.round(gap);
          }));
        check(stuck.every((gap) => gap >= -1 && gap <= 1), `${kind} at ${w}px: row labels stay in view when scrolled (${stuck})`);
        // Column headers are legible: not shrunk below 12px, no text cut off.
        const heads = await pg.evaluate(() => [...document.querySelectorAll("thead th")].map((th) => ({
          size: parseFloat(getComputedStyle(th).fontSize), cut: th.scrollWidth > th.clientWidth + 1 })));
        check(heads.every((x) => x.size >= 12 && !x.cut), `${kind} at ${w}px: table headers legible`);
      }
      if (tag === "desktop") {
        await pg.evaluate(axeSource);
        const res = await pg.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
        const bad = res.violations.filter((v) => ["serious", "critical"].includes(v.impact) || v.id === "landmark-unique");
        check(bad.length === 0, `${kind}: axe finds no serious violation (${bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`).join("; ")})`);
      }
      await pg.screenshot({ path: path.join(artifacts, `${kind}-${tag}.png`), fullPage: true });
      await pg.close();
    }
  }

  // 4. The comparison page at phone width: the first year's numbers are in view without
  // scrolling past the labels.
  {
    const pg = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await pg.goto(url(kinds.compare));
    const right = await pg.locator("table.compare tbody tr:not(.group) td").first().evaluate((td) => td.getBoundingClientRect().right);
    check(right <= 390, `compare at 390px: the first numbers are in view (right edge ${Math.round(right)}px)`);
    await pg.close();
  }

  // 5. Print: the report page reads like the published report. Chromium's print-to-PDF,
  // read back with PDF.js: no site navigation or search box, page numbers on every page, each
  // table's heading on the page where the table starts, the 三 table's header repeated.
  {
    const pg = await browser.newPage();
    await pg.goto(url(kinds.report));
    await pg.emulateMedia({ media: "print" });
    const hidden = await pg.evaluate(() => [".site-header nav", ".site-search"].map((s) => getComputedStyle(document.querySelector(s)).display));
    check(hidden.every((d) => d === "none"), `print hides navigation and search (${hidden})`);
    await pg.screenshot({ path: path.join(artifacts, "report-print.png"), fullPage: true });
    const pdfPath = path.join(artifacts, "report-print.pdf");
    await pg.pdf({ path: pdfPath, preferCSSPageSize: true, printBackground: true });
    await pg.close();
    const doc = await getDocument({ data: new Uint8Array(readFileSync(pdfPath)), standardFontDataUrl: path.join(here, "node_modules/pdfjs-dist/standard_fonts/"), verbosity: 0 }).promise;
    const pages = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const c = await (await doc.getPage(i)).getTextContent();
      pages.push(c.items.map((x) => x.str).join(""));
    }
    check(pages.length >= 2, `the printed report has ${pages.length} pages`);
    check(pages.every((text, i) => text.replace(/\s/g, "").includes(`${i + 1}/${pages.length}`)), "every printed page is numbered n / N");
    check(!pages.some((text) => text.includes("全部机关") || text.includes("开放数据") || text.includes("搜索")), "no navigation or search box on paper");
    // The heading, not the findings list that names the table (…情况统计表).
    const at = pages.findIndex((text) => /三、收到和处理政府信息公开申请情况(?!统计表)/.test(text));
    check(at >= 0 && pages[at].includes("申请人情况"), "the 三 table starts on the page of its heading");
    const rows = pages.map((text, i) => [i, text]).filter(([i, text]) => i > at && /属于国家秘密|信访举报投诉|本机关不掌握|重复申请/.test(text));
    check(rows.every(([, text]) => text.includes("申请人情况")), `the 三 table's header is repeated on each page it continues on (pages ${rows.map(([i]) => i + 1)})`);
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
