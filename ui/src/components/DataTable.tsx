import type { ReactNode } from "react";

/** One column of a [`DataTable`]: its header and how a row fills its cell. */
export interface TableColumn<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** A class for the cell, e.g. `bad` on a count that should stand out. */
  cellClass?: (row: Row) => string | undefined;
}

/** The muted dash a table shows for a value that is not there. */
export function Missing() {
  return <span className="muted">—</span>;
}

/** `value`, or the muted dash when there is none. */
export function orMissing(value: ReactNode): ReactNode {
  return value === null || value === undefined || value === "" ? <Missing /> : value;
}

/** A table's header row: one column header per name (an empty name heads a column of buttons). */
export function ColumnHeaders({ headers }: { headers: readonly string[] }) {
  return (
    <thead>
      <tr>
        {headers.map((header) => (
          <th key={header} scope="col">
            {header}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/**
 * A read-only table of records (a contract's columns, SLAs and rules; a dataset's checks; the steward's lists): one
 * header row, one row a record, and an optional caption under it. Interactive lists (the product list) have their own.
 */
export function DataTable<Row>({
  rows,
  columns,
  rowKey,
  label,
  rowClass,
  caption,
}: {
  rows: readonly Row[];
  columns: readonly TableColumn<Row>[];
  rowKey: (row: Row, index: number) => string;
  label?: string;
  rowClass?: string;
  caption?: ReactNode;
}) {
  return (
    <table className="schema" aria-label={label}>
      <ColumnHeaders headers={columns.map((column) => column.header)} />
      <tbody>
        {rows.map((row, index) => (
          <tr key={rowKey(row, index)} className={rowClass}>
            {columns.map((column) => (
              <td key={column.header} className={column.cellClass?.(row)}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
      {caption !== undefined && <caption className="caption-bottom">{caption}</caption>}
    </table>
  );
}
