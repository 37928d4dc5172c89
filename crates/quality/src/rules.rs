//! Links a check outcome to the contract quality rule it checks (the `rule` of a
//! [`QualityResult`](crate::QualityResult)). The matching, also described in `POLICIES.md`:
//!
//! 1. Candidates are the rules of the contracts that declare the outcome's dataset (the same
//!    dataset keys that link outcomes to products), written on that schema object or on the
//!    contract itself.
//! 2. A column outcome looks at the rules of that property (names compared case-insensitively),
//!    then at the object's rules; a table outcome at the object's rules only.
//! 3. Within that order a rule matches by **name** (rule `name` = check name, ignoring case and
//!    punctuation) or else by **metric**: the rule's `metric` (or v3.0 `rule`) and the check's
//!    type (or name) belong to the same family (nulls, duplicates, invalid values, row count,
//!    freshness), e.g. `nullValues` ↔ dbt `not_null`, GX `expect_column_values_to_not_be_null`,
//!    Soda `missing_count`. The first rule in contract order wins; otherwise `rule` is null.
//!
//! Links are made at query time, so outcomes imported before their contract was synced link as
//! soon as it is.

use std::collections::HashMap;

use meshlens_store::Store;

use meshlens_store::Ctx;

use crate::error::QualityError;
use crate::types::RuleLink;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Nulls,
    Duplicates,
    Invalid,
    RowCount,
    Freshness,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The family of an ODCS library metric (v3.1 `metric`, v3.0 `rule`).
fn metric_family(metric: &str) -> Option<Family> {
    match squash(metric).as_str() {
        "nullvalues" | "nullcheck" | "nullcount" | "missingvalues" | "notnull" => {
            Some(Family::Nulls)
        }
        "duplicatevalues" | "duplicatecount" | "unique" | "uniquevalues" => {
            Some(Family::Duplicates)
        }
        "invalidvalues" | "validvalues" | "validvaluescheck" => Some(Family::Invalid),
        "rowcount" => Some(Family::RowCount),
        "freshness" => Some(Family::Freshness),
        _ => None,
    }
}

/// The family of a tool's check type or name (dbt generic test, GX expectation, Soda metric,
/// OpenLineage assertion).
fn check_family(check: &str) -> Option<Family> {
    let c = check.to_ascii_lowercase();
    let has = |parts: &[&str]| parts.iter().any(|p| c.contains(p));
    if has(&[
        "not_null",
        "not_be_null",
        "missing_",
        "null_count",
        "nullcount",
    ]) {
        Some(Family::Nulls)
    } else if has(&["unique", "duplicate"]) {
        Some(Family::Duplicates)
    } else if has(&[
        "accepted_values",
        "be_in_set",
        "match_regex",
        "invalid_",
        "valid_values",
    ]) {
        Some(Family::Invalid)
    } else if has(&["row_count", "rowcount"]) {
        Some(Family::RowCount)
    } else if has(&["freshness"]) {
        Some(Family::Freshness)
    } else {
        None
    }
}

/// One contract rule that outcomes of a dataset key may check.
#[derive(Debug, Clone)]
struct Candidate {
    link: RuleLink,
    squashed_name: Option<String>,
    family: Option<Family>,
}

/// The contract rules of every dataset key, loaded once per query.
pub(crate) struct RuleIndex {
    by_key: HashMap<String, Vec<Candidate>>,
}

