import type { Level, SourceConfig } from "./ipc/commands";

/** Where the user is. Screens navigate by handing the App a new route. */
export type Route =
  | { screen: "home" }
  | { screen: "product"; id: string }
  | { screen: "dataset"; product: string; contract: string; dataset: string }
  | { screen: "lineage"; id: string; level: Level }
  | { screen: "steward" }
  /** `addKind` opens the "add source" form on that kind (the welcome screen's ways in). */
  | { screen: "sources"; addKind?: SourceConfig["kind"] }
  /** Version, data directory, bundled licences. */
  | { screen: "about" }
  /** Drafts and the outbox; `productId` is the product to offer "edit" for, `draftId` a draft to open at once. */
  | { screen: "drafts"; productId: string | null; draftId?: number }
  /** My access: access requests and agreements. */
  | { screen: "access" }
  /** What changed since the last sync read. */
  | { screen: "inbox" }
  /** The domain map; `focus` shows one domain with its neighbours and its page. */
  | { screen: "mesh"; focus: string | null };

export type Navigate = (route: Route) => void;

/** Top-level screens, in the order the navigation bar and the command palette list them. */
export const SCREENS: { route: Route; label: string; short: string; shortcut: string }[] = [
  { route: { screen: "home" }, label: "Search", short: "Search", shortcut: "Alt+1" },
  { route: { screen: "steward" }, label: "Steward dashboard", short: "Steward", shortcut: "Alt+2" },
  { route: { screen: "lineage", id: "", level: "product" }, label: "Lineage explorer", short: "Lineage", shortcut: "Alt+3" },
  { route: { screen: "sources" }, label: "Sources & settings", short: "Sources", shortcut: "Alt+4" },
  { route: { screen: "drafts", productId: null }, label: "Drafts & outbox", short: "Drafts", shortcut: "Alt+5" },
  { route: { screen: "access" }, label: "My access", short: "Access", shortcut: "Alt+6" },
  { route: { screen: "inbox" }, label: "Inbox", short: "Inbox", shortcut: "Alt+7" },
  { route: { screen: "mesh", focus: null }, label: "Mesh map", short: "Mesh", shortcut: "Alt+8" },
];
