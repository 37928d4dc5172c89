// Lays lineage graphs out off the main thread: receives a LayoutInput, answers with its Layout.
import { type LayoutInput, layout } from "./layout";

self.onmessage = (event: MessageEvent<{ request: number; input: LayoutInput }>) => {
  const { request, input } = event.data;
  self.postMessage({ request, layout: layout(input) });
};
