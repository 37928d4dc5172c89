import { useCallback, useEffect, useState } from "react";

/** Products the user opened or starred, kept in localStorage so they survive restarts. */
export interface ProductRef {
  id: string;
  name: string | null;
}

export type Theme = "system" | "light" | "dark";

const RECENT_KEY = "meshlens.recent";
const FAVOURITES_KEY = "meshlens.favourites";
const THEME_KEY = "meshlens.theme";
export const RECENT_LIMIT = 8;

function read<T>(key: string, fallback: T, valid: (value: unknown) => value is T): T {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return fallback;
    const parsed: unknown = JSON.parse(raw);
    return valid(parsed) ? parsed : fallback;
  } catch {
    // A corrupt or unavailable store must not break the app: start empty.
    return fallback;
  }
}

function isRefList(value: unknown): value is ProductRef[] {
  return Array.isArray(value) && value.every((item) => typeof item === "object" && item !== null && typeof (item as ProductRef).id === "string");
}

function isTheme(value: unknown): value is Theme {
  return value === "system" || value === "light" || value === "dark";
}

function usePersisted<T>(key: string, fallback: T, valid: (value: unknown) => value is T): [T, (next: T) => void] {
  const [value, setValue] = useState<T>(() => read(key, fallback, valid));
  const save = useCallback(
    (next: T) => {
      setValue(next);
      try {
        localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // Storage full or disabled: the preference lasts for this session only.
      }
    },
    [key],
  );
  return [value, save];
}

export interface Prefs {
  recent: ProductRef[];
  favourites: ProductRef[];
  theme: Theme;
  visited: (product: ProductRef) => void;
  toggleFavourite: (product: ProductRef) => void;
  isFavourite: (id: string) => boolean;
  setTheme: (theme: Theme) => void;
}

export function usePrefs(): Prefs {
  const [recent, setRecent] = usePersisted<ProductRef[]>(RECENT_KEY, [], isRefList);
  const [favourites, setFavourites] = usePersisted<ProductRef[]>(FAVOURITES_KEY, [], isRefList);
  const [theme, setTheme] = usePersisted<Theme>(THEME_KEY, "system", isTheme);

  useEffect(() => {
    if (theme === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  return {
    recent,
    favourites,
    theme,
    setTheme,
    visited: (product) => {
      if (recent[0]?.id === product.id && recent[0].name === product.name) return;
      setRecent([product, ...recent.filter((r) => r.id !== product.id)].slice(0, RECENT_LIMIT));
    },
    toggleFavourite: (product) => {
      setFavourites(
        favourites.some((f) => f.id === product.id)
          ? favourites.filter((f) => f.id !== product.id)
          : [...favourites, product],
      );
    },
    isFavourite: (id) => {
      return favourites.some((f) => f.id === id);
    },
  };
}
