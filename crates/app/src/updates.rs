//! Update settings: what the user chose, and what the machine's administrator fixed in a policy file
//! (`/etc/meshlens/policy.json`), for companies that mirror releases internally or update by other means.
//! The check itself runs in the desktop shell (Tauri's updater plugin); this module only decides whether it
//! may run and against which manifest.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::NoArgs;
use crate::settings_file::{read_settings, write_settings};
use crate::{App, AppError, ErrorCode, EventSink};

/// The machine-wide policy: `{"updates": "off"|"manual"|"auto", "updateUrl": "..."}`, both optional.
pub const POLICY_FILE: &str = "/etc/meshlens/policy.json";
/// Reads the policy from another file (tests, and machines that keep policies elsewhere).
pub const POLICY_FILE_ENV: &str = "MESHLENS_POLICY_FILE";
/// Where released versions are announced (a Tauri updater manifest).
pub const DEFAULT_UPDATE_URL: &str = "https://meshlens.dev/releases/latest.json";
/// The user's choices, beside the cache in the data directory.
const PREFERENCES_FILE: &str = "update-settings.json";
/// A policy file is a few lines; anything larger is not one.
const MAX_POLICY_BYTES: u64 = 64 * 1024;

/// `off`: no check and no action; `manual`: the user checks; `auto`: also checked when the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    Off,
    Manual,
    Auto,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MachinePolicy {
    updates: Option<UpdateMode>,
    update_url: Option<String>,
}

/// What the user may change (Settings): the mode and the manifest URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdatePreferences {
    pub mode: UpdateMode,
    /// `None`: the official release manifest.
    #[ts(optional)]
    pub url: Option<String>,
}

impl Default for UpdatePreferences {
    fn default() -> UpdatePreferences {
        UpdatePreferences {
            mode: UpdateMode::Manual,
            url: None,
        }
    }
}

/// The settings in force: the user's, with what the policy fixes taking precedence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSettings {
    pub mode: UpdateMode,
    pub url: String,
    /// The administrator fixed the mode (the user cannot change it).
    pub mode_fixed: bool,
    /// The administrator fixed the URL.
    pub url_fixed: bool,
    /// Set when the policy file exists but cannot be used; updates are then off until it is mended.
    pub policy_error: Option<String>,
}

impl UpdateSettings {
    /// Resolves `preferences` against `policy`; a broken policy switches updates off (it meant to restrict).
    fn resolve(
        preferences: UpdatePreferences,
        policy: Result<MachinePolicy, String>,
    ) -> UpdateSettings {
        let (policy, policy_error) = match policy {
            Ok(policy) => (policy, None),
            Err(error) => {
                let off = MachinePolicy {
                    updates: Some(UpdateMode::Off),
                    update_url: None,
                };
                (off, Some(error))
            }
        };
        UpdateSettings {
            mode_fixed: policy.updates.is_some(),
            url_fixed: policy.update_url.is_some(),
            mode: policy.updates.unwrap_or(preferences.mode),
            url: policy
                .update_url
                .or(preferences.url)
                .unwrap_or_else(|| DEFAULT_UPDATE_URL.to_string()),
            policy_error,
        }
    }
}

fn policy_path() -> PathBuf {
    std::env::var_os(POLICY_FILE_ENV)
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from(POLICY_FILE), PathBuf::from)
}

/// The machine policy; no file means no policy. Errors are sentences for the settings screen.
fn read_policy(path: &Path) -> Result<MachinePolicy, String> {
    let text = match std::fs::metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(MachinePolicy::default());
        }
        Err(err) => {
            return Err(format!(
                "cannot read the update policy {}: {err}",
                path.display()
            ));
        }
        Ok(meta) if meta.len() > MAX_POLICY_BYTES => {
            return Err(format!(
                "the update policy {} is too large to be one",
                path.display()
            ));
        }
        Ok(_) => std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read the update policy {}: {err}", path.display()))?,
    };
    let policy: MachinePolicy = serde_json::from_str(&text)
        .map_err(|err| format!("the update policy {} is not valid: {err}", path.display()))?;
    if let Some(url) = &policy.update_url {
        check_manifest_url(url)
            .map_err(|err| format!("the update policy {}: {err}", path.display()))?;
    }
    Ok(policy)
}

/// A manifest must come over HTTPS; plain HTTP only from this machine, and only in development builds
/// (the end-to-end tests serve manifests locally).
pub fn check_manifest_url(text: &str) -> Result<url::Url, String> {
    let url =
        url::Url::parse(text.trim()).map_err(|err| format!("`{text}` is not a URL ({err})"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback && cfg!(debug_assertions) => Ok(url),
        _ => Err(format!(
            "the update manifest must be an https:// URL, not `{text}`"
        )),
    }
}

/// What the desktop's "Check for updates" found (the shell's `check_update` command).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCheck {
    pub current_version: String,
    /// `None`: the installed version is the newest.
    pub available: Option<AvailableUpdate>,
}

/// A newer version whose download passed the signature check and waits to be installed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AvailableUpdate {
    pub version: String,
    /// Release notes, as the manifest gives them (plain text).
    pub notes: Option<String>,
    pub date: Option<String>,
}

