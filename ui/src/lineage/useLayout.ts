import { useEffect, useState } from "react";

import type { Layout, LayoutInput } from "./layout";
import { layoutOffThread } from "./layoutClient";

/** The layout of `input`, computed in the layout worker; `null` until it arrives (a newer input drops an older answer). */
export function useLayout(input: LayoutInput): Layout | null {
  const [placed, setPlaced] = useState<Layout | null>(null);
  useEffect(() => {
    let current = true;
    void layoutOffThread(input).then((result) => {
      if (current) setPlaced(result);
    });
    return () => {
      current = false;
    };
  }, [input]);
  return placed;
}
