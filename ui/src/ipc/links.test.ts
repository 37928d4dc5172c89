import { describe, expect, it } from "vitest";

import { mailLink, safeLink } from "./links";

describe("links from upstream text", () => {
  it("opens plain mail addresses and https links", () => {
    expect(safeLink("mailto:maria.keller@northwind-outfitters.com")).toBe("mailto:maria.keller@northwind-outfitters.com");
    expect(safeLink("MAILTO:a+b@x.io")).toBe("mailto:a+b@x.io");
    expect(safeLink("https://northwind.slack.com/archives/C04")).toBe("https://northwind.slack.com/archives/C04");
    expect(safeLink("https://jira.example.com:8443/desk?x=1")).toBe("https://jira.example.com:8443/desk?x=1");
    expect(mailLink("dpo@northwind-outfitters.com")).toBe("mailto:dpo@northwind-outfitters.com");
  });

  it("keeps everything else as text", () => {
    for (const text of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:text/html,x",
      "file:///etc/passwd",
      "http://plain.example.com",
      "slack://channel?id=1",
      "https:evil.example.com",
      "https://user:pw@example.com/",
      "https://example.com@evil.example/",
      "https:///path",
      "https://exa mple.com",
      "https://example.com/\u202etxt",
      "mailto:a@x.com?cc=boss@x.com",
      "mailto:a@x.com,b@x.com",
      "mailto:a@localhost",
      "#sales-orders-data",
      "",
    ]) {
      expect(safeLink(text), text).toBeNull();
    }
    expect(mailLink("someone")).toBeNull();
  });
});
