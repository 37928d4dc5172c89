//! One sensitivity scale for products, ports, datasets and columns, whatever the source wrote: ODCS
//! `classification`, ODPS `customProperties` (classification, sensitivity), and catalog tags such as
//! OpenMetadata's `PII.Sensitive`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::duration::retention_days;
use crate::types::{Column, Contract, Dataset, Product};

/// Ordered from least to most sensitive; `Unknown` (nothing recognisable declared) ranks lowest, so any
/// declared level wins over it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    #[default]
    Unknown,
    Public,
    Internal,
    Confidential,
    Restricted,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 5] = [
        Sensitivity::Public,
        Sensitivity::Internal,
        Sensitivity::Confidential,
        Sensitivity::Restricted,
        Sensitivity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Unknown => "unknown",
            Sensitivity::Public => "public",
            Sensitivity::Internal => "internal",
            Sensitivity::Confidential => "confidential",
            Sensitivity::Restricted => "restricted",
        }
    }

    /// The level a classification label or tag names (`Unknown` for anything else, e.g. `Tier.Gold`).
    /// A dotted or slashed tag is also read by its last part (`Classification.Confidential`).
    pub fn of_label(label: &str) -> Sensitivity {
        let key: String = label
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | ':'))
            .collect();
        Self::of_key(&key).unwrap_or_else(|| {
            key.rsplit(['.', '/', ':'])
                .next()
                .and_then(Self::of_key)
                .unwrap_or(Sensitivity::Unknown)
        })
    }

    /// A label with spaces, dashes and underscores removed, lowercased.
    fn of_key(key: &str) -> Option<Sensitivity> {
        Some(match key {
            "public" | "open" | "unclassified" => Sensitivity::Public,
            "internal" | "internaluse" | "internalonly" | "private" => Sensitivity::Internal,
            "confidential" | "sensitive" | "pii" | "personal" | "personaldata"
            | "pii.nonsensitive" => Sensitivity::Confidential,
            "restricted"
            | "secret"
            | "topsecret"
            | "highlyconfidential"
            | "strictlyconfidential"
            | "pii.sensitive"
            | "sensitivepii"
            | "spi" => Sensitivity::Restricted,
            _ => return None,
        })
    }

    /// The level a catalog's qualified classification tag names (`PII.Sensitive`,
    /// `Classification.Confidential`). A bare tag (`pii`, `finance`) is a keyword, not a classification:
    /// the `pii-columns` policy asks such columns for a classification of their own.
    pub fn of_tag(tag: &str) -> Sensitivity {
        if tag.contains(['.', '/', ':']) {
            Sensitivity::of_label(tag)
        } else {
            Sensitivity::Unknown
        }
    }

    /// The most sensitive level among `labels` (`Unknown` when none is recognised).
    pub fn highest<'a>(labels: impl IntoIterator<Item = &'a str>) -> Sensitivity {
        labels
            .into_iter()
            .map(Sensitivity::of_label)
            .max()
            .unwrap_or_default()
    }
}

fn of_optional(label: &Option<String>) -> Sensitivity {
    label
        .as_deref()
        .map_or(Sensitivity::Unknown, Sensitivity::of_label)
}

fn of_tags(tags: &[String]) -> Sensitivity {
    tags.iter()
        .map(|t| Sensitivity::of_tag(t))
        .max()
        .unwrap_or_default()
}

impl Column {
    /// Its classification (which the extraction takes from a qualified tag when none is written).
    pub fn sensitivity(&self) -> Sensitivity {
        of_optional(&self.classification)
    }
}

impl Dataset {
    pub fn sensitivity(&self) -> Sensitivity {
        let columns = self.columns.iter().map(Column::sensitivity);
        columns.fold(of_optional(&self.classification), Sensitivity::max)
    }
}

impl Contract {
    /// Writes each dataset's and column's normalised level into its `sensitivity`, so that they are
    /// shown (`meshlens show --json`) with the same scale as the product's.
    pub fn note_levels(&mut self) {
        for dataset in &mut self.datasets {
            for column in &mut dataset.columns {
                column.sensitivity = column.sensitivity();
            }
            dataset.sensitivity = dataset.sensitivity();
        }
    }

    /// The contract's level, which is that of the port publishing it: its own classification, its
    /// datasets' and columns', and its qualified tags.
    pub fn sensitivity(&self) -> Sensitivity {
        let datasets = self.datasets.iter().map(Dataset::sensitivity);
        datasets.fold(
            of_optional(&self.classification).max(of_tags(&self.tags)),
            Sensitivity::max,
        )
    }
}

