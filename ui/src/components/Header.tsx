import type { AppInfo, SyncProgress, UnreadCount } from "../ipc/commands";
import type { Theme } from "../prefs";
import { type Navigate, type Route, SCREENS } from "../route";
import type { Resource } from "../useCommand";

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function describeProgress(progress: SyncProgress): string {
  const counted = progress.total > 0 ? ` ${progress.done}/${progress.total}` : "";
  return `Syncing ${progress.source}: ${progress.phase}${counted}`;
}

/** "12 unread changes, 1 breaking in what you follow" (the e2e test reads the leading number). */
export function inboxLabel(unread: UnreadCount | null): string {
  const count = plural(unread?.changes ?? 0, "unread change", "unread changes");
  return unread !== null && unread.followedBreaking > 0 ? `${count}, ${String(unread.followedBreaking)} breaking in what you follow` : count;
}

const NEXT_THEME: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const THEME_ICON: Record<Theme, string> = { system: "◐", light: "☀", dark: "☾" };

interface Props {
  info: Resource<AppInfo>;
  /** Changes since the last sync read (the inbox badge); `null` until counted. */
  unread: UnreadCount | null;
  progress: SyncProgress | null;
  online: boolean;
  route: Route;
  theme: Theme;
  canGoBack: boolean;
  onBack: () => void;
  onTheme: (theme: Theme) => void;
  onPalette: () => void;
  navigate: Navigate;
}

/** App title, navigation, cache counts, sync and network state, theme. */
export function Header({ info, unread, progress, online, route, theme, canGoBack, onBack, onTheme, onPalette, navigate }: Props) {
  return (
    <header className="app-header">
      <div className="brand">
        <img src="/favicon.png" alt="" width={22} height={22} />
        <h1>meshlens</h1>
      </div>
      <button type="button" className="icon-button" onClick={onBack} disabled={!canGoBack} aria-label="Back" title="Back (Alt+←)">
        ←
      </button>
      <nav className="nav" aria-label="screens">
        {SCREENS.map((s) => (
          <button
            key={s.label}
            type="button"
            className={s.route.screen === route.screen ? "nav-item current" : "nav-item"}
            aria-current={s.route.screen === route.screen ? "page" : undefined}
            // The bar shows the short word, so seven screens fit a 1280 px window beside the counts; the full
            // name is what assistive technology, the palette and the tooltip say.
            aria-label={s.label}
            title={`${s.label} (${s.shortcut})`}
            onClick={() => {
              navigate(s.route);
            }}
          >
            {s.short}
          </button>
        ))}
      </nav>
      <div className="header-right">
        {progress !== null && (
          <p className="syncing" role="status" title={describeProgress(progress)}>
            <span className="spinner" aria-hidden="true" />
            <span className="syncing-text">{describeProgress(progress)}</span>
          </p>
        )}
        {!online && (
          <p className="offline" role="status" title="No network: sources that need one cannot sync; the local cache still works.">
            Offline
          </p>
        )}
        {info.state === "ready" && (
          <p className="counts" aria-label="cache counts" title={info.data.dataDir}>
            {plural(info.data.products, "product", "products")} · {plural(info.data.contracts, "contract", "contracts")} ·{" "}
            {plural(info.data.sources, "source", "sources")}
          </p>
        )}
        {info.state === "failed" && (
          <p className="counts header-error" role="alert">
            <code className="error-code">{info.error.code}</code> {info.error.message}
          </p>
        )}
        <button
          type="button"
          className="icon-button inbox-button"
          onClick={() => {
            navigate({ screen: "inbox" });
          }}
          aria-label={`Inbox: ${inboxLabel(unread)}`}
          title="Inbox (Alt+7)"
        >
          ✉
          {unread !== null && unread.changes > 0 && (
            <span className={unread.followedBreaking > 0 ? "unread-badge unread-alarm" : "unread-badge"}>{unread.changes}</span>
          )}
        </button>
        <button type="button" className="icon-button" onClick={onPalette} title="Command palette (Ctrl+K)" aria-label="Command palette">
          ⌘K
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={() => {
            onTheme(NEXT_THEME[theme]);
          }}
          aria-label={`Theme: ${theme}`}
          title={`Theme: ${theme} (click for ${NEXT_THEME[theme]})`}
        >
          {THEME_ICON[theme]}
        </button>
      </div>
    </header>
  );
}
