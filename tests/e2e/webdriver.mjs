// A small W3C WebDriver client over fetch: just the endpoints the e2e test uses.

/** The W3C key under which element references travel. */
const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    const detail = value && typeof value === "object" ? `${value.error}: ${value.message}` : String(value);
    super(`${method} ${path} failed (HTTP ${status}): ${detail}`);
    this.name = "WebDriverError";
    this.error = value && typeof value === "object" ? value.error : undefined;
  }
}

async function request(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, response.status, text.slice(0, 500));
  }
  if (!response.ok) throw new WebDriverError(method, path, response.status, parsed.value);
  return parsed.value;
}

export class Session {
  static async create(base, capabilities) {
    const value = await request(base, "POST", "/session", { capabilities: { alwaysMatch: capabilities, firstMatch: [{}] } });
    return new Session(base, value.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  title() {
    return this.cmd("GET", "/title");
  }

  /** Handles of the app's windows that WebDriver can drive. */
  windowHandles() {
    return this.cmd("GET", "/window/handles");
  }

  windowHandle() {
    return this.cmd("GET", "/window");
  }

  switchToWindow(handle) {
    return this.cmd("POST", "/window", { handle });
  }

  /** Closes the current window; switch to another before the next command. */
  closeWindow() {
    return this.cmd("DELETE", "/window");
  }

  /** All elements matching a CSS selector (possibly none). */
  async findAll(selector, within) {
    const scope = within === undefined ? "" : `/element/${within}`;
    const found = await this.cmd("POST", `${scope}/elements`, { using: "css selector", value: selector });
    return found.map((ref) => ref[ELEMENT_KEY]);
  }

  text(element) {
    return this.cmd("GET", `/element/${element}/text`);
  }

  attribute(element, name) {
    return this.cmd("GET", `/element/${element}/attribute/${encodeURIComponent(name)}`);
  }

  /**
   * Clicks an element as a person would, after scrolling it to the middle of its scrolling box: WebKitWebDriver's own
   * scrolling can leave an element at the window's bottom edge of an inner scroller (the app's `main`), where it counts
   * as not interactable.
   */
  async click(element) {
    await this.cmd("POST", "/execute/sync", {
      script: 'arguments[0].scrollIntoView({ block: "center", inline: "nearest" });',
      args: [{ [ELEMENT_KEY]: element }],
    });
    return this.cmd("POST", `/element/${element}/click`, {});
  }

  /** Types into an element as a person would (one key event per character). */
  type(element, text) {
    return this.cmd("POST", `/element/${element}/value`, { text });
  }

  clear(element) {
    return this.cmd("POST", `/element/${element}/clear`, {});
  }

  /** Runs a synchronous script in the page and returns its result. */
  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /**
   * A PNG of the page. WebKitWebDriver answers after the page's next paint, and without GPU compositing (the
   * app's mode on a machine without a GPU) a still page never paints again: a screen with no focused text box
   * (no blinking caret) left the request waiting for good. So a faint pixel in a corner changes every 50 ms
   * until the screenshot has been taken (for at most 30 s, should the cleanup below not reach the page).
   */
  async screenshot() {
    await this.execute(`
      const dot = document.createElement("div");
      dot.style.cssText = "position:fixed;left:0;bottom:0;width:1px;height:1px;background:rgb(0 0 0 / 1%);pointer-events:none";
      document.body.append(dot);
      const started = Date.now();
      const timer = setInterval(() => {
        dot.style.opacity = dot.style.opacity === "0.5" ? "1" : "0.5";
        if (Date.now() - started > 30000) window.__meshlensStopRepaint();
      }, 50);
      window.__meshlensStopRepaint = () => { clearInterval(timer); dot.remove(); };`);
    try {
      return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
    } finally {
      await this.execute("window.__meshlensStopRepaint?.();").catch(() => {});
    }
  }

  source() {
    return this.cmd("GET", "/source");
  }

  close() {
    return request(this.base, "DELETE", `/session/${this.id}`);
  }

  /** Polls `probe` until it returns a truthy value; fails with `what` after `timeoutMs`. */
  async waitFor(what, probe, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    while (Date.now() < deadline) {
      try {
        const value = await probe();
        if (value) return value;
      } catch (err) {
        // A stale element while React re-renders is expected; anything else is reported at the deadline.
        lastError = err;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ""}`);
  }
}
