import { useRef } from "react";

import type { Issue } from "../../ipc/bindings/Issue";

/**
 * The draft's text with line numbers; a line with a schema problem is marked in the gutter and its
 * message is shown right under it (clicking a problem in the list moves the caret to its line).
 */
export function YamlEditor({
  text,
  issues,
  onChange,
}: {
  text: string;
  issues: Issue[];
  onChange: (text: string) => void;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const lines = text.split("\n");
  const byLine = new Map<number, Issue[]>();
  for (const issue of issues) byLine.set(issue.line, [...(byLine.get(issue.line) ?? []), issue]);

  const goTo = (line: number) => {
    const element = area.current;
    if (element === null) return;
    const offset = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
    element.focus();
    element.setSelectionRange(offset, offset);
  };

  return (
    <div className="yaml-editor">
      <div className="yaml-editor-body">
        <ol className="yaml-gutter" aria-hidden="true">
          {lines.map((_, i) => {
            const found = byLine.get(i + 1);
            return (
              <li key={i} className={found === undefined ? undefined : `gutter-${found[0]?.severity ?? "error"}`}>
                {i + 1}
              </li>
            );
          })}
        </ol>
        <textarea
          ref={area}
          aria-label="YAML"
          spellCheck={false}
          value={text}
          rows={Math.min(40, lines.length + 1)}
          onChange={(e) => {
            onChange(e.target.value);
          }}
        />
      </div>
      {issues.length > 0 && (
        <ul className="yaml-issues" aria-label="schema problems">
          {issues.map((issue, i) => (
            <li key={i} className={`issue-${issue.severity}`}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  goTo(issue.line);
                }}
              >
                line {issue.line}
                {issue.column > 0 ? `:${issue.column}` : ""}
              </button>{" "}
              {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
