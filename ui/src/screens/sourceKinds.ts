import type { CatalogScope, SourceConfig } from "../ipc/commands";

type Kind = SourceConfig["kind"];
type ConfigOf<K extends Kind> = Extract<SourceConfig, { kind: K }>;
/** The fields a kind adds to `name` and `kind`. */
type FieldName<K extends Kind> = Exclude<keyof ConfigOf<K>, "name" | "kind"> & string;

export interface FieldSpec<K extends Kind> {
  name: FieldName<K>;
  label: string;
  placeholder: string;
  /** Optional fields are sent as `null` when left empty. */
  required: boolean;
  /**
   * A folder of this machine: the desktop may read only folders the user picked in the native dialog (or in
   * the data directory), so the field gets a "Choose…" button.
   */
  folder?: boolean;
}

/**
 * How the "add source" form asks for each kind of the generated `SourceConfig` union. The mapped type makes a
 * new backend kind a compile error until it is described here, so connectors slot in with one entry.
 */
export const SOURCE_KINDS: { [K in Kind]: { label: string; fields: FieldSpec<K>[] } } = {
  folder: {
    label: "Folder",
    fields: [{ name: "path", label: "Folder", placeholder: "/home/me/mesh", required: true, folder: true }],
  },
  git: {
    label: "Git repository",
    fields: [
      { name: "url", label: "Repository URL", placeholder: "https://github.com/org/mesh.git or /path/to/repo", required: true, folder: true },
      { name: "branch", label: "Branch", placeholder: "default branch", required: false },
    ],
  },
  openmetadata: {
    label: "OpenMetadata server",
    fields: [{ name: "url", label: "Server URL", placeholder: "https://openmetadata.example.com", required: true }],
  },
  datahub: {
    label: "DataHub server",
    fields: [{ name: "url", label: "Server URL", placeholder: "https://datahub.example.com", required: true }],
  },
  marquez: {
    label: "Marquez server (read-only)",
    fields: [{ name: "url", label: "Server URL", placeholder: "http://marquez.example.com:5000", required: true }],
  },
  entropy: {
    label: "Entropy Data server",
    fields: [{ name: "url", label: "Server URL", placeholder: "https://api.entropy-data.com", required: true }],
  },
  amundsen: {
    label: "Amundsen",
    fields: [
      { name: "url", label: "Metadata service URL", placeholder: "https://amundsen-metadata.example.com", required: true },
      { name: "search_url", label: "Search service URL", placeholder: "the metadata service URL", required: false },
    ],
  },
};

/** Catalog servers authenticate with a token the app keeps in the OS keyring. */
export function needsToken(kind: Kind): boolean {
  return kind !== "folder" && kind !== "git";
}

export const KIND_NAMES = Object.keys(SOURCE_KINDS) as Kind[];

export function fieldsOf(kind: Kind): FieldSpec<Kind>[] {
  return SOURCE_KINDS[kind].fields as FieldSpec<Kind>[];
}

/** Kinds whose connector applies a scope (`source add --scope-*`); the others refuse one. */
export function takesScope(kind: Kind): boolean {
  return kind === "openmetadata";
}

/** The scope's fields of the form: comma-separated names, and the hops of lineage around them. */
export const SCOPE_FIELDS = [
  { name: "scope_domains", label: "Domains", placeholder: "sales, finance" },
  { name: "scope_tags", label: "Tags", placeholder: "PII.Sensitive" },
  { name: "scope_owners", label: "Owners", placeholder: "team-a" },
] as const;
export const NEIGHBOURS_FIELD = "scope_neighbours";

/** The scope the form's fields give; `undefined` when they are all empty (the whole catalog). */
export function toScope(values: Record<string, string>): CatalogScope | undefined {
  const names = (field: string) =>
    (values[field] ?? "")
      .split(",")
      .map((value) => value.trim())
      .filter((value) => value !== "");
  const neighbours = Number.parseInt(values[NEIGHBOURS_FIELD] ?? "", 10);
  const scope: CatalogScope = {
    domains: names("scope_domains"),
    tags: names("scope_tags"),
    owners: names("scope_owners"),
    neighbours: Number.isNaN(neighbours) ? 0 : Math.max(0, neighbours),
  };
  const given = scope.domains.length + scope.tags.length + scope.owners.length > 0 || scope.neighbours > 0;
  return given ? scope : undefined;
}

/** Builds the command argument from the form's text fields. */
export function toSourceConfig(name: string, kind: Kind, values: Record<string, string>): SourceConfig {
  const config: Record<string, string | null | CatalogScope> = { name: name.trim(), kind };
  for (const field of fieldsOf(kind)) {
    const value = (values[field.name] ?? "").trim();
    config[field.name] = value === "" && !field.required ? null : value;
  }
  const scope = takesScope(kind) ? toScope(values) : undefined;
  if (scope !== undefined) config.scope = scope;
  return config as unknown as SourceConfig;
}

/** A scope in words, as the CLI's `source list` gives it: `domains sales, hr; 1 hop of lineage`. */
export function describeScope(scope: CatalogScope): string {
  const parts = (["domains", "tags", "owners"] as const)
    .filter((key) => scope[key].length > 0)
    .map((key) => `${key} ${scope[key].join(", ")}`);
  if (scope.neighbours > 0) parts.push(`${String(scope.neighbours)} hop${scope.neighbours === 1 ? "" : "s"} of lineage`);
  return parts.join("; ");
}

/** Where a source reads from, for the list (and what part of it, for a scoped catalog). */
export function describeSource(config: SourceConfig): string {
  const location = fieldsOf(config.kind)
    .map((field) => (config as unknown as Record<string, string | null>)[field.name])
    .filter((value): value is string => typeof value === "string" && value !== "")
    .join(" @ ");
  return config.scope === undefined ? location : `${location} (scope: ${describeScope(config.scope)})`;
}
