//! Field-level 3-way merge: my changes (base → mine) are replayed onto the upstream text (theirs).
//! A field both sides changed differently is a conflict, settled only by the user's choice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::EditError;
use crate::diff::{FieldChange, diff};
use crate::path::{self, overlaps, path_to_string};
use crate::yaml_text::{apply_changes, load};

/// Which side wins a conflicting field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Take {
    Mine,
    Theirs,
}

/// A field changed on both sides, to different values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    /// Dotted path of the field (my change's path).
    pub path: String,
    #[ts(type = "unknown")]
    pub base: Option<Value>,
    #[ts(type = "unknown")]
    pub mine: Option<Value>,
    #[ts(type = "unknown")]
    pub theirs: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    /// Theirs with my non-conflicting (and resolved-as-mine) changes applied.
    pub text: String,
    /// Paths of my changes that were applied.
    pub applied: Vec<String>,
    /// Conflicts without a resolution; when non-empty `text` must not be written.
    pub conflicts: Vec<Conflict>,
    pub layout_kept: bool,
}

/// Merges `mine` into `theirs`, both descended from `base`. `resolutions` maps a conflict's path to
/// the side the user chose.
pub fn three_way(
    base: &str,
    mine: &str,
    theirs: &str,
    json: bool,
    resolutions: &BTreeMap<String, Take>,
) -> Result<MergeOutcome, EditError> {
    let base_value = load(base, json)?;
    let mine_value = load(mine, json)?;
    let theirs_value = load(theirs, json)?;
    let their_changes = diff(&base_value, &theirs_value);
    let mut apply: Vec<FieldChange> = Vec::new();
    let mut applied = Vec::new();
    let mut conflicts = Vec::new();
    for change in diff(&base_value, &mine_value) {
        let overlapping: Vec<&FieldChange> = their_changes
            .iter()
            .filter(|t| overlaps(&t.path, &change.path))
            .collect();
        let same_result = overlapping
            .iter()
            .all(|t| t.path == change.path && t.new == change.new);
        let key = path_to_string(&change.path);
        if overlapping.is_empty() {
            applied.push(key);
            apply.push(change);
        } else if same_result {
            // Both sides made the same edit: nothing to do.
        } else {
            match resolutions.get(&key) {
                Some(Take::Mine) => {
                    applied.push(key);
                    apply.push(FieldChange {
                        old: path::get(&theirs_value, &change.path).cloned(),
                        ..change
                    });
                }
                Some(Take::Theirs) => {}
                None => conflicts.push(Conflict {
                    path: key,
                    base: path::get(&base_value, &change.path).cloned(),
                    theirs: path::get(&theirs_value, &change.path).cloned(),
                    mine: change.new,
                }),
            }
        }
    }
    let edited = apply_changes(theirs, json, &apply)?;
    Ok(MergeOutcome {
        text: edited.text,
        applied,
        conflicts,
        layout_kept: edited.layout_kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "id: p\n# owner team\nteam: {name: A}\ndescription:\n  purpose: Old.\n  usage: Use it.\nstatus: draft\n";

    #[test]
    fn disjoint_changes_merge_and_keep_upstream_text() {
        let mine = BASE.replace("purpose: Old.", "purpose: New.");
        let theirs = BASE.replace("status: draft", "status: active # promoted");
        let out = three_way(BASE, &mine, &theirs, false, &BTreeMap::new()).unwrap();
        assert!(out.conflicts.is_empty());
        assert_eq!(out.text, theirs.replace("purpose: Old.", "purpose: New."));
        assert_eq!(out.applied, ["description.purpose"]);
        assert!(out.layout_kept);
    }

    #[test]
    fn the_same_field_conflicts_until_resolved() {
        let mine = BASE.replace("purpose: Old.", "purpose: Mine.");
        let theirs = BASE.replace("purpose: Old.", "purpose: Theirs.");
        let out = three_way(BASE, &mine, &theirs, false, &BTreeMap::new()).unwrap();
        assert_eq!(
            out.conflicts,
            [Conflict {
                path: "description.purpose".into(),
                base: Some("Old.".into()),
                mine: Some("Mine.".into()),
                theirs: Some("Theirs.".into()),
            }]
        );
        let take = |t| BTreeMap::from([("description.purpose".to_string(), t)]);
        let out = three_way(BASE, &mine, &theirs, false, &take(Take::Mine)).unwrap();
        assert!(out.conflicts.is_empty());
        assert!(out.text.contains("purpose: Mine."));
        let out = three_way(BASE, &mine, &theirs, false, &take(Take::Theirs)).unwrap();
        assert_eq!(out.text, theirs);
    }

    #[test]
    fn identical_edits_on_both_sides_are_not_conflicts() {
        let both = BASE.replace("status: draft", "status: active");
        let out = three_way(BASE, &both, &both, false, &BTreeMap::new()).unwrap();
        assert!(out.conflicts.is_empty());
        assert_eq!(out.text, both);
    }
}
