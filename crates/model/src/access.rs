//! Access requests and agreements in the Data Usage Agreement Specification 0.0.1 (the shape Entropy
//! Data's access API serves): the request file meshlens writes (`info.status: requested`) and the
//! agreement files owners change upstream, read back and validated against the vendored schema.

use std::sync::LazyLock;

use jsonschema::Validator;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ts_rs::TS;

use crate::civil::days_from_civil;
use crate::parse::{ParseOptions, decode, is_json_path, load_value};
use crate::schema::dotted;
use crate::types::{Issue, Severity};

pub const DUA_V0_0_1: &str = include_str!("../schemas/datausageagreement-0.0.1.schema.json");

static DUA001: LazyLock<Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(DUA_V0_0_1).expect("embedded schema is JSON");
    jsonschema::options()
        .offline()
        .build(&schema)
        .expect("embedded schema compiles")
});

/// Where an access request stands, from the requester's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum AccessStatus {
    Draft,
    /// Waiting in the outbox for its target.
    Queued,
    /// Delivered; the owners have not decided.
    Requested,
    Approved,
    Rejected,
    /// Approved once, then made inactive by the owners.
    Revoked,
    /// Approved, but its end date has passed.
    Expired,
}

impl AccessStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessStatus::Draft => "draft",
            AccessStatus::Queued => "queued",
            AccessStatus::Requested => "requested",
            AccessStatus::Approved => "approved",
            AccessStatus::Rejected => "rejected",
            AccessStatus::Revoked => "revoked",
            AccessStatus::Expired => "expired",
        }
    }
}

/// One agreement (or request) as its file states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: String,
    pub product: String,
    pub port: String,
    pub contract: Option<String>,
    pub provider_team: String,
    pub consumer_team: Option<String>,
    pub consumer_product: Option<String>,
    pub consumer_user: Option<String>,
    pub purpose: String,
    /// `info.status` as written: requested, approved or rejected.
    pub declared_status: String,
    pub active: Option<bool>,
    pub start_date: String,
    pub end_date: Option<String>,
    /// `custom.columns`: the columns asked for (none: the whole port).
    pub columns: Vec<String>,
    /// `custom.requestedAt` when meshlens wrote the request.
    pub requested_at: Option<String>,
}

impl Agreement {
    /// The status on `today` (`YYYY-MM-DD`): an approval past its end date has expired, one made
    /// inactive was revoked.
    pub fn status_on(&self, today: &str) -> AccessStatus {
        let ended = self
            .end_date
            .as_deref()
            .and_then(date_days)
            .zip(date_days(today))
            .is_some_and(|(end, now)| end < now);
        match self.declared_status.as_str() {
            "approved" if ended => AccessStatus::Expired,
            "approved" if self.active == Some(false) => AccessStatus::Revoked,
            "approved" => AccessStatus::Approved,
            "rejected" => AccessStatus::Rejected,
            _ => AccessStatus::Requested,
        }
    }

    /// Who consumes: the consuming product when named, else the team, else the user.
    pub fn consumer(&self) -> &str {
        self.consumer_product
            .as_deref()
            .or(self.consumer_team.as_deref())
            .or(self.consumer_user.as_deref())
            .unwrap_or_default()
    }

