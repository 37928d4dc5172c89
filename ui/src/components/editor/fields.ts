// The common fields the form edits, by dotted path (the same paths as `meshlens draft edit --set`).
import type { DraftKind } from "../../ipc/bindings/DraftKind";

export interface FormField {
  path: string;
  label: string;
  /** A list of words edited as comma-separated text. */
  list?: boolean;
  multiline?: boolean;
}

const SHARED: FormField[] = [
  { path: "name", label: "Name" },
  { path: "version", label: "Version" },
  { path: "status", label: "Status" },
  { path: "domain", label: "Domain" },
  { path: "tags", label: "Tags", list: true },
  { path: "description.purpose", label: "Purpose", multiline: true },
];

export const FORM_FIELDS: Record<DraftKind, FormField[]> = {
  product: [
    ...SHARED,
    { path: "description.limitations", label: "Limitations", multiline: true },
    { path: "description.usage", label: "Usage", multiline: true },
    { path: "team.name", label: "Owning team" },
  ],
  contract: [...SHARED, { path: "description.limitations", label: "Limitations", multiline: true }],
};

/** A list of mappings edited as a table: one row per item, one input per column (`path.N.column`). */
export interface ListField {
  path: string;
  label: string;
  columns: string[];
}

export const LIST_FIELDS: Record<DraftKind, ListField[]> = {
  product: [
    { path: "team.members", label: "Team and owner", columns: ["username", "name", "role"] },
    { path: "support", label: "Support channels", columns: ["channel", "tool", "url"] },
    { path: "outputPorts", label: "Output ports", columns: ["name", "version", "contractId"] },
    { path: "inputPorts", label: "Input ports", columns: ["name", "version", "contractId"] },
    { path: "customProperties", label: "Classification, retention and other properties", columns: ["property", "value"] },
  ],
  contract: [
    { path: "schema.0.properties", label: "Columns", columns: ["name", "logicalType", "physicalType", "required", "classification", "description"] },
    { path: "slaProperties", label: "SLA properties", columns: ["property", "value", "unit"] },
    { path: "quality", label: "Quality rules", columns: ["metric", "mustBe", "mustBeLessThan", "severity"] },
    { path: "support", label: "Support channels", columns: ["channel", "tool", "url"] },
  ],
};

/** The value at a dotted path of a parsed document. */
export function valueAt(document: unknown, path: string): unknown {
  let value: unknown = document;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = Array.isArray(value) ? (value as unknown[])[Number(key)] : (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The mappings of a list field with their index in the list (the index is part of their path). */
export function listItems(document: unknown, field: ListField): [number, Record<string, unknown>][] {
  const value = valueAt(document, field.path);
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).flatMap((v, i): [number, Record<string, unknown>][] =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? [[i, v as Record<string, unknown>]] : [],
  );
}

/** A value as form text. */
export function asText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(", ");
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
      return String(value);
    case "object":
      return value === null ? "" : JSON.stringify(value);
    default:
      return "";
  }
}

/** The value at a field's path, as form text. */
export function fieldText(document: unknown, field: FormField): string {
  return asText(valueAt(document, field.path));
}

/** A `PATH=VALUE` assignment for `draft_edit`; lists are written as a YAML flow list. */
export function assignment(field: FormField, text: string): string {
  if (field.list) {
    const items = text
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t.length > 0)
      .map((t) => JSON.stringify(t));
    return `${field.path}=[${items.join(", ")}]`;
  }
  return `${field.path}=${text}`;
}
