import { asText, type ListField, listItems } from "./fields";

/**
 * A list of mappings (ports, support channels, SLA properties, columns...) as a table of inputs; a changed
 * cell is committed as `path.N.column=value`, the same assignment as `meshlens draft edit --set`.
 */
export function ListEditor({
  field,
  document,
  onCommit,
}: {
  field: ListField;
  document: unknown;
  onCommit: (assignment: string) => void;
}) {
  const items = listItems(document, field);
  return (
    <fieldset className="list-editor">
      <legend>{field.label}</legend>
      {items.length === 0 ? (
        <p className="muted">None declared; add them in the YAML.</p>
      ) : (
        <table aria-label={field.label}>
          <thead>
            <tr>
              {field.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map(([index, item]) => (
              <tr key={index}>
                {field.columns.map((column) => {
                  const value = asText(item[column]);
                  const path = `${field.path}.${String(index)}.${column}`;
                  const commit = (next: string) => {
                    if (next !== value) onCommit(`${path}=${next}`);
                  };
                  return (
                    <td key={column}>
                      <input
                        key={`${path}=${value}`}
                        aria-label={path}
                        defaultValue={value}
                        onBlur={(e) => {
                          commit(e.target.value);
                        }}
                        onKeyDown={(e) => {
                          if (e.key === "Enter") commit(e.currentTarget.value);
                        }}
                      />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </fieldset>
  );
}
