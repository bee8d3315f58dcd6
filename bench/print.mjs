// Prints every .html file under a folder to a .pdf beside it with one headless Chromium (as a
// browser's "save as PDF" does, its header and footer lines included), for bench/import.sh:
//   node bench/print.mjs FOLDER
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launch } from "../tests/browser/common.mjs";

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".html")) files.push(path);
  }
};
walk(process.argv[2]);
const browser = await launch();
const page = await browser.newPage();
for (const html of files) {
  await page.goto(pathToFileURL(html).href);
  await page.pdf({ path: html.replace(/\.html$/, ".pdf"), format: "A4", displayHeaderFooter: true,
                   scale: 0.8, margin: { top: "1.5cm", bottom: "1.5cm", left: "1cm", right: "1cm" } });
  unlinkSync(html);
}
await browser.close();
console.log(`printed ${files.length} pages`);
