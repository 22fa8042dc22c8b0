// Lighthouse (mobile, simulated slow 4G and a mid-range phone CPU) on the given addresses,
// with one Chromium for all of them: CHROME_PATH names it (Debian's /usr/bin/chromium).
// Prints {address: {scores: {category: 0-100}, failing: [[category, audit, score, title, value]], metrics}} as JSON.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
const found = {};
try {
  for (const address of process.argv.slice(2)) {
    const { lhr } = await lighthouse(address, { port: chrome.port, logLevel: "error", onlyCategories: CATEGORIES });
    const scores = {}, failing = [];
    for (const [id, category] of Object.entries(lhr.categories)) {
      scores[id] = Math.round(category.score * 100);
      for (const ref of category.auditRefs) {
        const audit = lhr.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
          failing.push([id, ref.id, audit.score, audit.title, audit.displayValue || ""]);
        }
      }
    }
    const metrics = {};
    for (const id of ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                      "cumulative-layout-shift", "total-byte-weight"]) {
      metrics[id] = lhr.audits[id].displayValue;
    }
    found[address] = { scores, failing, metrics, runtimeError: lhr.runtimeError ? lhr.runtimeError.message : null };
  }
} finally {
  await chrome.kill();
}
console.log(JSON.stringify(found));
