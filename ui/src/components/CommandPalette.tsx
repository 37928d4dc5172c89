import { type KeyboardEvent, useState } from "react";

import type { Backend } from "../ipc/backend";
import type { SearchHit } from "../ipc/commands";
import { type Navigate, SCREENS } from "../route";
import { shownData, useCommand } from "../useCommand";

export interface PaletteAction {
  id: string;
  label: string;
  run: () => void;
}

interface Entry {
  key: string;
  label: string;
  detail: string;
  run: () => void;
}

function matches(label: string, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = label.toLowerCase();
  return words.every((word) => text.includes(word));
}

interface Props {
  backend: Backend;
  generation: number;
  actions: PaletteAction[];
  navigate: Navigate;
  onClose: () => void;
}

/** Ctrl/Cmd+K: jump to a product or a screen, or run an action, by typing a few letters. */
export function CommandPalette({ backend, generation, actions, navigate, onClose }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const trimmed = query.trim();

  const go = (run: () => void) => {
    onClose();
    run();
  };
  const commandEntries: Entry[] = [
    ...SCREENS.map((s) => ({ key: `screen:${s.label}`, label: `Go to ${s.label}`, detail: s.shortcut, run: () => { navigate(s.route); } })),
    ...actions.map((a) => ({ key: `action:${a.id}`, label: a.label, detail: "action", run: a.run })),
  ].filter((entry) => matches(entry.label, query));

  // Asked on every keystroke, as on the home screen; the previous products stay listed until the next answer.
  const products = useCommand(backend, "search", trimmed === "" ? null : { query: trimmed, kind: "product", limit: 8 }, generation);
  const productHits: SearchHit[] = trimmed === "" ? [] : (shownData(products)?.hits ?? []);
  // Screens and actions first: they only show when their words match, and are what "sync" or "theme" mean.
  const entries: Entry[] = [
    ...commandEntries,
    ...productHits.map((hit) => ({
      key: `product:${hit.id}`,
      label: hit.name,
      detail: `product · ${hit.id}`,
      run: () => {
        navigate({ screen: "product", id: hit.id });
      },
    })),
  ];
  const selected = Math.min(active, entries.length - 1);

  const onKey = (event: KeyboardEvent) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive(Math.min(selected + 1, entries.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive(Math.max(selected - 1, 0));
    } else if (event.key === "Enter") {
      const entry = entries[selected];
      if (entry !== undefined) go(entry.run);
    } else if (event.key === "Escape") {
      onClose();
    }
  };

  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-label="command palette"
        onMouseDown={(event) => {
          event.stopPropagation();
        }}
      >
        <input
          autoFocus
          className="palette-input"
          placeholder="Type a product, a screen or an action…"
          aria-label="command"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKey}
        />
        <ul role="listbox" className="palette-list">
          {entries.map((entry, index) => (
            <li
              key={entry.key}
              role="option"
              aria-selected={index === selected}
              className={index === selected ? "active" : undefined}
              onMouseEnter={() => {
                setActive(index);
              }}
              onClick={() => {
                go(entry.run);
              }}
            >
              <span>{entry.label}</span>
              <span className="muted">{entry.detail}</span>
            </li>
          ))}
          {entries.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  );
}