/// (target key, contract id, dataset, column, name, type, metric, dimension)
type RuleRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl RuleIndex {
    /// Reads the rules; `quality_targets` and `quality_contract_rules` must be current.
    pub(crate) async fn load(store: &Store) -> Result<RuleIndex, QualityError> {
        let rows: Vec<RuleRow> = sqlx::query_as(
            "SELECT t.target_key, t.contract_id, t.dataset, k.column_name, k.name, k.rule_type, k.metric, k.dimension
             FROM quality_targets t JOIN quality_contract_rules k
               ON k.contract_id = t.contract_id AND k.contract_version IS t.contract_version
              AND (k.dataset = t.dataset COLLATE NOCASE OR k.dataset = '')
             ORDER BY t.target_key, t.contract_id, k.ordinal",
        )
        .fetch_all(store.pool())
        .await
        .ctx("read contract quality rules")?;
        let mut by_key: HashMap<String, Vec<Candidate>> = HashMap::new();
        for (key, contract, dataset, column, name, rule_type, metric, dimension) in rows {
            by_key.entry(key).or_default().push(Candidate {
                squashed_name: name.as_deref().map(squash).filter(|n| !n.is_empty()),
                family: metric.as_deref().and_then(metric_family),
                link: RuleLink {
                    contract,
                    dataset,
                    column: Some(column).filter(|c| !c.is_empty()),
                    name,
                    rule_type,
                    metric,
                    dimension,
                    matched_by: String::new(),
                },
            });
        }
        Ok(RuleIndex { by_key })
    }

    /// The rule an outcome checks, if any (see the module documentation).
    pub(crate) fn find(
        &self,
        target_key: &str,
        check: &str,
        check_type: Option<&str>,
        column: Option<&str>,
    ) -> Option<RuleLink> {
        let candidates = self.by_key.get(target_key)?;
        let name = squash(check);
        let family = check_type
            .and_then(check_family)
            .or_else(|| check_family(check));
        let on_column = |c: &Candidate| match (column, c.link.column.as_deref()) {
            (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
            _ => false,
        };
        let on_object = |c: &Candidate| c.link.column.is_none();
        let tiers: [&dyn Fn(&Candidate) -> bool; 2] = [&on_column, &on_object];
        tiers.iter().find_map(|in_tier| {
            let tier = candidates.iter().filter(|c| in_tier(c));
            let by_name = tier
                .clone()
                .find(|c| c.squashed_name.as_deref() == Some(name.as_str()))
                .map(|c| (c, "name"));
            by_name
                .or_else(|| {
                    family.and_then(|f| {
                        tier.clone()
                            .find(|c| c.family == Some(f))
                            .map(|c| (c, "metric"))
                    })
                })
                .map(|(c, how)| RuleLink {
                    matched_by: how.to_owned(),
                    ..c.link.clone()
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(column: Option<&str>, name: Option<&str>, metric: Option<&str>) -> Candidate {
        Candidate {
            squashed_name: name.map(squash),
            family: metric.and_then(metric_family),
            link: RuleLink {
                contract: "c".into(),
                dataset: "customers".into(),
                column: column.map(str::to_owned),
                name: name.map(str::to_owned),
                rule_type: Some("library".into()),
                metric: metric.map(str::to_owned),
                dimension: None,
                matched_by: String::new(),
            },
        }
    }

    fn index(candidates: Vec<Candidate>) -> RuleIndex {
        RuleIndex {
            by_key: HashMap::from([("k".to_owned(), candidates)]),
        }
    }

    #[test]
    fn matches_by_name_then_metric_family_column_first() {
        let idx = index(vec![
            candidate(None, Some("email_unique"), Some("duplicateValues")),
            candidate(Some("email"), None, Some("invalidValues")),
            candidate(Some("customer_id"), None, Some("nullValues")),
        ]);
        let null = idx
            .find(
                "k",
                "not_null_customers_customer_id",
                Some("not_null"),
                Some("Customer_ID"),
            )
            .unwrap();
        assert_eq!(
            (null.column.as_deref(), null.matched_by.as_str()),
            (Some("customer_id"), "metric")
        );
        let regex = idx
            .find(
                "k",
                "email format",
                Some("expect_column_values_to_match_regex"),
                Some("email"),
            )
            .unwrap();
        assert_eq!(regex.metric.as_deref(), Some("invalidValues"));
        // No uniqueness rule on the property: the object's rule of that family is the one checked.
        let unique = idx
            .find(
                "k",
                "x",
                Some("expect_column_values_to_be_unique"),
                Some("email"),
            )
            .unwrap();
        assert_eq!(unique.name.as_deref(), Some("email_unique"));
        let named = idx.find("k", "Email-Unique", None, None).unwrap();
        assert_eq!(named.matched_by, "name");
        assert!(idx.find("k", "row_count > 0", None, None).is_none());
        assert!(
            idx.find("other", "not_null", Some("not_null"), Some("customer_id"))
                .is_none()
        );
    }

    #[test]
    fn families_cover_the_tools_vocabularies() {
        for check in [
            "not_null",
            "expect_column_values_to_not_be_null",
            "missing_count",
            "missing_percent",
        ] {
            assert_eq!(check_family(check), Some(Family::Nulls), "{check}");
        }
        for check in [
            "unique",
            "expect_column_values_to_be_unique",
            "duplicate_count",
        ] {
            assert_eq!(check_family(check), Some(Family::Duplicates), "{check}");
        }
        for check in [
            "accepted_values",
            "expect_column_values_to_be_in_set",
            "invalid_count",
        ] {
            assert_eq!(check_family(check), Some(Family::Invalid), "{check}");
        }
        assert_eq!(
            check_family("expect_table_row_count_to_be_between"),
            Some(Family::RowCount)
        );
        assert_eq!(metric_family("duplicateCount"), Some(Family::Duplicates));
        assert_eq!(metric_family("rowCount"), Some(Family::RowCount));
        assert_eq!(metric_family("custom thing"), None);
    }
}