impl Product {
    /// The product's level: its own classification and qualified tags, raised by any of `outputs`,
    /// the contracts of its output ports.
    pub fn sensitivity<'a>(&self, outputs: impl IntoIterator<Item = &'a Contract>) -> Sensitivity {
        let own = of_optional(&self.classification).max(of_tags(&self.tags));
        outputs
            .into_iter()
            .map(Contract::sensitivity)
            .fold(own, Sensitivity::max)
    }

    /// Its retention in days: its own, else the longest of its output contracts' (data is kept as
    /// long as the longest promise).
    pub fn retention_days<'a>(
        &self,
        outputs: impl IntoIterator<Item = &'a Contract>,
    ) -> Option<i64> {
        let own = self.retention.as_deref().and_then(retention_days);
        own.or_else(|| {
            outputs
                .into_iter()
                .filter_map(|c| c.retention.as_deref().and_then(retention_days))
                .max()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_catalog_tags_normalise() {
        for (label, level) in [
            ("public", Sensitivity::Public),
            ("Internal", Sensitivity::Internal),
            ("internal-use", Sensitivity::Internal),
            ("confidential", Sensitivity::Confidential),
            ("PII", Sensitivity::Confidential),
            ("PII.NonSensitive", Sensitivity::Confidential),
            ("PII.Sensitive", Sensitivity::Restricted),
            ("restricted", Sensitivity::Restricted),
            ("Highly Confidential", Sensitivity::Restricted),
            ("top_secret", Sensitivity::Restricted),
            ("Classification.Confidential", Sensitivity::Confidential),
            ("Tier.Tier1", Sensitivity::Unknown),
            (
                "insider information before publication",
                Sensitivity::Unknown,
            ),
            ("", Sensitivity::Unknown),
        ] {
            assert_eq!(Sensitivity::of_label(label), level, "{label}");
        }
    }

    #[test]
    fn the_highest_declared_level_wins() {
        assert_eq!(
            Sensitivity::highest(["public", "Tier.Gold", "PII.Sensitive", "internal"]),
            Sensitivity::Restricted
        );
        assert_eq!(Sensitivity::highest(["Tier.Gold"]), Sensitivity::Unknown);
        assert_eq!(Sensitivity::highest([]), Sensitivity::Unknown);
        assert_eq!(
            serde_json::to_value(Sensitivity::Confidential).unwrap(),
            "confidential"
        );
    }

    #[test]
    fn datasets_and_columns_note_their_own_level_on_the_same_scale() {
        let column = |name: &str, classification: Option<&str>| Column {
            name: name.into(),
            classification: classification.map(str::to_owned),
            ..Column::default()
        };
        let dataset = |classification: Option<&str>, columns: Vec<Column>| Dataset {
            classification: classification.map(str::to_owned),
            columns,
            ..Dataset::default()
        };
        let mut contract = Contract {
            datasets: vec![
                dataset(
                    Some("Internal"),
                    vec![column("id", None), column("email", Some("PII.Sensitive"))],
                ),
                dataset(None, vec![column("day", Some("public"))]),
            ],
            ..Contract::default()
        };
        contract.note_levels();
        let noted: Vec<(Sensitivity, Vec<Sensitivity>)> = contract
            .datasets
            .iter()
            .map(|d| {
                (
                    d.sensitivity,
                    d.columns.iter().map(|c| c.sensitivity).collect(),
                )
            })
            .collect();
        use Sensitivity::*;
        assert_eq!(
            noted,
            [
                (Restricted, vec![Unknown, Restricted]),
                (Public, vec![Public])
            ]
        );
        let json = serde_json::to_value(&contract.datasets[0].columns[1]).unwrap();
        assert_eq!(json["sensitivity"], "restricted");
    }

    #[test]
    fn a_product_is_as_sensitive_as_its_most_sensitive_port_and_column() {
        let column = |classification: Option<&str>| Column {
            name: "c".into(),
            classification: classification.map(str::to_owned),
            ..Column::default()
        };
        let contract = Contract {
            retention: Some("P90D".into()),
            tags: vec!["pii".into()],
            datasets: vec![Dataset {
                classification: Some("internal".into()),
                columns: vec![column(None), column(Some("PII.Sensitive"))],
                ..Dataset::default()
            }],
            ..Contract::default()
        };
        assert_eq!(contract.datasets[0].sensitivity(), Sensitivity::Restricted);
        let product = Product {
            classification: Some("public".into()),
            tags: vec!["pii".into(), "Tier.Gold".into()],
            ..Product::default()
        };
        assert_eq!(product.sensitivity([]), Sensitivity::Public);
        assert_eq!(product.sensitivity([&contract]), Sensitivity::Restricted);
        assert_eq!(product.retention_days([&contract]), Some(90));
        let kept = Product {
            retention: Some("1 year".into()),
            ..product
        };
        assert_eq!(kept.retention_days([&contract]), Some(365));
    }
}
