import { useCallback, useEffect, useState } from "react";

import { CommandPalette, type PaletteAction } from "./components/CommandPalette";
import { Header } from "./components/Header";
import type { Backend } from "./ipc/backend";
import type { SyncProgress } from "./ipc/commands";
import { type BackendError, toBackendError } from "./ipc/errors";
import { Loading } from "./components/Loading";
import { BreakingNoticeBanner } from "./components/BackgroundSync";
import { StartupUpdateBanner } from "./components/Updates";
import { markInteractive } from "./perf";
import { usePrefs } from "./prefs";
import { EditorScreen } from "./components/editor/EditorScreen";
import { type Route, SCREENS } from "./route";
import { AboutScreen } from "./screens/AboutScreen";
import { AccessScreen } from "./screens/AccessScreen";
import { DatasetScreen } from "./screens/DatasetScreen";
import { HomeScreen } from "./screens/HomeScreen";
import { MeshScreen } from "./screens/MeshScreen";
import { InboxScreen } from "./screens/InboxScreen";
import { LineageScreen } from "./screens/LineageScreen";
import { ProductScreen } from "./screens/ProductScreen";
import { SourcesScreen } from "./screens/SourcesScreen";
import { StewardScreen } from "./screens/StewardScreen";
import { WelcomeScreen } from "./screens/WelcomeScreen";
import { useCommand } from "./useCommand";
import { ErrorBanner } from "./components/ErrorState";

/**
 * A sync that fails stops without a `done` event; after this long without events the sync indicator is
 * cleared and the views reload anyway (a failed sync leaves the cache as it was, so that reload is harmless).
 */
export const SYNC_QUIET_MS = 3000;

/** Follows syncs on the event stream; bumps `generation` when one ends so every view reloads the cache. */
function useSyncState(backend: Backend): { generation: number; progress: SyncProgress | null; reload: () => void } {
  const [generation, setGeneration] = useState(0);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  useEffect(() => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => void) | undefined;
    let active = true;
    const finished = () => {
      clearTimeout(quiet);
      setProgress(null);
      setGeneration((g) => g + 1);
    };
    void backend
      .onEvent((event) => {
        if (event.type !== "syncProgress") return;
        if (event.phase === "done") {
          finished();
          return;
        }
        setProgress(event);
        clearTimeout(quiet);
        quiet = setTimeout(finished, SYNC_QUIET_MS);
      })
      .then((stop) => {
        if (active) unsubscribe = stop;
        else stop();
      });
    return () => {
      active = false;
      clearTimeout(quiet);
      unsubscribe?.();
    };
  }, [backend]);
  return { generation, progress, reload };
}

function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => {
      setOnline(navigator.onLine);
    };
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

/** The state of a sync started from the UI ("Sync now"), shared by the palette and the sources screen. */
export interface SyncRun {
  running: boolean;
  error: BackendError | null;
  start: (names?: string[]) => void;
  cancel: () => void;
}

function useSyncRun(backend: Backend, reload: () => void): SyncRun {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const start = useCallback(
    (names?: string[]) => {
      setRunning(true);
      setError(null);
      backend.call("sync", names === undefined ? {} : { names }).then(
        () => {
          setRunning(false);
          reload();
        },
        (reason: unknown) => {
          setRunning(false);
          setError(toBackendError(reason));
          reload();
        },
      );
    },
    [backend, reload],
  );
  const cancel = useCallback(() => {
    backend.call("cancel_sync", {}).catch((reason: unknown) => {
      setError(toBackendError(reason));
    });
  }, [backend]);
  return { running, error, start, cancel };
}

