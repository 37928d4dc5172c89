// Generated from crates/app/src/commands.rs by `cargo test -p meshlens-app --test bindings`. Do not edit.

import type { About } from "./About";
import type { AccessEntry } from "./AccessEntry";
import type { AccessListArgs } from "./AccessListArgs";
import type { AccessRef } from "./AccessRef";
import type { AccessRequestArgs } from "./AccessRequestArgs";
import type { AccessRequested } from "./AccessRequested";
import type { Adoption } from "./Adoption";
import type { AdoptionArgs } from "./AdoptionArgs";
import type { AppError } from "./AppError";
import type { AppEvent } from "./AppEvent";
import type { AppInfo } from "./AppInfo";
import type { ChangesArgs } from "./ChangesArgs";
import type { ChangesFeed } from "./ChangesFeed";
import type { CheckArgs } from "./CheckArgs";
import type { CheckReport } from "./CheckReport";
import type { ConflictResolution } from "./ConflictResolution";
import type { ConflictResolveArgs } from "./ConflictResolveArgs";
import type { Consumer } from "./Consumer";
import type { DatasetMetrics } from "./DatasetMetrics";
import type { DiffArgs } from "./DiffArgs";
import type { DoctorArgs } from "./DoctorArgs";
import type { DoctorReport } from "./DoctorReport";
import type { Draft } from "./Draft";
import type { DraftCheck } from "./DraftCheck";
import type { DraftDiff } from "./DraftDiff";
import type { DraftEditArgs } from "./DraftEditArgs";
import type { DraftNewArgs } from "./DraftNewArgs";
import type { DraftRef } from "./DraftRef";
import type { Feedback } from "./Feedback";
import type { FeedbackArgs } from "./FeedbackArgs";
import type { FeedbackList } from "./FeedbackList";
import type { FollowArgs } from "./FollowArgs";
import type { Followed } from "./Followed";
import type { GetProductArgs } from "./GetProductArgs";
import type { HistoryArgs } from "./HistoryArgs";
import type { HistoryEntry } from "./HistoryEntry";
import type { ImpactArgs } from "./ImpactArgs";
import type { ImpactReport } from "./ImpactReport";
import type { ImportArgs } from "./ImportArgs";
import type { ImportOutcome } from "./ImportOutcome";
import type { IndexStats } from "./IndexStats";
import type { LineageArgs } from "./LineageArgs";
import type { LineageGraph } from "./LineageGraph";
import type { LineagePathArgs } from "./LineagePathArgs";
import type { LineageStatus } from "./LineageStatus";
import type { ListProductsArgs } from "./ListProductsArgs";
import type { Mesh } from "./Mesh";
import type { MeshArgs } from "./MeshArgs";
import type { NoArgs } from "./NoArgs";
import type { OutboxItem } from "./OutboxItem";
import type { OutboxRef } from "./OutboxRef";
import type { Ownership } from "./Ownership";
import type { ProductDetail } from "./ProductDetail";
import type { ProductSummary } from "./ProductSummary";
import type { QualityArgs } from "./QualityArgs";
import type { QualityMetricsArgs } from "./QualityMetricsArgs";
import type { QualityReport } from "./QualityReport";
import type { RemoveSourceArgs } from "./RemoveSourceArgs";
import type { RemoveSourceResult } from "./RemoveSourceResult";
import type { ReportArgs } from "./ReportArgs";
import type { ReportWritten } from "./ReportWritten";
import type { Retention } from "./Retention";
import type { RetentionArgs } from "./RetentionArgs";
import type { Scorecard } from "./Scorecard";
import type { ScorecardArgs } from "./ScorecardArgs";
import type { SearchArgs } from "./SearchArgs";
import type { SearchResults } from "./SearchResults";
import type { SetTokenArgs } from "./SetTokenArgs";
import type { SourceConfig } from "./SourceConfig";
import type { SourceRecord } from "./SourceRecord";
import type { SourceScopeArgs } from "./SourceScopeArgs";
import type { SubmitOutcome } from "./SubmitOutcome";
import type { SyncArgs } from "./SyncArgs";
import type { SyncReport } from "./SyncReport";
import type { SyncSchedule } from "./SyncSchedule";
import type { SyncScheduleStatus } from "./SyncScheduleStatus";
import type { TokenStored } from "./TokenStored";
import type { TrustScore } from "./TrustScore";
import type { Unfollowed } from "./Unfollowed";
import type { UnreadCount } from "./UnreadCount";
import type { UpdatePreferences } from "./UpdatePreferences";
import type { UpdateSettings } from "./UpdateSettings";
import type { UpgradeArgs } from "./UpgradeArgs";
import type { UpgradeReport } from "./UpgradeReport";
import type { ValidateArgs } from "./ValidateArgs";
import type { ValidationReport } from "./ValidationReport";
import type { VersionDiff } from "./VersionDiff";

export type { AppEvent, AppError };

