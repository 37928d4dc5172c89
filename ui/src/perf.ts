// Performance marks the e2e benchmark reads through WebDriver (docs/benchmarks.md). Cheap enough to keep in
// production: one mark per keystroke and one measure per painted answer.

export const KEYSTROKE_MARK = "meshlens:keystroke";
export const RESULTS_MEASURE = "meshlens:results-visible";
/** From the last keystroke to the search answer arriving from the backend: the part of RESULTS_MEASURE before rendering. */
export const ANSWER_MEASURE = "meshlens:search-answered";
export const INTERACTIVE_MARK = "meshlens:interactive";
export const LINEAGE_MEASURE = "meshlens:lineage-painted";

export function markKeystroke(): void {
  performance.mark(KEYSTROKE_MARK);
}

/**
 * The same, up to the end of that frame's rendering on the page's thread: a task queued from the frame callback runs
 * after its style, layout and paint. Without GPU compositing that is the whole paint; with it, tiles are still
 * rasterised on other threads afterwards.
 */
export const RESULTS_PAINTED_MEASURE = "meshlens:results-painted";

/**
 * Measures from the last keystroke to the frame that shows the new results: to its start ("results visible after a
 * keystroke") and to the end of its rendering.
 */
export function measureResultsVisible(): void {
  requestAnimationFrame(() => {
    if (performance.getEntriesByName(KEYSTROKE_MARK).length === 0) return;
    const visible = performance.measure(RESULTS_MEASURE, KEYSTROKE_MARK);
    const afterFrame = new MessageChannel();
    afterFrame.port1.onmessage = () => {
      performance.measure(RESULTS_PAINTED_MEASURE, { start: visible.startTime });
      afterFrame.port1.close();
    };
    afterFrame.port2.postMessage(null);
  });
}

/** Measures from the last keystroke to now, when a search answer has just arrived. */
export function measureSearchAnswered(): void {
  if (performance.getEntriesByName(KEYSTROKE_MARK).length === 0) return;
  performance.measure(ANSWER_MEASURE, KEYSTROKE_MARK);
}

/** Marks the first moment the window answers input (once). */
export function markInteractive(): void {
  if (performance.getEntriesByName(INTERACTIVE_MARK).length === 0) performance.mark(INTERACTIVE_MARK);
}

export function measureLineagePainted(startMark: string): void {
  performance.measure(LINEAGE_MEASURE, startMark);
}