function sameRoute(a: Route, b: Route): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function App({ backend }: { backend: Backend }) {
  const { generation, progress, reload } = useSyncState(backend);
  const info = useCommand(backend, "app_info", {}, generation);
  // The inbox badge: changes since the last sync read (counted by the backend); reading them (Mark all read) asks again.
  const [reads, setReads] = useState(0);
  const unread = useCommand(backend, "unread", {}, generation + reads);
  const prefs = usePrefs();
  const online = useOnline();
  const syncRun = useSyncRun(backend, reload);
  const [history, setHistory] = useState<Route[]>([{ screen: "home" }]);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const route = history[history.length - 1] ?? { screen: "home" };

  const navigate = useCallback((next: Route) => {
    setHistory((h) => {
      const last = h[h.length - 1];
      return last !== undefined && sameRoute(last, next) ? h : [...h, next];
    });
  }, []);
  const back = useCallback(() => {
    setHistory((h) => (h.length > 1 ? h.slice(0, -1) : h));
  }, []);

  useEffect(() => {
    markInteractive();
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setPaletteOpen((open) => !open);
      } else if (event.altKey && event.key === "ArrowLeft") {
        back();
      } else if (event.altKey && /^[1-8]$/.test(event.key)) {
        const target = SCREENS[Number(event.key) - 1];
        if (target !== undefined) navigate(target.route);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [back, navigate]);

  const actions: PaletteAction[] = [
    { id: "sync", label: "Sync now", run: () => { syncRun.start(); } },
    { id: "cancel", label: "Cancel sync", run: syncRun.cancel },
    { id: "theme-light", label: "Theme: light", run: () => { prefs.setTheme("light"); } },
    { id: "theme-dark", label: "Theme: dark", run: () => { prefs.setTheme("dark"); } },
    { id: "theme-system", label: "Theme: follow the system", run: () => { prefs.setTheme("system"); } },
    { id: "reindex", label: "Rebuild the search index", run: () => { void backend.call("reindex", {}).then(reload, reload); } },
    { id: "about", label: "About meshlens", run: () => { navigate({ screen: "about" }); } },
  ];
  // A machine without any source starts on the welcome screen instead of an empty product list; until the
  // first answer says which, home shows neither (no flash of the wrong one).
  const atHome = route.screen === "home" && info.state !== "loading";
  const welcome = atHome && info.state === "ready" && info.data.sources === 0;

  return (
    <div className="app">
      <Header
        info={info}
        unread={unread.state === "ready" ? unread.data : null}
        progress={progress}
        online={online}
        route={route}
        theme={prefs.theme}
        canGoBack={history.length > 1}
        onBack={back}
        onTheme={prefs.setTheme}
        navigate={navigate}
        onPalette={() => {
          setPaletteOpen(true);
        }}
      />
      <ErrorBanner error={syncRun.error} />
      <StartupUpdateBanner backend={backend} />
      <BreakingNoticeBanner
        backend={backend}
        onOpenInbox={() => {
          navigate({ screen: "inbox" });
        }}
      />
      <main className="screen">
        {route.screen === "home" && info.state === "loading" && <Loading label="Opening the cache…" />}
        {welcome && <WelcomeScreen backend={backend} navigate={navigate} reload={reload} />}
        {atHome && !welcome && <HomeScreen backend={backend} generation={generation} prefs={prefs} navigate={navigate} />}
        {route.screen === "product" && (
          <ProductScreen key={route.id} backend={backend} id={route.id} generation={generation} prefs={prefs} navigate={navigate} />
        )}
        {route.screen === "dataset" && <DatasetScreen backend={backend} route={route} generation={generation} navigate={navigate} />}
        {route.screen === "lineage" && (
          <LineageScreen key={`${route.id}:${route.level}`} backend={backend} initialId={route.id} initialLevel={route.level} navigate={navigate} />
        )}
        {route.screen === "drafts" && (
          <EditorScreen
            key={`${route.productId ?? ""}-${route.draftId ?? ""}`}
            backend={backend}
            productId={route.productId}
            draftId={route.draftId}
          />
        )}
        {route.screen === "about" && <AboutScreen backend={backend} />}
        {route.screen === "access" && <AccessScreen backend={backend} generation={generation} navigate={navigate} />}
        {route.screen === "inbox" && (
          <InboxScreen backend={backend} generation={generation + reads} navigate={navigate} onRead={() => { setReads((r) => r + 1); }} />
        )}
        {route.screen === "mesh" && <MeshScreen backend={backend} generation={generation} focus={route.focus} navigate={navigate} />}
        {route.screen === "steward" && <StewardScreen backend={backend} generation={generation} navigate={navigate} />}
        {route.screen === "sources" && (
          <SourcesScreen
            key={route.addKind ?? ""}
            backend={backend}
            generation={generation}
            progress={progress}
            syncRun={syncRun}
            reload={reload}
            theme={prefs.theme}
            onTheme={prefs.setTheme}
            navigate={navigate}
            addKind={route.addKind}
          />
        )}
      </main>
      {paletteOpen && (
        <CommandPalette
          backend={backend}
          generation={generation}
          actions={actions}
          navigate={navigate}
          onClose={() => {
            setPaletteOpen(false);
          }}
        />
      )}
    </div>
  );
}
