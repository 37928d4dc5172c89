//! The part of a large catalog a source syncs (`meshlens source add ... --scope-domain D`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a catalog source is limited to: the entities of one of `domains`, carrying one of `tags`
/// or owned by one of `owners` (any one of them admits an entity), plus everything within
/// `neighbours` hops of lineage of those. Everything else stays on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CatalogScope {
    pub domains: Vec<String>,
    pub tags: Vec<String>,
    pub owners: Vec<String>,
    /// Hops of lineage (upstream and downstream) around the scoped entities.
    pub neighbours: u32,
}

impl CatalogScope {
    /// True when the scope names no domain, tag or owner: it would admit nothing.
    pub fn selects_nothing(&self) -> bool {
        self.domains.is_empty() && self.tags.is_empty() && self.owners.is_empty()
    }

    /// Whether an entity of `domain` with `tags` and `owners` is in the scope (names compared
    /// without case, as the catalogs' search indexes compare them).
    pub fn admits<'a>(
        &self,
        domain: Option<&str>,
        tags: impl IntoIterator<Item = &'a str>,
        owners: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        let named =
            |list: &[String], value: &str| list.iter().any(|v| v.eq_ignore_ascii_case(value));
        domain.is_some_and(|domain| named(&self.domains, domain))
            || tags.into_iter().any(|tag| named(&self.tags, tag))
            || owners.into_iter().any(|owner| named(&self.owners, owner))
    }

    /// This scope with `more`'s domains, tags and owners added (a name it has already, whatever its case,
    /// is not added twice) and the larger of the two hop counts: what "add to the scope" gives.
    pub fn widened_by(mut self, more: CatalogScope) -> CatalogScope {
        for (list, added) in [
            (&mut self.domains, more.domains),
            (&mut self.tags, more.tags),
            (&mut self.owners, more.owners),
        ] {
            for name in added {
                if !list.iter().any(|v| v.eq_ignore_ascii_case(&name)) {
                    list.push(name);
                }
            }
        }
        self.neighbours = self.neighbours.max(more.neighbours);
        self
    }

    /// The scope in words, for messages: `domains sales, hr; tags PII; 1 hop of lineage`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (label, list) in [
            ("domains", &self.domains),
            ("tags", &self.tags),
            ("owners", &self.owners),
        ] {
            if !list.is_empty() {
                parts.push(format!("{label} {}", list.join(", ")));
            }
        }
        match self.neighbours {
            0 => {}
            1 => parts.push("1 hop of lineage".into()),
            hops => parts.push(format!("{hops} hops of lineage")),
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> CatalogScope {
        CatalogScope {
            domains: vec!["Sales".into()],
            tags: vec!["PII.Sensitive".into()],
            owners: vec!["alice".into()],
            neighbours: 2,
        }
    }

    #[test]
    fn any_named_domain_tag_or_owner_admits() {
        let scope = scope();
        assert!(scope.admits(Some("sales"), [], []));
        assert!(scope.admits(None, ["pii.sensitive"], []));
        assert!(scope.admits(Some("hr"), ["x"], ["Alice"]));
        assert!(!scope.admits(Some("hr"), ["x"], ["bob"]));
        assert!(!CatalogScope::default().admits(Some("sales"), [], []));
    }

    #[test]
    fn described_and_read_without_the_missing_keys() {
        assert_eq!(
            scope().describe(),
            "domains Sales; tags PII.Sensitive; owners alice; 2 hops of lineage"
        );
        let read: CatalogScope = serde_json::from_str(r#"{"domains": ["a"]}"#).unwrap();
        assert_eq!(read.domains, vec!["a"]);
        assert!(!read.selects_nothing());
        assert!(CatalogScope::default().selects_nothing());
    }
}
