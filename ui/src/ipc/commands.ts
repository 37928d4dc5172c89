// The UI's vocabulary for the command table: the types ts-rs generates from crates/app into ./bindings
// (`make bindings`), re-exported so components import from one place.
export type { AppError, AppEvent, CommandName, Commands } from "./bindings/commands";
export type { AppInfo } from "./bindings/AppInfo";
export type { Column } from "./bindings/Column";
export type { PortContract } from "./bindings/PortContract";
export type { ProductDetail } from "./bindings/ProductDetail";
export type { ProductSummary } from "./bindings/ProductSummary";
export type { SyncProgress } from "./bindings/SyncProgress";
export type { CheckReport } from "./bindings/CheckReport";
export type { Contract } from "./bindings/Contract";
export type { Dataset } from "./bindings/Dataset";
export type { Facets } from "./bindings/Facets";
export type { GraphEdge } from "./bindings/GraphEdge";
export type { GraphNode } from "./bindings/GraphNode";
export type { Level } from "./bindings/Level";
export type { LineageGraph } from "./bindings/LineageGraph";
export type { QualityReport } from "./bindings/QualityReport";
export type { QualityResult } from "./bindings/QualityResult";
export type { QualityRule } from "./bindings/QualityRule";
export type { Scorecard } from "./bindings/Scorecard";
export type { SearchArgs } from "./bindings/SearchArgs";
export type { SearchHit } from "./bindings/SearchHit";
export type { SearchResults } from "./bindings/SearchResults";
export type { SlaProperty } from "./bindings/SlaProperty";
export type { SourceConfig } from "./bindings/SourceConfig";
export type { SourceRecord } from "./bindings/SourceRecord";
export type { SyncReport } from "./bindings/SyncReport";
export type { Violation } from "./bindings/Violation";
