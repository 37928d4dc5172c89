// Hand-written mirror of the parts of the command table this screen uses, until ts-rs generates
// ui/src/ipc/bindings (crates/app/tests/bindings.rs). Shapes follow ts-rs: Option<T> is `T | null`.

export interface AppError {
  code: string;
  message: string;
}

export type AppEvent = { type: "syncProgress" } & Record<string, unknown>;

export interface AppInfo {
  version: string;
  dataDir: string;
  sources: number;
  products: number;
  contracts: number;
  datasets: number;
}

export interface ProductSummary {
  id: string;
  name: string | null;
  domain: string | null;
  status: string | null;
  version: string | null;
  owner_team: string | null;
  tags: string[];
  source: string;
}

export interface TeamMember {
  username: string | null;
  name: string | null;
  role: string | null;
}

export interface InputPort {
  name: string;
  version: string | null;
  contract_id: string | null;
}

export interface OutputPort {
  name: string;
  version: string | null;
  contract_id: string | null;
  port_type: string | null;
  description: string | null;
  input_contracts: string[];
}

export interface Product {
  id: string;
  name: string | null;
  domain: string | null;
  tenant: string | null;
  status: string | null;
  version: string | null;
  owner_team: string | null;
  owner: string | null;
  team_members: TeamMember[];
  tags: string[];
  description: string | null;
  limitations: string | null;
  usage: string | null;
  input_ports: InputPort[];
  output_ports: OutputPort[];
  classification: string | null;
  retention: string | null;
}

export interface Column {
  name: string;
  logical_type: string | null;
  physical_type: string | null;
  description: string | null;
  classification: string | null;
  required: boolean;
  primary_key: boolean;
  unique: boolean;
  tags: string[];
}

export interface Dataset {
  name: string;
  physical_name: string | null;
  physical_type: string | null;
  description: string | null;
  classification: string | null;
  columns: Column[];
}

export interface Contract {
  id: string;
  version: string | null;
  name: string | null;
  status: string | null;
  domain: string | null;
  owner_team: string | null;
  description: string | null;
  tags: string[];
  datasets: Dataset[];
  classification: string | null;
  retention: string | null;
}

export type PortDirection = "in" | "out";

export interface PortRef {
  direction: PortDirection;
  port: string;
  contract_id: string;
  version: string | null;
}

export interface PortContract {
  port: PortRef;
  contract: Contract;
  source: string;
  path: string;
  raw: string;
  producer: string | null;
}

export interface ProductDetail {
  product: Product;
  source: string;
  path: string;
  kind: "odps" | "odcs" | "dps" | "dcs";
  declared_version: string;
  raw: string;
  canonical: unknown;
  contracts: PortContract[];
  missing_contracts: PortRef[];
}

/** Every backend command this UI calls: its arguments and its result. */
export interface Commands {
  app_info: { args: Record<string, never>; result: AppInfo };
  list_products: { args: { domain?: string }; result: ProductSummary[] };
  get_product: { args: { id: string }; result: ProductDetail };
}

export type CommandName = keyof Commands;
