// The UI's vocabulary for the command table: the types ts-rs generates from crates/app into ./bindings
// (`make bindings`), re-exported so components import from one place.
export type { AppError, AppEvent, CommandName, Commands } from "./bindings/commands";
export type { AppInfo } from "./bindings/AppInfo";
export type { Column } from "./bindings/Column";
export type { PortContract } from "./bindings/PortContract";
export type { ProductDetail } from "./bindings/ProductDetail";
export type { ProductSummary } from "./bindings/ProductSummary";
export type { SyncProgress } from "./bindings/SyncProgress";
