import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// Tests wait for conditions, not for time budgets: `findBy…`/`waitFor` return as soon as the condition holds, and may
// wait this long for it on a machine busy with other work (the default 1 s failed under load).
configure({ asyncUtilTimeout: 20_000 });

afterEach(() => {
  cleanup();
});

// jsdom lays nothing out, so it has no scrolling; components scroll the active row into view.
Element.prototype.scrollIntoView = function scrollIntoView() {};
