// Search checks in headless Chromium against a built site served on 127.0.0.1.
// Usage: node search.mjs <public-dir> <queries.json> <results.json>
//   queries.json: {"queries": ["…"], "recall": ["…"], "urls": ["?q=…&year=…"]}
//   results.json: {"queries": {q: {status, results: [{title, href, snippet}]}}, "recall": {q: [urls]}}
// With "measure": ["…"] in queries.json, each of those queries is run in a fresh browser
// context (empty cache) from the search page, and results.json gets
// "measure": {q: {bytes, files}}: what the query itself downloaded (after the page loaded).
import { launch } from "./common.mjs";
import { createServer } from "node:http";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";

const [publicArg, queriesFile, out] = process.argv.slice(2);
const publicDir = path.resolve(publicArg);
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css",
  ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml", ".csv": "text/csv" };
const served = { bytes: 0, files: 0 };
const server = createServer(async (req, res) => {
  let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = path.join(publicDir, p);
  if (!file.startsWith(publicDir)) { res.writeHead(403); return res.end(); }
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, "index.html");
    const body = await readFile(file);
    served.bytes += body.length;
    served.files += 1;
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    res.end(body);
  } catch { res.writeHead(404); res.end("not found"); }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}/`;
const { queries = [], recall = [], measure = [], urls = [] } = JSON.parse(await readFile(queriesFile, "utf8"));
const browser = await launch();
// Waits until the search page has finished (its status no longer says "…").
const settled = (page, timeout) => page.waitForFunction(() => {
  const s = document.getElementById("search-status").textContent;
  return s && !s.includes("…");
}, null, { timeout });
const result = { queries: {}, recall: {}, measure: {}, urls: {}, errors: [] };
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => result.errors.push(String(e)));
  for (const q of queries) {
    // Type into the search box of the home page, as a reader would.
    await page.goto(origin + "index.html");
    await page.fill("#site-q", q);
    await page.press("#site-q", "Enter");
    await page.waitForURL(/search\/index\.html/);
    await settled(page, 10000);
    result.queries[q] = {
      status: await page.locator("#search-status").innerText(),
      results: await page.locator("#search-results li").evaluateAll((ls) => ls.map((l) => ({
        title: l.querySelector("a").textContent,
        href: l.querySelector("a").href,
        snippet: (l.querySelector(".snippet") || { innerHTML: "" }).innerHTML,
      }))),
    };
  }
  // "urls": search-page parameters such as "?q=…&year=2019&level=township", as a link or a
  // bookmark would open them; results as for "queries".
  for (const u of urls) {
    await page.goto(origin + "search/index.html" + u);
    await settled(page, 10000);
    result.urls[u] = {
      status: await page.locator("#search-status").innerText(),
      results: await page.locator("#search-results li a").evaluateAll((as) => as.map((a) => a.href)),
    };
  }
  if (recall.length) {
    await page.goto(origin + "search/index.html");
    for (const q of recall) result.recall[q] = await page.evaluate((x) => window.gkFind(x), q);
  }
  for (const q of measure) {
    // As a reader: open the search page, then type the query; count what the query fetches.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin + "search/index.html");
    await page.waitForLoadState("networkidle");
    const before = { ...served };
    await page.fill("#q", q);
    await page.press("#q", "Enter");
    await settled(page, 30000);
    await page.waitForLoadState("networkidle");
    result.measure[q] = {
      results: await page.locator("#search-results li").count(),
      bytes: served.bytes - before.bytes,
      files: served.files - before.files,
    };
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
await writeFile(out, JSON.stringify(result));
