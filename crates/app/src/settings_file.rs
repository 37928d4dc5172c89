//! The user's settings files in the data directory (`update-settings.json`, `sync-schedule.json`): small JSON
//! documents read leniently (a missing or damaged file gives the defaults, since a setting must never keep the
//! app from starting) and replaced atomically (a crash mid-write leaves the previous file).

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{AppError, ErrorCode};

/// A settings file is a few lines; a larger one is not ours and is ignored.
const MAX_SETTINGS_BYTES: u64 = 64 * 1024;

/// The settings in `path`, or the defaults when the file is missing, too large or not valid.
pub(crate) fn read_settings<T: DeserializeOwned + Default>(path: &Path) -> T {
    let small = std::fs::metadata(path).is_ok_and(|meta| meta.len() <= MAX_SETTINGS_BYTES);
    if !small {
        return T::default();
    }
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes `value` to `path` through a temporary file renamed over it; `what` names the settings in the error.
pub(crate) fn write_settings<T: Serialize>(
    path: &Path,
    value: &T,
    what: &str,
) -> Result<(), AppError> {
    let text = serde_json::to_vec_pretty(value).expect("settings serialize");
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|err| AppError::new(ErrorCode::Io, format!("cannot save the {what}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, serde::Deserialize)]
    struct Sample {
        minutes: u32,
    }

    #[test]
    fn settings_round_trip_and_damage_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.json");
        assert_eq!(read_settings::<Sample>(&path), Sample::default());
        write_settings(&path, &Sample { minutes: 30 }, "sample settings").unwrap();
        assert_eq!(read_settings::<Sample>(&path), Sample { minutes: 30 });
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(read_settings::<Sample>(&path), Sample::default());
        std::fs::write(&path, vec![b' '; 100 * 1024]).unwrap();
        assert_eq!(read_settings::<Sample>(&path), Sample::default());
    }
}
