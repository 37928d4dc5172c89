import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Highlight, snippetParts } from "./Highlight";

describe("search snippets", () => {
  it("marks the matched words", () => {
    const { container } = render(<Highlight snippet="Sales <mark>Orders</mark> &amp; returns" />);
    expect(container.querySelectorAll("mark")).toHaveLength(1);
    expect(container.querySelector("mark")).toHaveTextContent("Orders");
    expect(container).toHaveTextContent("Sales Orders & returns");
  });

  it("never turns snippet text into markup", () => {
    const { container } = render(<Highlight snippet={'&lt;img src=x onerror="alert(1)"&gt; <script>alert(2)</script> <mark>x</mark>'} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container).toHaveTextContent('<img src=x onerror="alert(1)"> <script>alert(2)</script> x');
  });

  it("splits into plain and marked parts", () => {
    expect(snippetParts("a <mark>b</mark> c")).toEqual([
      { text: "a ", marked: false },
      { text: "b", marked: true },
      { text: " c", marked: false },
    ]);
  });
});
