import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Markdown } from "./Markdown";

describe("upstream markdown", () => {
  it("renders formatting", () => {
    const { container } = render(<Markdown text={"**Orders** of the `webshop`\n\n- one\n- two"} />);
    expect(container.querySelector("strong")).toHaveTextContent("Orders");
    expect(container.querySelector("code")).toHaveTextContent("webshop");
    expect(container.querySelectorAll("li")).toHaveLength(2);
  });

  it("drops scripts, handlers, frames, remote images and link targets", () => {
    const text = [
      "<script>window.pwned = true</script>",
      '<img src="https://tracker.example/pixel.png" onerror="alert(1)">',
      '<iframe src="https://evil.example"></iframe>',
      "[docs](https://example.com/docs) and [x](javascript:alert(1))",
      '<a href="https://example.com" onclick="alert(1)">click</a>',
    ].join("\n\n");
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector("script, img, iframe, [onerror], [onclick], [href], [src]")).toBeNull();
    expect(container).toHaveTextContent("docs and x");
    expect(container).toHaveTextContent("click");
  });
});
