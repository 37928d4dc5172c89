// UI benchmark in the real app (docs/benchmarks.md, "Desktop UI"): cold start to an interactive window, results
// visible after a keystroke, a large lineage view laid out and painted, idle RSS. Reads the performance marks the
// UI sets (ui/src/perf.ts) through WebDriver. Run under a virtual display, e.g.
//   MESHLENS_DATA_DIR=<10k cache> xvfb-run -a dbus-run-session -- node tests/e2e/bench.mjs
// with the cache prepared by `meshlens demo generate --out M --products 10000`, `meshlens source add big
// --kind folder --path M` and `meshlens sync`. MESHLENS_BENCH_LINEAGE_ID picks the lineage start node;
// MESHLENS_BENCH_SMAPS_DIR keeps each process's /proc/PID/smaps at the idle RSS reading; MESHLENS_BENCH_IDLE_ONLY=1
// skips typing and lineage (the idle reading then comes 15 s after opening); MESHLENS_BENCH_ROUNDS sets how often
// the queries are typed (default 3).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { startDriver } from "./harness.mjs";
import { Session } from "./webdriver.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binary = resolve(process.env.MESHLENS_DESKTOP_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug/meshlens-desktop"));
const lineageId = process.env.MESHLENS_BENCH_LINEAGE_ID;
const lineageDepth = Number(process.env.MESHLENS_BENCH_LINEAGE_DEPTH ?? 6);
// Only the cold starts and the idle reading, 15 s after opening: e.g. on an empty data directory, for WebKitGTK's floor.
const idleOnly = process.env.MESHLENS_BENCH_IDLE_ONLY === "1";
const QUERIES = ["customer", "revenue", "ordrs", "shipmnt", "consent mart"];
const KEY_GAP_MS = 250;
// Times the queries are typed: a p95 over one round (≈ 40 keystrokes) is its second-worst keystroke.
const ROUNDS = Number(process.env.MESHLENS_BENCH_ROUNDS ?? 3);
const BACKSPACE = "\uE003";

