// End-to-end test of the desktop app: the real binary, its real cache and the bundled demo mesh, driven through
// tauri-driver + WebKitWebDriver. Run it through run.sh, which provides the X display.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { startDriver } from "./harness.mjs";
import { Session } from "./webdriver.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const binary = resolve(process.env.MESHLENS_DESKTOP_BIN ?? join(targetDir, "debug/meshlens-desktop"));
const cli = resolve(process.env.MESHLENS_BIN ?? join(targetDir, "debug/meshlens"));
const screenshots = join(here, "screenshots");
const demoMesh = join(root, "assets/demo-mesh");

// Products of assets/demo-mesh the test expects, one per format and domain flavour (loyalty-members is DPS).
const EXPECTED_IDS = ["sales-orders", "customer-360", "finance-fx-rates", "loyalty-members"];
const PRODUCT = {
  id: "sales-orders",
  name: "Sales Orders",
  typo: "ordrs",
  ownerTeam: "Checkout & Orders",
  contract: "sales-orders-db",
  columns: ["order_id", "order_total", "sku"],
};
// A failing dbt test in assets/demo-mesh/quality (see its README).
const FAILING_CHECK = "assert_revenue_reconciles_with_ledger";

const steps = [];
function step(message) {
  steps.push(message);
  console.log(`e2e: ${message}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function save(session, name) {
  const file = join(screenshots, `${name}.png`);
  writeFileSync(file, await session.screenshot());
  step(`screenshot ${file}`);
}

async function one(session, selector, within) {
  const [element] = await session.findAll(selector, within);
  return element;
}

async function noAlerts(session) {
  const alerts = await session.findAll("[role=alert]");
  if (alerts.length > 0) throw new Error(`the app shows an error: ${await session.text(alerts[0])}`);
}

async function navTo(session, label) {
  const buttons = await session.findAll("nav[aria-label=screens] button");
  for (const button of buttons) {
    if ((await session.text(button)) === label) {
      await session.click(button);
      return;
    }
  }
  throw new Error(`no navigation button "${label}"`);
}

async function buttonNamed(session, label, within) {
  for (const button of await session.findAll("button", within)) {
    if ((await session.text(button)).trim() === label) return button;
  }
  return undefined;
}

async function testHome(session) {
  check((await session.title()) === "meshlens", `window title is "${await session.title()}", expected "meshlens"`);
  // The first probe waits for the app to open and sync the demo mesh, hence the generous timeout.
  const ids = await session.waitFor(
    `the demo products (${EXPECTED_IDS.join(", ")}) to be listed on the home screen`,
    async () => {
      await noAlerts(session);
      const rows = await session.findAll("tr[data-product-id]");
      const listed = await Promise.all(rows.map((row) => session.attribute(row, "data-product-id")));
      return EXPECTED_IDS.every((id) => listed.includes(id)) ? listed : null;
    },
    90_000,
  );
  step(`${ids.length} products listed`);
  const countsText = await session.text(await one(session, '[aria-label="cache counts"]'));
  check(Number(/(\d+) products?/.exec(countsText)?.[1]) === ids.length, `header says "${countsText}" but ${ids.length} rows are listed`);
  const syncStatus = await session.text(await one(session, 'section[aria-label="sync status"]'));
  check(syncStatus.includes("demo") && syncStatus.includes("ok"), `the sync status reads "${syncStatus}"`);
  await save(session, "01-home");
}

async function testSearch(session) {
  const input = await one(session, 'input[aria-label="search"]');
  await session.type(input, PRODUCT.typo);
  const hit = await session.waitFor(`"${PRODUCT.typo}" to find ${PRODUCT.id}`, () => one(session, `li[data-hit-id="${PRODUCT.id}"]`));
  const marks = await session.findAll("mark", hit);
  check(marks.length > 0, `the hit for ${PRODUCT.id} highlights nothing: "${await session.text(hit)}"`);
  // textContent: WebKitWebDriver's visible text skips the ellipsised facet labels.
  const facets = await session.execute('return document.querySelector(\'aside[aria-label="facets"]\').textContent');
  check(/Domain/i.test(facets) && facets.includes("sales"), `the facets read "${facets}"`);
  step(`typo "${PRODUCT.typo}" found ${PRODUCT.id}, highlighting "${await session.text(marks[0])}"`);
  await save(session, "02-search");
  await testPalette(session, input);
  await session.click(hit);
  const page = await session.waitFor(`the page of ${PRODUCT.id}`, async () => {
    const article = await one(session, 'article[aria-label="product detail"]');
    if (article === undefined) return null;
    return (await session.text(await one(session, "h2", article))) === PRODUCT.name ? article : null;
  });
  const text = await session.text(page);
  for (const expected of [PRODUCT.ownerTeam, PRODUCT.contract, "Quality scorecard", "Lineage"]) {
    check(text.includes(expected), `the product page does not mention "${expected}"`);
  }
  const contract = await one(session, `article[aria-label="contract ${PRODUCT.contract}"]`, page);
  const columns = await Promise.all((await session.findAll(".schema td:first-child code", contract)).map((c) => session.text(c)));
  for (const column of PRODUCT.columns) check(columns.includes(column), `contract shows [${columns.join(", ")}], missing ${column}`);
  await session.waitFor("the lineage mini-graph", () => one(session, "svg.mini-graph", page));
  step(`opened ${PRODUCT.id}: team, contract columns and lineage mini-graph shown`);
  await save(session, "03-product");
  await testDataset(session);
}

async function testPalette(session, input) {
  await session.type(input, "\uE009k\uE009");
  const palette = await session.waitFor("the command palette (Ctrl+K)", () => one(session, '[role=dialog][aria-label="command palette"]'));
  await session.type(await one(session, 'input[aria-label="command"]', palette), "steward");
  await session.waitFor("the palette to offer the steward dashboard", async () => (await session.text(palette)).includes("Go to Steward dashboard"));
  await save(session, "02b-palette");
  await session.type(await one(session, 'input[aria-label="command"]', palette), "\uE00C");
  await session.waitFor("the palette to close on Esc", async () => (await session.findAll("[role=dialog]")).length === 0);
  step("command palette opened with Ctrl+K, found the steward dashboard, closed with Esc");
}

async function testDataset(session) {
  await session.click(await buttonNamed(session, "orders"));
  const page = await session.waitFor("the dataset page of orders", () => one(session, 'article[aria-label="dataset detail"]'));
  const text = await session.text(page);
  for (const expected of ["Columns", "customer_email", "restricted", "Lineage", "Quality history"]) {
    check(text.includes(expected), `the dataset page does not mention "${expected}"`);
  }
  await save(session, "03b-dataset");
  await session.click(await one(session, 'button[aria-label="Back"]'));
  await session.waitFor("the product page again", () => one(session, 'article[aria-label="product detail"]'));
  step("dataset page: columns with classification, lineage and quality history");
}

async function testDarkTheme(session) {
  const toggle = await one(session, 'button[aria-label^="Theme:"]');
  await session.click(toggle); // system → light
  await session.click(await one(session, 'button[aria-label^="Theme:"]')); // light → dark
  const theme = await session.execute("return document.documentElement.dataset.theme;");
  check(theme === "dark", `the theme toggle set "${theme}", expected dark`);
  await save(session, "08-dark");
  await session.click(await one(session, 'button[aria-label^="Theme:"]')); // back to the system's
  step("dark theme toggled and back");
}

async function testLineage(session) {
  await session.click(await buttonNamed(session, "Open lineage"));
  const canvas = await session.waitFor("the lineage graph to be laid out", async () => {
    await noAlerts(session);
    const c = await one(session, "canvas[data-nodes]");
    return c !== undefined && (await session.attribute(c, "data-laid-out")) === "true" ? c : null;
  });
  const before = Number(await session.attribute(canvas, "data-nodes"));
  check(before > 1, `the lineage of ${PRODUCT.id} has ${before} nodes`);
  // Expand a node at the edge of the graph: the last one listed.
  const items = await session.findAll("button.node-item");
  const target = items[items.length - 1];
  const targetId = await session.attribute(target, "data-node-id");
  await session.click(target);
  await session.click(await session.waitFor("the Expand button", () => buttonNamed(session, "Expand")));
  await session.waitFor(`${targetId} to be expanded`, async () => {
    await noAlerts(session);
    const item = await one(session, `button.node-item[data-node-id="${targetId}"]`);
    return item !== undefined && (await session.text(item)).includes("(expanded)");
  });
  const after = Number(await session.attribute(await one(session, "canvas[data-nodes]"), "data-nodes"));
  check(after >= before, `expanding ${targetId} went from ${before} to ${after} nodes`);
  check((await buttonNamed(session, "Collapse")) !== undefined, "an expanded node offers no Collapse");
  step(`lineage: ${before} nodes, expanded ${targetId} → ${after} nodes`);
  await save(session, "04-lineage");
}

async function testSteward(session) {
  await navTo(session, "Steward dashboard");
  const rows = await session.waitFor("a failing check on the steward dashboard", async () => {
    await noAlerts(session);
    const found = await session.findAll("tr.failing-check");
    return found.length > 0 ? found : null;
  });
  const texts = await Promise.all(rows.map((r) => session.text(r)));
  check(texts.some((t) => t.includes(FAILING_CHECK)), `failing checks are [${texts.join(" | ")}], missing ${FAILING_CHECK}`);
  const trend = await one(session, 'section[aria-label="quality trend"] svg');
  check(trend !== undefined, "the steward dashboard plots no quality trend");
  step(`steward: ${rows.length} failing checks, including ${FAILING_CHECK}`);
  await save(session, "05-steward");
}

async function testSources(session, folder) {
  await navTo(session, "Sources & settings");
  await session.waitFor("the demo source to be listed", () => one(session, 'tr[data-source="demo"]'));
  const form = await one(session, 'form[aria-label="add source"]');
  await session.type(await one(session, 'input[aria-label="source name"]', form), "e2e-folder");
  await session.type(await one(session, 'input[aria-label="Folder"]', form), folder);
  await session.click(await buttonNamed(session, "Add source", form));
  // The new source syncs right away; catch its progress bar while it runs.
  const bar = await session.waitFor(
    "the sync progress bar",
    async () => {
      await noAlerts(session);
      return one(session, '[aria-label="sync progress"]');
    },
    30_000,
  );
  const progressText = await session.text(bar);
  check(progressText.includes("e2e-folder"), `the progress bar reads "${progressText}"`);
  step(`sync progress visible: "${progressText}"`);
  await save(session, "06-sync-progress");
  const row = await session.waitFor(
    "the folder source to finish syncing",
    async () => {
      await noAlerts(session);
      const r = await one(session, 'tr[data-source="e2e-folder"]');
      if (r === undefined) return null;
      const text = await session.text(r);
      return / ok/.test(text) && (await session.findAll('[aria-label="sync progress"]')).length === 0 ? text : null;
    },
    120_000,
  );
  step(`folder source synced: "${row.replace(/\s+/g, " ")}"`);
  await save(session, "07-sources");
}

/** A cache with the demo mesh synced and its quality results imported, and a folder for the add-source step. */
function prepare(dataDir) {
  const env = { ...process.env, MESHLENS_DATA_DIR: dataDir };
  execFileSync(cli, ["demo"], { env, stdio: "ignore" });
  // Quality results of the demo are imported by hand until sync ingests them.
  execFileSync(cli, ["import", join(demoMesh, "quality")], { env, stdio: "ignore" });
  const folder = join(dataDir, "e2e-folder");
  execFileSync(cli, ["demo", "generate", "--out", folder, "--products", "400"], { env, stdio: "ignore" });
  return folder;
}

async function main() {
  check(existsSync(binary), `no desktop binary at ${binary}: run \`cargo build -p meshlens-desktop\` first`);
  check(existsSync(cli), `no CLI at ${cli}: run \`cargo build -p meshlens-cli\` first`);
  check(existsSync(join(root, "ui/dist/index.html")), "ui/dist is missing: run `npm run build` in ui/ first");
  mkdirSync(screenshots, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "meshlens-e2e-"));
  process.env.MESHLENS_DEMO_MESH = demoMesh;
  const folder = prepare(dataDir);
  process.env.MESHLENS_DATA_DIR = dataDir;
  process.env.MESHLENS_OPEN_DEMO = "1";

  const driver = await startDriver();

  let session;
  try {
    step(`tauri-driver at ${driver.base}; starting ${binary} with data dir ${dataDir}`);
    session = await Session.create(driver.base, { "tauri:options": { application: binary } });
    const scenarios = [testHome, testSearch, testLineage, testSteward, (s) => testSources(s, folder), testDarkTheme];
    for (const scenario of scenarios) await scenario(session);
    console.log(`e2e: ${steps.filter((s) => !s.startsWith("screenshot")).length} steps ok`);
    console.log(`${scenarios.length} passed, 0 failed`);
  } catch (err) {
    console.error(`\ne2e FAILED: ${err.message}`);
    if (session !== undefined) {
      try {
        await save(session, "failure");
        writeFileSync(join(screenshots, "failure.html"), await session.source());
      } catch (saveErr) {
        console.error(`(could not save the failure screenshot: ${saveErr.message})`);
      }
    }
    process.exitCode = 1;
  } finally {
    if (session !== undefined) await session.close().catch(() => {});
    driver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