/** Every backend command: its arguments and its result. */
export interface Commands {
  /** Version, data directory and cache counts. */
  app_info: { args: NoArgs; result: AppInfo };
  /** About meshlens: version, commit, data directory and its size, licences of the bundled packages. */
  about: { args: NoArgs; result: About };
  /** Registers the bundled demo mesh as source `demo` (if missing) and syncs it: the welcome screen's */
  /** "Try the demo". */
  open_demo: { args: NoArgs; result: SyncReport };
  /** The update settings in force: the user's, with what the machine's policy file fixes. */
  update_settings: { args: NoArgs; result: UpdateSettings };
  /** Stores the user's update mode and manifest URL; refuses what the policy fixes (`E_UPDATE_POLICY`). */
  set_update_preferences: { args: UpdatePreferences; result: UpdateSettings };
  /** Products in the cache, optionally of one domain, sorted by domain then name. */
  list_products: { args: ListProductsArgs; result: Array<ProductSummary> };
  /** One product with its ports, contracts, datasets and source file. */
  get_product: { args: GetProductArgs; result: ProductDetail };
  /** Who to ask about a product: business and technical owner, steward, on-call, escalation, members, */
  /** and the expected roles nobody holds. */
  owners: { args: GetProductArgs; result: Ownership };
  /** Who consumes a product: input ports on its output ports' contracts and runs seen in lineage */
  /** (`undeclared` when lineage shows a consumer that declares no input port). */
  consumers: { args: GetProductArgs; result: Array<Consumer> };
  /** Configured sources with their last sync. */
  list_sources: { args: NoArgs; result: Array<SourceRecord> };
  /** Registers a source (it is read on the next sync). */
  add_source: { args: SourceConfig; result: SourceRecord };
  /** Removes a source and everything cached from it. */
  remove_source: { args: RemoveSourceArgs; result: RemoveSourceResult };
  /** Replaces a catalog server source's scope (none: the whole catalog); the next sync reads it and */
  /** drops what left it. */
  set_source_scope: { args: SourceScopeArgs; result: SourceRecord };
  /** Syncs the named sources (all when none are named). */
  sync: { args: SyncArgs; result: SyncReport };
  /** Asks a running sync to stop; the cache keeps its previous state. */
  cancel_sync: { args: NoArgs; result: boolean };
  /** The background sync's schedule, its last run and when the next is due. */
  sync_schedule: { args: NoArgs; result: SyncScheduleStatus };
  /** Sets the background sync's interval (0 = off, else 5 to 1440 minutes) and whether breaking changes */
  /** to followed things are announced. */
  set_sync_schedule: { args: SyncSchedule; result: SyncScheduleStatus };
  /** Validates descriptor files against the official schemas. */
  validate: { args: ValidateArgs; result: Array<ValidationReport> };
  /** DCS, ODCS v2.2.x/v3.0.x contracts and DPS products (files, or cached ids) rewritten as ODCS */
  /** v3.1.0 / ODPS v1.1.0: reported per file, written to a folder (`out`) or made drafts (`draft`). */
  upgrade: { args: UpgradeArgs; result: Array<UpgradeReport> };
  /** Full-text search over products, contracts, datasets and columns, with facets. */
  search: { args: SearchArgs; result: SearchResults };
  /** Rebuilds the search index from the cache. */
  reindex: { args: NoArgs; result: IndexStats };
  /** Upstream and downstream lineage of a product, port, dataset or column. */
  lineage: { args: LineageArgs; result: LineageGraph };
  /** Whether the lineage graph is built (requests answered at once) or being built (they wait for it). */
  lineage_status: { args: NoArgs; result: LineageStatus };
  /** The shortest data-flow path between two nodes, if any. */
  lineage_path: { args: LineagePathArgs; result: LineageGraph | null };
  /** Everything downstream of a product, port, dataset or column, grouped by product. */
  impact: { args: ImpactArgs; result: ImpactReport };
  /** Imports OpenLineage events and quality results (dbt, Great Expectations, Soda) from a file or folder. */
  import: { args: ImportArgs; result: ImportOutcome };
  /** Quality check outcomes with a pass/fail/warn summary. */
  quality: { args: QualityArgs; result: QualityReport };
  /** History of a dataset's OpenLineage data-quality metrics (row count, bytes, files, per-column statistics). */
  quality_metrics: { args: QualityMetricsArgs; result: DatasetMetrics };
  /** Shows (no fields) or changes how long quality history is kept; applied after every import and sync. */
  quality_retention: { args: RetentionArgs; result: Retention };
  /** One scorecard per product: pass rate, failing checks, SLA breaches, policy violations. */
  scorecard: { args: ScorecardArgs; result: Array<Scorecard> };
  /** Checks products against the built-in and the sources' governance policies. */
  check: { args: CheckArgs; result: CheckReport };
  /** Writes the steward report: one self-contained HTML file. */
  report: { args: ReportArgs; result: ReportWritten };
  /** Checks the data directory (cache integrity, migrations, WAL, search index, lineage, sources, disk */
  /** space); with `repair`, rebuilds what is derived. Drafts, the outbox and tokens are never touched. */
  doctor: { args: DoctorArgs; result: DoctorReport };
  /** A new draft from a template (product or contract) or from a cached product or contract. */
  draft_new: { args: DraftNewArgs; result: Draft };
  /** Saves a draft's text (as typed) or sets dotted fields (`description.purpose=...`). */
  draft_edit: { args: DraftEditArgs; result: Draft };
  /** Every draft, oldest first. */
  draft_list: { args: NoArgs; result: Array<Draft> };
  /** One draft with its text, base and conflicts. */
  draft_get: { args: DraftRef; result: Draft };
  /** A draft against its base: field by field and as a line diff. */
  draft_diff: { args: DraftRef; result: DraftDiff };
  /** Schema errors (with lines), governance policies and the impact preview of a draft. */
  draft_check: { args: DraftRef; result: DraftCheck };
  /** Checks a draft and queues it in the outbox; delivers it at once when the target is reachable. */
  submit: { args: DraftRef; result: SubmitOutcome };
  /** The outbox, after delivering the items that are due. */
  outbox: { args: NoArgs; result: Array<OutboxItem> };
  /** Makes a queued or failed outbox item due now and tries it. */
  outbox_retry: { args: OutboxRef; result: OutboxItem };
  /** Drops an outbox item that was not delivered. */
  outbox_cancel: { args: OutboxRef; result: OutboxItem };
  /** Settles a draft's conflicts with upstream: mine or theirs, per field or all at once. */
  conflict_resolve: { args: ConflictResolveArgs; result: ConflictResolution };
  /** Requests access to a product's output port: the agreement file (Data Usage Agreement 0.0.1, */
  /** `info.status: requested`) waits in the outbox and goes to the product's folder or git source. */
  access_request: { args: AccessRequestArgs; result: AccessRequested };
  /** Withdraws an access request that was not delivered yet. */
  access_cancel: { args: AccessRef; result: AccessEntry };
  /** Access requests and agreements across all sources, with their status (My access with `mine`). */
  access_list: { args: AccessListArgs; result: Array<AccessEntry> };
  /** Every kept version of a product, contract or dataset, newest first. */
  history: { args: HistoryArgs; result: Array<HistoryEntry> };
  /** Two kept versions field by field, each change breaking or compatible with its reason (default: the */
  /** previous version against the newest). */
  diff: { args: DiffArgs; result: VersionDiff };
  /** What the syncs since the last one read (or a date, or a sync) added, removed and changed, grouped by */
  /** domain and product; cut to followed or breaking changes; `markRead` marks everything read. */
  changes: { args: ChangesArgs; result: ChangesFeed };
  /** The inbox badge: how many changes `changes` would list since the last sync read, of which breaking, and */
  /** breaking in followed things (counted, not sent). */
  unread: { args: NoArgs; result: UnreadCount };
  /** Follows a product, contract, dataset or domain. */
  follow: { args: FollowArgs; result: Followed };
  /** Stops following a product, contract, dataset or domain. */
  unfollow: { args: FollowArgs; result: Unfollowed };
  /** Everything followed. */
  following: { args: NoArgs; result: Array<Followed> };
  /** Domains (products, owner teams, health, score, consumers, the domains they feed and depend on) */
  /** and the product edges between domains, by kind: lineage, input_port or agreement. */
  mesh: { args: MeshArgs; result: Mesh };
  /** Consumers per product through agreements, lineage and input ports (`unused`: only products */
  /** with none), with the catalog's usage statistics where it has them. */
  adoption: { args: AdoptionArgs; result: Array<Adoption> };
  /** A product's trust score (0–100) with each factor's value, weight and reason. */
  trust: { args: GetProductArgs; result: TrustScore };
  /** Rates a product (1–5) with an optional comment; kept on this machine, private. */
  feedback: { args: FeedbackArgs; result: Feedback };
  /** A product's ratings, newest first, with their count and mean. */
  feedback_list: { args: GetProductArgs; result: FeedbackList };
  /** Stores a catalog server source's token in the OS keyring (never in the cache or config); never returns it. */
  set_token: { args: SetTokenArgs; result: TokenStored };
}

export type CommandName = keyof Commands;

export const COMMAND_NAMES: readonly CommandName[] = [
  "app_info",
  "about",
  "open_demo",
  "update_settings",
  "set_update_preferences",
  "list_products",
  "get_product",
  "owners",
  "consumers",
  "list_sources",
  "add_source",
  "remove_source",
  "set_source_scope",
  "sync",
  "cancel_sync",
  "sync_schedule",
  "set_sync_schedule",
  "validate",
  "upgrade",
  "search",
  "reindex",
  "lineage",
  "lineage_status",
  "lineage_path",
  "impact",
  "import",
  "quality",
  "quality_metrics",
  "quality_retention",
  "scorecard",
  "check",
  "report",
  "doctor",
  "draft_new",
  "draft_edit",
  "draft_list",
  "draft_get",
  "draft_diff",
  "draft_check",
  "submit",
  "outbox",
  "outbox_retry",
  "outbox_cancel",
  "conflict_resolve",
  "access_request",
  "access_cancel",
  "access_list",
  "history",
  "diff",
  "changes",
  "unread",
  "follow",
  "unfollow",
  "following",
  "mesh",
  "adoption",
  "trust",
  "feedback",
  "feedback_list",
  "set_token",
];
