import { type Layout, type LayoutInput, layout } from "./layout";

let worker: Worker | null = null;
let nextRequest = 0;
const pending = new Map<number, (layout: Layout) => void>();

function layoutWorker(): Worker | null {
  if (typeof Worker === "undefined") return null;
  if (worker === null) {
    worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ request: number; layout: Layout }>) => {
      pending.get(event.data.request)?.(event.data.layout);
      pending.delete(event.data.request);
    };
  }
  return worker;
}

/** Lays a graph out in the shared worker; where workers do not exist (jsdom tests) it runs inline. */
export function layoutOffThread(input: LayoutInput): Promise<Layout> {
  const target = layoutWorker();
  if (target === null) return Promise.resolve(layout(input));
  const request = nextRequest++;
  return new Promise((resolve) => {
    pending.set(request, resolve);
    target.postMessage({ request, input });
  });
}
