// A local update server for the end-to-end test: a throwaway minisign key made with the Tauri CLI (the app
// trusts it through MESHLENS_UPDATE_PUBKEY, which only development builds read), a fake 9.9.9 package signed
// with it, and two Tauri updater manifests: one with the right signature, one whose signature is of other bytes.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

export const NEW_VERSION = "9.9.9";

function tauriCli(root) {
  return join(root, "ui/node_modules/.bin/tauri");
}

/** Signs `file` for NEW_VERSION; returns the signature as manifests carry it (base64 of the .sig text). */
function sign(root, key, file) {
  execFileSync(tauriCli(root), ["signer", "sign", "-f", key, "-p", "", "--app-version", NEW_VERSION, file], { stdio: "ignore" });
  return readFileSync(`${file}.sig`, "utf8").trim();
}

function manifest(base, signature) {
  return JSON.stringify({
    version: NEW_VERSION,
    notes: "Faster search and a welcome screen (served by the end-to-end test).",
    pub_date: "2026-12-07T04:00:00Z",
    platforms: { "linux-x86_64": { url: `${base}/meshlens_${NEW_VERSION}_amd64.deb`, signature } },
  });
}

/** Starts the server; resolves to its manifest URLs, the public key to trust, and `stop()`. */
export async function startUpdateServer(root, dir) {
  const key = join(dir, "update-test.key");
  execFileSync(tauriCli(root), ["signer", "generate", "--ci", "-p", "", "-w", key], { stdio: "ignore" });
  const pubkey = readFileSync(`${key}.pub`, "utf8").trim();
  const artifact = join(dir, "package.deb");
  writeFileSync(artifact, `a stand-in for meshlens ${NEW_VERSION}\n`);
  const other = join(dir, "other.deb");
  writeFileSync(other, "some other bytes\n");
  const goodSignature = sign(root, key, artifact);
  const wrongSignature = sign(root, key, other);
  const server = createServer((request, response) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    const routes = {
      "/good.json": () => manifest(base, goodSignature),
      "/bad-signature.json": () => manifest(base, wrongSignature),
      [`/meshlens_${NEW_VERSION}_amd64.deb`]: () => readFileSync(artifact),
    };
    const route = routes[request.url];
    if (route === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": request.url.endsWith(".json") ? "application/json" : "application/octet-stream" });
    response.end(route());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    pubkey,
    goodManifest: `${base}/good.json`,
    badSignatureManifest: `${base}/bad-signature.json`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
