// Shared by the browser scripts: headless Chromium with the flags that work on this machine
// and in CI, and a recorder of named checks.
import { chromium } from "playwright-core";

/** Debian's Chromium (or $CHROMIUM), headless. */
export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

/** `check(ok, what)` prints one line per check; `failures` lists the failed ones. */
export const checker = () => {
  const failures = [];
  const check = (ok, what) => {
    console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
    if (!ok) failures.push(what);
  };
  return { check, failures };
};
