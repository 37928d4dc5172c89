import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { products } from "../test/fixtures";
import { ProductTable } from "./ProductTable";

describe("product list", () => {
  it("shows each product's normalised sensitivity and retention in days", () => {
    render(<ProductTable products={products} selectedId={null} onSelect={vi.fn()} />);
    expect(screen.getByRole("columnheader", { name: "Sensitivity" })).toBeInTheDocument();
    const row = (id: string) => within(document.querySelector(`tr[data-product-id="${id}"]`) as HTMLElement);
    expect(row("sales-orders").getByText("restricted")).toHaveClass("badge-sensitivity-restricted");
    expect(row("sales-orders").getByText("3650 days")).toBeInTheDocument();
    expect(row("finance-fx-rates").getByText("public")).toBeInTheDocument();
    // "unlimited" is no number of days.
    expect(row("finance-fx-rates").getByText("—")).toBeInTheDocument();
  });

  it("shows the first three tags of a row and counts the rest", () => {
    render(<ProductTable products={products} selectedId={null} onSelect={vi.fn()} />);
    const product = products.find((p) => p.tags.length > 3);
    if (product === undefined) throw new Error("the fixture has no product with more than three tags");
    const tags = within(document.querySelector(`tr[data-product-id="${product.id}"]`) as HTMLElement).getByRole("list", { name: "tags" });
    const items = within(tags).getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual([...product.tags.slice(0, 3), `+${String(product.tags.length - 3)}`]);
    expect(tags).toHaveAttribute("title", product.tags.join(", "));
  });
});