const log = (message) => console.error(`bench: ${message}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

async function poll(what, probe, timeoutMs = 120_000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // The window is still loading.
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function coldStart(driver) {
  const requested = Date.now();
  const session = await Session.create(driver.base, { "tauri:options": { application: binary } });
  // An empty data directory opens on the welcome screen instead of the search screen.
  await poll("the search box or the welcome screen", async () => (await session.findAll('input[aria-label="search"], [aria-label="welcome"]')).length > 0);
  const [origin, interactive] = await session.execute(
    "const m = performance.getEntriesByName('meshlens:interactive')[0]; return [performance.timeOrigin, m ? m.startTime : null];",
  );
  return { session, toInteractiveMs: origin + interactive - requested, pageToInteractiveMs: interactive };
}

/**
 * Types the queries one key at a time, then erases each at once, ROUNDS times. Returns every keystroke →
 * results-visible, → results-painted and → answered duration, and the slowest keystrokes by what the box read
 * after them (the tail's cause).
 */
async function searchLatency(session) {
  const [input] = await session.findAll('input[aria-label="search"]');
  // What the box reads after each keystroke, in order: one keystroke mark each.
  const typed = [];
  for (const query of Array.from({ length: ROUNDS }, () => QUERIES).flat()) {
    for (let i = 1; i <= query.length; i++) {
      await session.type(input, query[i - 1]);
      typed.push(query.slice(0, i));
      await sleep(KEY_GAP_MS);
    }
    await session.type(input, BACKSPACE.repeat(query.length));
    for (let i = query.length - 1; i >= 0; i--) typed.push(query.slice(0, i));
    await sleep(KEY_GAP_MS);
  }
  const [keystrokes, visible, painted, answered] = await session.execute(
    "return ['meshlens:keystroke', 'meshlens:results-visible', 'meshlens:results-painted', 'meshlens:search-answered'].map((n) => performance.getEntriesByName(n).map((e) => [e.startTime, e.duration]));",
  );
  // A measure starts at the latest keystroke mark: of marks with the same (coarsened) time, the last one.
  const label = (start) => JSON.stringify(typed[keystrokes.findLastIndex(([at]) => at === start)] ?? "?");
  const answeredAt = new Map(answered.map(([start, ms]) => [start, ms]));
  const paintedAt = new Map(painted.map(([start, ms]) => [start, ms]));
  const slowest = [...visible]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(
      ([start, ms]) =>
        `${label(start)} ${Math.round(ms)} ms (answered ${Math.round(answeredAt.get(start) ?? Number.NaN)}, painted ${Math.round(paintedAt.get(start) ?? Number.NaN)})`,
    );
  const durations = (entries) => entries.map(([, ms]) => ms);
  return { visible: durations(visible), painted: durations(painted), answered: durations(answered), slowest };
}

async function byText(session, selector, text) {
  for (const element of await session.findAll(selector)) if ((await session.text(element)).trim() === text) return element;
  throw new Error(`no ${selector} reading "${text}"`);
}

/** Replaces a field's value, again until the page reads it back (a controlled number input can keep old digits). */
async function setField(session, selector, value) {
  await poll(
    `${selector} to read ${value}`,
    async () => {
      const [field] = await session.findAll(selector);
      await session.clear(field);
      await session.type(field, String(value));
      return (await session.execute("return document.querySelector(arguments[0]).value;", [selector])) === String(value);
    },
    10_000,
    100,
  );
}

async function lineageView(session) {
  await session.click(await byText(session, "nav[aria-label=screens] button", "Lineage"));
  await poll("the lineage screen", async () => (await session.findAll('input[aria-label="lineage start"]')).length > 0);
  await session.click(await byText(session, 'select[aria-label="level"] option', "dataset"));
  await setField(session, 'input[aria-label="upstream depth"]', 0);
  await setField(session, 'input[aria-label="downstream depth"]', lineageDepth);
  await setField(session, 'input[aria-label="lineage start"]', lineageId);
  const runs = [];
  for (let run = 0; run < 3; run++) {
    await session.execute("performance.clearMeasures('meshlens:lineage-painted');");
    await session.click(await byText(session, "button", "Show"));
    const nodes = await poll(
      "the lineage graph to be painted",
      async () => {
        const alerts = await session.findAll("[role=alert]");
        if (alerts.length > 0) throw new Error(await session.text(alerts[0]));
        const painted = await session.execute("return performance.getEntriesByName('meshlens:lineage-painted').length;");
        if (painted === 0) return null;
        const [canvas] = await session.findAll("canvas[data-nodes]");
        return Number(await session.attribute(canvas, "data-nodes"));
      },
      300_000,
      50,
    );
    const [ms] = await session.execute("return performance.getEntriesByName('meshlens:lineage-painted').map((e) => e.duration);");
    runs.push({ nodes, ms });
    if (run === 0) writeFileSync(join(root, "tests/e2e/screenshots/bench-lineage.png"), await session.screenshot());
    log(`lineage: ${nodes} nodes in ${Math.round(ms)} ms`);
    // Walk somewhere else and back so the next Show is a fresh request.
    await setField(session, 'input[aria-label="downstream depth"]', lineageDepth - 1);
    await setField(session, 'input[aria-label="downstream depth"]', lineageDepth);
  }
  return runs;
}

/**
 * Drags the lineage view on screen by a few pixels every frame for 90 frames and returns the gaps between frames:
 * ≈ 16.7 ms when each frame's work (React, canvas paint, page rendering) fits in a 60 Hz frame.
 */
async function lineagePan(session) {
  await session.execute(`
    window.__meshlensPan = null;
    const canvas = document.querySelector("canvas[data-nodes]");
    const box = canvas.getBoundingClientRect();
    let x = box.left + box.width / 2;
    let y = box.top + box.height / 2;
    const mouse = (type) => canvas.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, bubbles: true }));
    mouse("mousedown");
    const gaps = [];
    let last = null;
    const frame = (now) => {
      if (last !== null) gaps.push(now - last);
      last = now;
      x += 5;
      y += 2;
      mouse("mousemove");
      if (gaps.length < 90) requestAnimationFrame(frame);
      else {
        mouse("mouseup");
        window.__meshlensPan = gaps;
      }
    };
    requestAnimationFrame(frame);`);
  const gaps = await poll("the drag to end", () => session.execute("return window.__meshlensPan;"), 30_000, 100);
  const frames = stats(gaps);
  return { ...frames, fps: Math.round((1000 * gaps.length) / gaps.reduce((sum, gap) => sum + gap, 0)) };
}

/**
 * VmRSS split into anonymous memory, file pages (libraries, mmapped index files) and shared memory, and PSS (library
 * pages shared between the processes counted once overall), in MiB.
 */
function rssSplit(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024;
    const pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? Number.NaN) / 1024;
    return { anonMib: field("RssAnon"), fileMib: field("RssFile"), shmemMib: field("RssShmem"), pssMib: pss };
  } catch {
    return {};
  }
}

function rss(pgid) {
  const lines = execFileSync("ps", ["-o", "pid=,rss=,comm=", "-g", String(pgid)], { encoding: "utf8" }).trim().split("\n");
  const processes = lines
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, kib, ...comm]) => ({ pid: Number(pid), mib: Number(kib) / 1024, comm: comm.join(" ") }))
    .filter((p) => /meshlens|WebKit/.test(p.comm) && !/WebKitWebDriver/.test(p.comm))
    .map((p) => ({ ...p, ...rssSplit(p.pid) }));
  return {
    processes,
    totalMib: processes.reduce((sum, p) => sum + p.mib, 0),
    totalPssMib: processes.reduce((sum, p) => sum + (p.pssMib ?? Number.NaN), 0),
  };
}

async function main() {
  if (!existsSync(binary)) throw new Error(`no desktop binary at ${binary}`);
  if (process.env.MESHLENS_DATA_DIR === undefined) throw new Error("set MESHLENS_DATA_DIR to a synced cache (see the header)");
  mkdirSync(join(root, "tests/e2e/screenshots"), { recursive: true });
  const driver = await startDriver();
  const report = { binary, dataDir: process.env.MESHLENS_DATA_DIR, coldStart: [] };
  let session;
  try {
    for (let run = 0; run < 3; run++) {
      const started = await coldStart(driver);
      log(`cold start ${run + 1}: ${Math.round(started.toInteractiveMs)} ms`);
      report.coldStart.push({ toInteractiveMs: Math.round(started.toInteractiveMs), pageToInteractiveMs: Math.round(started.pageToInteractiveMs) });
      if (run < 2) await started.session.close();
      else session = started.session;
    }
    // Give the app's background opening work time to finish before typing.
    await sleep(3000);
    if (idleOnly) {
      await sleep(12_000);
    } else {
      const { visible, painted, answered, slowest } = await searchLatency(session);
      // `answered`: keystroke → the backend's answer arriving (IPC and search); the rest of `visible` is rendering;
      // `painted` runs to the end of the frame that shows the results.
      report.search = { ...stats(visible), painted: stats(painted), answered: stats(answered), slowest };
      log(`search: ${JSON.stringify(report.search)}`);
      await sleep(10_000);
    }
    report.idleRss = rss(driver.pgid);
    // For digging into where it goes: each process's /proc/PID/smaps, e.g. sorted by Rss per mapping.
    const smapsDir = process.env.MESHLENS_BENCH_SMAPS_DIR;
    if (smapsDir !== undefined) {
      mkdirSync(smapsDir, { recursive: true });
      for (const p of report.idleRss.processes) writeFileSync(join(smapsDir, `${p.comm}-${p.pid}.smaps`), readFileSync(`/proc/${p.pid}/smaps`));
    }
    log(`idle RSS: ${Math.round(report.idleRss.totalMib)} MiB (PSS ${Math.round(report.idleRss.totalPssMib)} MiB)`);
    if (lineageId !== undefined && !idleOnly) {
      report.lineage = await lineageView(session);
      report.lineagePan = await lineagePan(session);
      log(`lineage drag, gaps between frames: ${JSON.stringify(report.lineagePan)}`);
    }
    console.log(JSON.stringify(report, null, 2));
  } finally {
    if (session !== undefined) await session.close().catch(() => {});
    driver.stop();
  }
}

await main();
