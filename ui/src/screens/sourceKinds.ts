import type { SourceConfig } from "../ipc/commands";

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

/** Builds the command argument from the form's text fields. */
export function toSourceConfig(name: string, kind: Kind, values: Record<string, string>): SourceConfig {
  const config: Record<string, string | null> = { name: name.trim(), kind };
  for (const field of fieldsOf(kind)) {
    const value = (values[field.name] ?? "").trim();
    config[field.name] = value === "" && !field.required ? null : value;
  }
  return config as unknown as SourceConfig;
}

/** Where a source reads from, for the list. */
export function describeSource(config: SourceConfig): string {
  return fieldsOf(config.kind)
    .map((field) => (config as unknown as Record<string, string | null>)[field.name])
    .filter((value): value is string => typeof value === "string" && value !== "")
    .join(" @ ");
}