    /// The request document meshlens delivers: `info.status: requested`, inactive until approved.
    /// Columns and the request time go under `custom`, the specification's extension object.
    pub fn request_yaml(&self) -> String {
        let mut info = Map::new();
        info.insert("purpose".into(), json!(self.purpose));
        info.insert("status".into(), json!("requested"));
        info.insert("active".into(), json!(false));
        info.insert("startDate".into(), json!(self.start_date));
        if let Some(end) = &self.end_date {
            info.insert("endDate".into(), json!(end));
        }
        let mut provider = Map::new();
        provider.insert("teamId".into(), json!(self.provider_team));
        provider.insert("dataProductId".into(), json!(self.product));
        provider.insert("outputPortId".into(), json!(self.port));
        if let Some(contract) = &self.contract {
            provider.insert("dataContractId".into(), json!(contract));
        }
        let mut consumer = Map::new();
        for (key, value) in [
            ("teamId", &self.consumer_team),
            ("dataProductId", &self.consumer_product),
            ("userId", &self.consumer_user),
        ] {
            if let Some(value) = value {
                consumer.insert(key.into(), json!(value));
            }
        }
        let mut custom = Map::new();
        if !self.columns.is_empty() {
            custom.insert("columns".into(), json!(self.columns));
        }
        if let Some(at) = &self.requested_at {
            custom.insert("requestedAt".into(), json!(at));
        }
        let mut doc = json!({
            "dataUsageAgreementSpecification": "0.0.1",
            "id": self.id,
            "info": info,
            "provider": provider,
            "consumer": consumer,
        });
        if !custom.is_empty() {
            doc["custom"] = Value::Object(custom);
        }
        serde_yaml_ng::to_string(&doc).expect("a JSON value serialises as YAML")
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` for anything else (or an impossible day).
pub fn date_days(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let days = days_from_civil(year, month, day);
    (crate::civil::civil_from_days(days) == (year, month, day)).then_some(days)
}

fn error(pointer: &str, message: String) -> Issue {
    Issue {
        line: 0,
        column: 0,
        pointer: pointer.into(),
        message,
        severity: Severity::Error,
    }
}

/// The Data Usage Agreement Specification version meshlens has the schema of.
const DUA_KNOWN: &str = "0.0.1";

/// Reads an agreement file (see [`read_agreement`]), without its warnings.
pub fn parse_agreement(path: &str, bytes: &[u8]) -> Result<Agreement, Vec<Issue>> {
    read_agreement(path, bytes).map(|(agreement, _)| agreement)
}

/// Reads an agreement file: the schema first (every error, with its path), then the dates. A
/// version meshlens has no schema for is checked as 0.0.1, with a warning that says so.
pub fn read_agreement(path: &str, bytes: &[u8]) -> Result<(Agreement, Vec<Issue>), Vec<Issue>> {
    let options = ParseOptions::default();
    let text = decode(bytes, &options).map_err(|e| e.issues())?;
    let mut doc = load_value(text, is_json_path(path)).map_err(|e| e.issues())?;
    let mut warnings = Vec::new();
    let field = "dataUsageAgreementSpecification";
    if let Some(declared) = doc
        .get(field)
        .and_then(Value::as_str)
        .filter(|v| *v != DUA_KNOWN)
    {
        warnings.push(crate::parse::warning(
            format!("/{field}"),
            format!(
                "Data Usage Agreement version `{declared}` has no schema in meshlens (newest known: \
                 {DUA_KNOWN}); checked against {DUA_KNOWN}"
            ),
        ));
        doc[field] = Value::String(DUA_KNOWN.into());
    }
    let issues: Vec<Issue> = DUA001
        .iter_errors(&doc)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            let at = dotted(&pointer);
            let place = if at.is_empty() { "document".into() } else { at };
            error(&pointer, format!("{place}: {e}"))
        })
        .collect();
    if !issues.is_empty() {
        return Err(issues);
    }
    let text_at = |pointer: &str| {
        doc.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    for pointer in ["/info/startDate", "/info/endDate"] {
        if let Some(date) = text_at(pointer).filter(|d| date_days(d).is_none()) {
            let message = format!("{}: `{date}` is not a date (YYYY-MM-DD)", dotted(pointer));
            return Err(vec![error(pointer, message)]);
        }
    }
    let agreement = Agreement {
        id: text_at("/id").unwrap_or_default(),
        product: text_at("/provider/dataProductId").unwrap_or_default(),
        port: text_at("/provider/outputPortId").unwrap_or_default(),
        contract: text_at("/provider/dataContractId"),
        provider_team: text_at("/provider/teamId").unwrap_or_default(),
        consumer_team: text_at("/consumer/teamId"),
        consumer_product: text_at("/consumer/dataProductId"),
        consumer_user: text_at("/consumer/userId"),
        purpose: text_at("/info/purpose").unwrap_or_default(),
        declared_status: text_at("/info/status").unwrap_or_default(),
        active: doc.pointer("/info/active").and_then(Value::as_bool),
        start_date: text_at("/info/startDate").unwrap_or_default(),
        end_date: text_at("/info/endDate"),
        columns: doc
            .pointer("/custom/columns")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        requested_at: text_at("/custom/requestedAt"),
    };
    Ok((agreement, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_version_is_checked_as_0_0_1_with_a_warning() {
        let yaml = "dataUsageAgreementSpecification: 0.0.2\nid: a\ninfo: {purpose: p, status: requested, startDate: 2026-01-01}\n\
                    provider: {teamId: t, dataProductId: d, outputPortId: o}\nconsumer: {teamId: c}\n";
        let (agreement, warnings) = read_agreement("access/a.yaml", yaml.as_bytes()).unwrap();
        assert_eq!(agreement.id, "a");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("`0.0.2`"), "{:?}", warnings[0]);
        assert_eq!(warnings[0].severity, Severity::Warning);
        let known = yaml.replace("0.0.2", "0.0.1");
        assert!(
            read_agreement("a.yaml", known.as_bytes())
                .unwrap()
                .1
                .is_empty()
        );
    }

    fn request() -> Agreement {
        Agreement {
            id: "access-0123456789ab".into(),
            product: "sales-orders".into(),
            port: "orders".into(),
            contract: Some("sales-orders-db".into()),
            provider_team: "sales".into(),
            consumer_team: Some("marketing".into()),
            consumer_product: Some("marketing-campaigns".into()),
            consumer_user: None,
            purpose: "Campaign attribution".into(),
            declared_status: "requested".into(),
            active: Some(false),
            start_date: "2026-12-07".into(),
            end_date: Some("2027-06-30".into()),
            columns: vec!["order_id".into(), "amount".into()],
            requested_at: Some("2026-12-07T02:00:00Z".into()),
        }
    }

    #[test]
    fn a_request_round_trips_through_the_schema() {
        let wanted = request();
        let yaml = wanted.request_yaml();
        assert!(yaml.contains("status: requested"), "{yaml}");
        let read = parse_agreement("access/x.yaml", yaml.as_bytes()).unwrap();
        assert_eq!(read, wanted);
        assert_eq!(read.consumer(), "marketing-campaigns");
        assert_eq!(read.status_on("2026-12-08"), AccessStatus::Requested);
    }

    #[test]
    fn status_follows_info_status_active_and_end_date() {
        let mut a = request();
        a.declared_status = "approved".into();
        a.active = Some(true);
        assert_eq!(a.status_on("2027-06-30"), AccessStatus::Approved);
        assert_eq!(a.status_on("2027-07-01"), AccessStatus::Expired);
        a.active = Some(false);
        assert_eq!(a.status_on("2027-01-01"), AccessStatus::Revoked);
        a.declared_status = "rejected".into();
        assert_eq!(a.status_on("2027-01-01"), AccessStatus::Rejected);
    }

    #[test]
    fn schema_and_date_errors_name_the_field() {
        let yaml = request().request_yaml().replace("  teamId: sales\n", "");
        let issues = parse_agreement("a.yaml", yaml.as_bytes()).unwrap_err();
        assert!(issues[0].message.contains("teamId"), "{issues:?}");
        let yaml = request()
            .request_yaml()
            .replace("2027-06-30", "next summer");
        let issues = parse_agreement("a.yaml", yaml.as_bytes()).unwrap_err();
        assert_eq!(issues[0].pointer, "/info/endDate");
        let yaml = request()
            .request_yaml()
            .replace("status: requested", "status: maybe");
        assert!(parse_agreement("a.yaml", yaml.as_bytes()).is_err());
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(date_days("1970-01-02"), Some(1));
        assert_eq!(date_days("2026-02-29"), None);
        assert_eq!(date_days("2026-2-01"), None);
        assert_eq!(date_days("tomorrow"), None);
    }
}
