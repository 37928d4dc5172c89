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

/** The value at a dotted path of a parsed document, as form text. */
export function fieldText(document: unknown, field: FormField): string {
  let value: unknown = document;
  for (const key of field.path.split(".")) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string, unknown>)[key];
  }
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
