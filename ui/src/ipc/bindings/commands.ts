// Generated from crates/app/src/commands.rs by `cargo test -p meshlens-app --test bindings`. Do not edit.

import type { AppError } from "./AppError";
import type { AppEvent } from "./AppEvent";
import type { AppInfo } from "./AppInfo";
import type { CheckArgs } from "./CheckArgs";
import type { CheckReport } from "./CheckReport";
import type { GetProductArgs } from "./GetProductArgs";
import type { ImpactArgs } from "./ImpactArgs";
import type { ImpactReport } from "./ImpactReport";
import type { ImportArgs } from "./ImportArgs";
import type { ImportOutcome } from "./ImportOutcome";
import type { IndexStats } from "./IndexStats";
import type { LineageArgs } from "./LineageArgs";
import type { LineageGraph } from "./LineageGraph";
import type { LineagePathArgs } from "./LineagePathArgs";
import type { ListProductsArgs } from "./ListProductsArgs";
import type { NoArgs } from "./NoArgs";
import type { ProductDetail } from "./ProductDetail";
import type { ProductSummary } from "./ProductSummary";
import type { QualityArgs } from "./QualityArgs";
import type { QualityReport } from "./QualityReport";
import type { RemoveSourceArgs } from "./RemoveSourceArgs";
import type { RemoveSourceResult } from "./RemoveSourceResult";
import type { ReportArgs } from "./ReportArgs";
import type { ReportWritten } from "./ReportWritten";
import type { Scorecard } from "./Scorecard";
import type { ScorecardArgs } from "./ScorecardArgs";
import type { SearchArgs } from "./SearchArgs";
import type { SearchResults } from "./SearchResults";
import type { SetTokenArgs } from "./SetTokenArgs";
import type { SourceConfig } from "./SourceConfig";
import type { SourceRecord } from "./SourceRecord";
import type { SyncArgs } from "./SyncArgs";
import type { SyncReport } from "./SyncReport";
import type { TokenStored } from "./TokenStored";
import type { ValidateArgs } from "./ValidateArgs";
import type { ValidationReport } from "./ValidationReport";

export type { AppEvent, AppError };

/** Every backend command: its arguments and its result. */
export interface Commands {
  /** Version, data directory and cache counts. */
  app_info: { args: NoArgs; result: AppInfo };
  /** Products in the cache, optionally of one domain, sorted by domain then name. */
  list_products: { args: ListProductsArgs; result: Array<ProductSummary> };
  /** One product with its ports, contracts, datasets and source file. */
  get_product: { args: GetProductArgs; result: ProductDetail };
  /** Configured sources with their last sync. */
  list_sources: { args: NoArgs; result: Array<SourceRecord> };
  /** Registers a source (it is read on the next sync). */
  add_source: { args: SourceConfig; result: SourceRecord };
  /** Removes a source and everything cached from it. */
  remove_source: { args: RemoveSourceArgs; result: RemoveSourceResult };
  /** Syncs the named sources (all when none are named). */
  sync: { args: SyncArgs; result: SyncReport };
  /** Asks a running sync to stop; the cache keeps its previous state. */
  cancel_sync: { args: NoArgs; result: boolean };
  /** Validates descriptor files against the official schemas. */
  validate: { args: ValidateArgs; result: Array<ValidationReport> };
  /** Full-text search over products, contracts, datasets and columns, with facets. */
  search: { args: SearchArgs; result: SearchResults };
  /** Rebuilds the search index from the cache. */
  reindex: { args: NoArgs; result: IndexStats };
  /** Upstream and downstream lineage of a product, port, dataset or column. */
  lineage: { args: LineageArgs; result: LineageGraph };
  /** The shortest data-flow path between two nodes, if any. */
  lineage_path: { args: LineagePathArgs; result: LineageGraph | null };
  /** Everything downstream of a product, port, dataset or column, grouped by product. */
  impact: { args: ImpactArgs; result: ImpactReport };
  /** Imports OpenLineage events and quality results (dbt, Great Expectations, Soda) from a file or folder. */
  import: { args: ImportArgs; result: ImportOutcome };
  /** Quality check outcomes with a pass/fail/warn summary. */
  quality: { args: QualityArgs; result: QualityReport };
  /** One scorecard per product: pass rate, failing checks, SLA breaches, policy violations. */
  scorecard: { args: ScorecardArgs; result: Array<Scorecard> };
  /** Checks products against the built-in and the sources' governance policies. */
  check: { args: CheckArgs; result: CheckReport };
  /** Writes the steward report: one self-contained HTML file. */
  report: { args: ReportArgs; result: ReportWritten };
  /** Stores a catalog server source's token in the OS keyring (never in the cache or config); never returns it. */
  set_token: { args: SetTokenArgs; result: TokenStored };
}

export type CommandName = keyof Commands;

export const COMMAND_NAMES: readonly CommandName[] = [
  "app_info",
  "list_products",
  "get_product",
  "list_sources",
  "add_source",
  "remove_source",
  "sync",
  "cancel_sync",
  "validate",
  "search",
  "reindex",
  "lineage",
  "lineage_path",
  "impact",
  "import",
  "quality",
  "scorecard",
  "check",
  "report",
  "set_token",
];
