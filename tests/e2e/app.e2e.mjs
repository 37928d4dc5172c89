// End-to-end test of the desktop app: the real binary, its real cache and the bundled demo mesh, driven through
// tauri-driver + WebKitWebDriver. Run it through run.sh, which provides the X display.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Session } from "./webdriver.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const binary = resolve(process.env.MESHLENS_DESKTOP_BIN ?? join(root, "target/debug/meshlens-desktop"));
const screenshots = join(here, "screenshots");

// Products of assets/demo-mesh the test expects, one per format and domain flavour (loyalty-members is DPS).
const EXPECTED_IDS = ["sales-orders", "customer-360", "finance-fx-rates", "loyalty-members"];
const DETAIL = {
  id: "sales-orders",
  name: "Sales Orders",
  ownerTeam: "Checkout & Orders",
  ports: ["orders", "order-events"],
  contract: "sales-orders-db",
  columns: ["order_id", "order_total", "sku"],
};

const steps = [];
function step(message) {
  steps.push(message);
  console.log(`e2e: ${message}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForDriver(base, driver, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (driver.exitCode !== null) throw new Error(`tauri-driver exited early with code ${driver.exitCode}`);
    try {
      const response = await fetch(`${base}/status`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`tauri-driver did not answer on ${base} within ${timeoutMs} ms`);
}

async function save(session, name) {
  const file = join(screenshots, `${name}.png`);
  writeFileSync(file, await session.screenshot());
  step(`screenshot ${file}`);
}

async function rowIds(session) {
  const rows = await session.findAll("tr[data-product-id]");
  return Promise.all(rows.map((row) => session.attribute(row, "data-product-id")));
}

async function testProductList(session) {
  check((await session.title()) === "meshlens", `window title is "${await session.title()}", expected "meshlens"`);
  // The first call waits for the app to open and sync the demo mesh, hence the generous timeout.
  const ids = await session.waitFor(
    `the demo products (${EXPECTED_IDS.join(", ")}) to be listed`,
    async () => {
      const alerts = await session.findAll("[role=alert]");
      if (alerts.length > 0) throw new Error(`the app shows an error: ${await session.text(alerts[0])}`);
      const listed = await rowIds(session);
      return EXPECTED_IDS.every((id) => listed.includes(id)) ? listed : null;
    },
    90_000,
  );
  step(`${ids.length} products listed`);
  check(new Set(ids).size === ids.length, `a product is listed twice: ${ids.join(", ")}`);

  const [counts] = await session.findAll('[aria-label="cache counts"]');
  check(counts !== undefined, "the header shows no cache counts");
  const countsText = await session.text(counts);
  const productCount = Number(/(\d+) products?/.exec(countsText)?.[1]);
  check(productCount === ids.length, `header says "${countsText}" but the table lists ${ids.length} products`);

  const [dataDir] = await session.findAll(".data-dir code");
  check(dataDir !== undefined, "the header does not show the data directory");
  const shownDir = await session.text(dataDir);
  check(shownDir === process.env.MESHLENS_DATA_DIR, `header shows data dir ${shownDir}, expected ${process.env.MESHLENS_DATA_DIR}`);

  const [row] = await session.findAll(`tr[data-product-id="${DETAIL.id}"]`);
  const rowText = await session.text(row);
  for (const expected of [DETAIL.name, DETAIL.ownerTeam, "sales", "active"]) {
    check(rowText.includes(expected), `row ${DETAIL.id} reads "${rowText}", missing "${expected}"`);
  }
  await save(session, "01-products");
}

async function testProductDetail(session) {
  const [row] = await session.findAll(`tr[data-product-id="${DETAIL.id}"]`);
  // WebKitWebDriver will not click a <tr> itself ("not interactable"); a person clicks its name anyway.
  const [name] = await session.findAll("td.name", row);
  await session.click(name);
  step(`clicked ${DETAIL.id}`);
  const panel = await session.waitFor(`the detail panel of ${DETAIL.id}`, async () => {
    const [aside] = await session.findAll('aside[aria-label="product detail"]');
    if (aside === undefined) return null;
    const [heading] = await session.findAll("h2", aside);
    return heading !== undefined && (await session.text(heading)) === DETAIL.name ? aside : null;
  });
  const panelText = await session.text(panel);
  for (const expected of [DETAIL.ownerTeam, ...DETAIL.ports, DETAIL.contract]) {
    check(panelText.includes(expected), `the detail panel does not mention "${expected}"`);
  }
  const [contract] = await session.findAll(`article[aria-label="contract ${DETAIL.contract}"]`, panel);
  check(contract !== undefined, `the detail panel has no card for contract ${DETAIL.contract}`);
  const columns = await Promise.all((await session.findAll(".schema td:first-child code", contract)).map((c) => session.text(c)));
  for (const column of DETAIL.columns) {
    check(columns.includes(column), `contract ${DETAIL.contract} shows columns [${columns.join(", ")}], missing ${column}`);
  }
  check((await session.attribute(row, "aria-selected")) === "true", `row ${DETAIL.id} is not marked selected`);
  await save(session, "02-product-detail");
}

async function main() {
  check(existsSync(binary), `no desktop binary at ${binary}: run \`cargo build -p meshlens-desktop\` first`);
  check(existsSync(join(root, "ui/dist/index.html")), "ui/dist is missing: run `npm run build` in ui/ first");
  mkdirSync(screenshots, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "meshlens-e2e-"));
  process.env.MESHLENS_DATA_DIR = dataDir;
  process.env.MESHLENS_OPEN_DEMO = "1";
  process.env.MESHLENS_DEMO_MESH = join(root, "assets/demo-mesh");

  const port = await freePort();
  const nativePort = await freePort();
  // Own process group, so the driver, WebKitWebDriver and the app all go down together.
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const stopDriver = () => {
    try {
      process.kill(-driver.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  };
  process.on("SIGINT", () => {
    stopDriver();
    process.exit(130);
  });
  process.on("SIGTERM", () => {
    stopDriver();
    process.exit(143);
  });

  let session;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForDriver(base, driver);
    step(`tauri-driver listening on ${port}; starting ${binary} with data dir ${dataDir}`);
    session = await Session.create(base, { "tauri:options": { application: binary } });
    await testProductList(session);
    await testProductDetail(session);
    console.log(`e2e: ${steps.filter((s) => !s.startsWith("screenshot")).length} steps ok`);
    console.log("2 passed, 0 failed");
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
    stopDriver();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