/// A manifest names a version, notes and a download per platform: a few kilobytes.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Fetches the update manifest at `url` (checked by [`check_manifest_url`]): one attempt, bounded in size and
/// time, through the proxy in `HTTPS_PROXY`/`HTTP_PROXY` when one is set. Failures are
/// `E_UPDATE_UNREACHABLE` sentences that say what went wrong and that the installed version keeps working.
pub async fn fetch_update_manifest(url: &url::Url) -> Result<serde_json::Value, AppError> {
    let unreachable = |why: String| {
        AppError::new(
            ErrorCode::UpdateUnreachable,
            format!("cannot check for updates at {url}: {why}; meshlens keeps working as it is"),
        )
    };
    let folder = url.join("./").map_err(|err| unreachable(err.to_string()))?;
    let file = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default();
    let path = match url.query() {
        Some(query) => format!("{file}?{query}"),
        None => file.to_string(),
    };
    let policy = meshlens_connectors::HttpPolicy {
        max_attempts: 1,
        connect_timeout: std::time::Duration::from_secs(10),
        read_timeout: std::time::Duration::from_secs(20),
        max_response_bytes: MAX_MANIFEST_BYTES,
        ..Default::default()
    };
    let client = meshlens_connectors::HttpClient::new(
        "updates",
        folder.as_str(),
        meshlens_connectors::Credentials::None,
        policy,
    )
    .map_err(|err| unreachable(err.to_string()))?;
    let manifest = client
        .get_json(&path, &[])
        .await
        .map_err(|err| unreachable(err.to_string()))?;
    if !manifest.is_object() {
        return Err(unreachable("the answer is not an update manifest".into()));
    }
    Ok(manifest)
}

impl App {
    fn preferences_path(&self) -> PathBuf {
        self.config().data_dir.join(PREFERENCES_FILE)
    }

    /// The user's choices; a missing or unreadable file gives the defaults (a manual check, the release URL).
    fn update_preferences(&self) -> UpdatePreferences {
        read_settings(&self.preferences_path())
    }

    pub async fn update_settings(
        &self,
        _: NoArgs,
        _: &dyn EventSink,
    ) -> Result<UpdateSettings, AppError> {
        Ok(UpdateSettings::resolve(
            self.update_preferences(),
            read_policy(&policy_path()),
        ))
    }

    /// Stores the user's choices; refuses to change what the administrator fixed.
    pub async fn set_update_preferences(
        &self,
        preferences: UpdatePreferences,
        events: &dyn EventSink,
    ) -> Result<UpdateSettings, AppError> {
        let current = self.update_settings(NoArgs::default(), events).await?;
        let refused = |what: &str| {
            AppError::new(
                ErrorCode::UpdatePolicy,
                format!("the {what} of updates is set by this machine's administrator"),
            )
        };
        if current.mode_fixed && preferences.mode != current.mode {
            return Err(refused("mode"));
        }
        if let Some(url) = &preferences.url {
            if current.url_fixed && *url != current.url {
                return Err(refused("manifest URL"));
            }
            check_manifest_url(url).map_err(|err| AppError::new(ErrorCode::InvalidArgs, err))?;
        }
        write_settings(&self.preferences_path(), &preferences, "update settings")?;
        self.update_settings(NoArgs::default(), events).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> Result<MachinePolicy, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, json).unwrap();
        read_policy(&path)
    }

    #[test]
    fn without_a_policy_the_user_decides() {
        let prefs = UpdatePreferences {
            mode: UpdateMode::Auto,
            url: Some("https://mirror.example.com/latest.json".into()),
        };
        let settings =
            UpdateSettings::resolve(prefs, read_policy(Path::new("/nonexistent/policy.json")));
        assert_eq!(settings.mode, UpdateMode::Auto);
        assert_eq!(settings.url, "https://mirror.example.com/latest.json");
        assert!(!settings.mode_fixed && !settings.url_fixed && settings.policy_error.is_none());
        let defaults =
            UpdateSettings::resolve(UpdatePreferences::default(), Ok(MachinePolicy::default()));
        assert_eq!(
            (defaults.mode, defaults.url.as_str()),
            (UpdateMode::Manual, DEFAULT_UPDATE_URL)
        );
    }

    #[test]
    fn the_policy_fixes_mode_and_url() {
        let fixed = policy(
            r#"{"updates": "off", "updateUrl": "https://releases.corp.example/meshlens.json"}"#,
        );
        let settings = UpdateSettings::resolve(
            UpdatePreferences {
                mode: UpdateMode::Auto,
                url: Some("https://elsewhere.example/latest.json".into()),
            },
            fixed,
        );
        assert_eq!(settings.mode, UpdateMode::Off);
        assert_eq!(settings.url, "https://releases.corp.example/meshlens.json");
        assert!(settings.mode_fixed && settings.url_fixed);
    }

    #[test]
    fn a_broken_policy_switches_updates_off_and_says_why() {
        for broken in [
            r#"{"updates": "sometimes"}"#,
            "not json",
            r#"{"updateUrl": "ftp://x/y"}"#,
            r#"{"extra": 1}"#,
        ] {
            let settings = UpdateSettings::resolve(UpdatePreferences::default(), policy(broken));
            assert_eq!(settings.mode, UpdateMode::Off, "{broken}");
            assert!(
                settings
                    .policy_error
                    .as_deref()
                    .is_some_and(|e| e.contains("policy")),
                "{broken}"
            );
        }
    }

    #[test]
    fn manifests_come_over_https() {
        assert!(check_manifest_url("https://meshlens.dev/releases/latest.json").is_ok());
        assert!(check_manifest_url("http://updates.example.com/latest.json").is_err());
        assert!(check_manifest_url("file:///etc/passwd").is_err());
        assert!(check_manifest_url("javascript:alert(1)").is_err());
        assert!(check_manifest_url("not a url").is_err());
        assert_eq!(
            check_manifest_url("http://127.0.0.1:9/latest.json").is_ok(),
            cfg!(debug_assertions)
        );
    }
}
