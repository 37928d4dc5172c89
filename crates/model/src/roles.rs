//! Ownership roles: the people and channels a consumer acts on, read from a canonical ODPS product
//! or ODCS contract. ODPS and ODCS have no role vocabulary (`team.members[].role` is free text), so
//! labels people write ("owner", "Data Steward", "tech lead", `onCall`) are normalised to [`Role`].
//!
//! Where roles come from:
//! - `team.members[]` (ODPS, ODCS v3.1 object form, and the older ODCS list form): `role` as written;
//!   a member with a `dateOut` has left the team and is not someone to ask;
//! - `support[]` entries whose `customProperties` carry a `role` (ODPS/ODCS support items have no
//!   role field, and customProperties is the extension point both standards give);
//! - document `customProperties` named after a role (`businessOwner`, `dataSteward`, `onCall`, …),
//!   and `owners`, which the catalog connectors fill with the catalog's owners.
//!
//! ODCS `roles[]` are not read: they name IAM roles and their access approvers, not owners.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::parse::text_of;

/// A role a consumer acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    BusinessOwner,
    TechnicalOwner,
    Steward,
    OnCall,
    Escalation,
    /// A team member whose role is none of the above.
    Member,
}

impl Role {
    /// The roles a product is expected to fill (a plain member is never missing).
    pub const EXPECTED: [Role; 5] = [
        Role::BusinessOwner,
        Role::TechnicalOwner,
        Role::Steward,
        Role::OnCall,
        Role::Escalation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::BusinessOwner => "business_owner",
            Role::TechnicalOwner => "technical_owner",
            Role::Steward => "steward",
            Role::OnCall => "on_call",
            Role::Escalation => "escalation",
            Role::Member => "member",
        }
    }

    /// The role named exactly by its identifier (`business_owner`, …), as policies write it.
    pub fn from_id(id: &str) -> Option<Role> {
        Self::EXPECTED
            .into_iter()
            .chain([Role::Member])
            .find(|r| r.as_str() == id)
    }

    /// The role a free-text label means; anything unrecognised is a plain member.
    pub fn from_label(label: &str) -> Role {
        let words = words(label);
        let has = |w: &str| words.iter().any(|x| x == w);
        if has("steward") || has("stewardship") {
            Role::Steward
        } else if has("escalation") {
            Role::Escalation
        } else if words.windows(2).any(|w| w == ["on", "call"]) || has("oncall") || has("pager") {
            Role::OnCall
        } else if (has("technical") || has("tech")) && (has("owner") || has("lead")) {
            Role::TechnicalOwner
        } else if has("owner") || has("owners") || has("accountable") {
            Role::BusinessOwner
        } else {
            Role::Member
        }
    }

    /// The role a customProperty's name declares, if it names one (`businessOwner`, `dataSteward`,
    /// `onCall`, `escalation`, and the connectors' `owners`). Other properties are not roles.
    fn from_property(name: &str) -> Option<Role> {
        let role = Role::from_label(name);
        let words = words(name);
        // "containsPii" or "ownerTeamCostCenter" must not become roles: only short role names count.
        (role != Role::Member && words.len() <= 3).then_some(role)
    }
}

/// Lowercase words of a label: camelCase, `snake_case`, `kebab-case` and spaces all split.
fn words(label: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(label.len() + 8);
    let mut previous_lower = false;
    for c in label.chars() {
        if c.is_uppercase() && previous_lower {
            spaced.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        spaced.extend(c.to_lowercase());
    }
    spaced
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One person, team or channel holding a role. Every field is upstream text: check a link's scheme
/// before opening it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RoleHolder {
    pub role: Role,
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    /// A channel to reach the holder: a support item's URL (else its channel name), or a URL or
    /// `#channel` given as a customProperty value.
    pub channel: Option<String>,
}

impl RoleHolder {
    fn new(role: Role) -> RoleHolder {
        RoleHolder {
            role,
            name: None,
            username: None,
            email: None,
            channel: None,
        }
    }

    /// The ways this holder names a person: e-mail and username (case-insensitive).
    fn person_keys(&self) -> impl Iterator<Item = String> + '_ {
        [&self.email, &self.username]
            .into_iter()
            .filter_map(|k| k.as_deref().map(str::to_lowercase))
    }

    /// What makes two entries the same holder of a role (case-insensitive).
    fn identity(&self) -> (Role, String) {
        let who = [&self.email, &self.username, &self.name, &self.channel]
            .into_iter()
            .find_map(Option::as_deref)
            .unwrap_or_default();
        (self.role, who.to_lowercase())
    }
}

/// Who to ask about a product, and which expected roles nobody holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Ownership {
    pub product: String,
    pub roles: Vec<RoleHolder>,
    pub missing: Vec<Role>,
}

impl Ownership {
    /// The roles of `product` from its own document and then its output contracts' documents
    /// (each holder once, ordered by role, the product's own entries first).
    pub fn of<'a>(product: &str, documents: impl IntoIterator<Item = &'a Value>) -> Ownership {
        let mut roles: Vec<RoleHolder> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for holder in documents.into_iter().flat_map(role_holders) {
            if seen.insert(holder.identity()) {
                roles.push(holder);
            }
        }
        // A member who also holds a named role is listed once, under that role.
        let named: std::collections::HashSet<String> = roles
            .iter()
            .filter(|h| h.role != Role::Member)
            .flat_map(RoleHolder::person_keys)
            .collect();
        roles.retain(|h| h.role != Role::Member || !h.person_keys().any(|k| named.contains(&k)));
        roles.sort_by_key(|h| h.role);
        let missing = Role::EXPECTED
            .into_iter()
            .filter(|r| !roles.iter().any(|h| h.role == *r))
            .collect();
        Ownership {
            product: product.to_owned(),
            roles,
            missing,
        }
    }
}

/// Every role holder one canonical ODPS or ODCS document declares, in document order.
pub fn role_holders(doc: &Value) -> Vec<RoleHolder> {
    let mut out = team_holders(doc);
    out.extend(support_holders(doc));
    out.extend(custom_holders(doc));
    out
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(text_of)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice)
}

fn looks_like_email(text: &str) -> bool {
    let at = text.find('@');
    at.is_some_and(|i| i > 0 && i + 1 < text.len()) && !text.contains(char::is_whitespace)
}

fn team_holders(doc: &Value) -> Vec<RoleHolder> {
    // ODCS before v3.1 wrote the team as a bare list of members.
    let members = match doc.get("team") {
        Some(list @ Value::Array(_)) => array(Some(list)),
        Some(team) => array(team.get("members")),
        None => &[],
    };
    members
        .iter()
        .filter(|m| text(m, "dateOut").is_none())
        .filter_map(|m| {
            let username = text(m, "username");
            let name = text(m, "name");
            if username.is_none() && name.is_none() {
                return None;
            }
            let role = text(m, "role").map_or(Role::Member, |r| Role::from_label(&r));
            Some(RoleHolder {
                email: username.clone().filter(|u| looks_like_email(u)),
                username,
                name,
                ..RoleHolder::new(role)
            })
        })
        .collect()
}

/// `customProperties[]` of a value as (name, value) pairs.
fn custom_properties(v: &Value) -> impl Iterator<Item = (&str, &Value)> {
    array(v.get("customProperties"))
        .iter()
        .filter_map(|p| Some((p.get("property")?.as_str()?, p.get("value")?)))
}

fn support_holders(doc: &Value) -> Vec<RoleHolder> {
    array(doc.get("support"))
        .iter()
        .filter_map(|item| {
            let (_, label) =
                custom_properties(item).find(|(k, _)| k.eq_ignore_ascii_case("role"))?;
            let role = Role::from_label(&text_of(label)?);
            let channel = text(item, "url").or_else(|| text(item, "channel"))?;
            Some(RoleHolder {
                name: text(item, "channel"),
                email: channel
                    .strip_prefix("mailto:")
                    .filter(|e| looks_like_email(e))
                    .map(str::to_owned),
                channel: Some(channel),
                ..RoleHolder::new(role)
            })
        })
        .collect()
}

fn custom_holders(doc: &Value) -> Vec<RoleHolder> {
    let mut out = Vec::new();
    for (name, value) in custom_properties(doc) {
        let Some(role) = Role::from_property(name) else {
            continue;
        };
        let entries: Vec<String> = match value {
            Value::Array(items) => items.iter().filter_map(text_of).collect(),
            other => text_of(other)
                .map(|t| t.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        out.extend(
            entries
                .iter()
                .map(|e| e.trim())
                .filter(|e| !e.is_empty())
                .map(|e| holder_from_text(role, e)),
        );
    }
    out
}

/// A holder written as one piece of text: an e-mail address, a link or `#channel`, else a name.
fn holder_from_text(role: Role, entry: &str) -> RoleHolder {
    let mut holder = RoleHolder::new(role);
    if let Some(address) = entry
        .strip_prefix("mailto:")
        .filter(|e| looks_like_email(e))
    {
        holder.email = Some(address.to_owned());
        holder.channel = Some(entry.to_owned());
    } else if looks_like_email(entry) && !entry.contains(':') {
        holder.email = Some(entry.to_owned());
        holder.username = Some(entry.to_owned());
    } else if entry.contains("://") || entry.starts_with('#') {
        holder.channel = Some(entry.to_owned());
    } else {
        holder.name = Some(entry.to_owned());
    }
    holder
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_people_write_map_onto_roles() {
        for (label, role) in [
            ("owner", Role::BusinessOwner),
            ("Data Product Owner", Role::BusinessOwner),
            ("businessOwner", Role::BusinessOwner),
            ("technical owner", Role::TechnicalOwner),
            ("Tech Lead", Role::TechnicalOwner),
            ("technical_owner", Role::TechnicalOwner),
            ("data steward", Role::Steward),
            ("dataSteward", Role::Steward),
            ("on-call", Role::OnCall),
            ("onCall", Role::OnCall),
            ("On Call Rotation", Role::OnCall),
            ("escalation", Role::Escalation),
            ("data engineer", Role::Member),
            ("reviewer", Role::Member),
            ("", Role::Member),
        ] {
            assert_eq!(Role::from_label(label), role, "{label}");
        }
    }

    #[test]
    fn only_role_named_properties_declare_roles() {
        assert_eq!(
            Role::from_property("technicalOwner"),
            Some(Role::TechnicalOwner)
        );
        assert_eq!(Role::from_property("owners"), Some(Role::BusinessOwner));
        assert_eq!(Role::from_property("containsPii"), None);
        assert_eq!(Role::from_property("costCenter"), None);
        assert_eq!(Role::from_property("ownerTeamCostCenterCode"), None);
    }

    #[test]
    fn team_support_and_custom_properties_give_roles_and_missing_ones() {
        let product = json!({
            "id": "p",
            "team": {"name": "T", "members": [
                {"username": "ann@x.com", "name": "Ann", "role": "owner"},
                {"username": "bob", "name": "Bob", "role": "data engineer"},
                {"username": "old@x.com", "role": "data steward", "dateOut": "2024-01-01"}
            ]},
            "support": [
                {"channel": "#p-oncall", "url": "https://x.slack.com/archives/C1", "tool": "slack",
                 "customProperties": [{"property": "role", "value": "onCall"}]},
                {"channel": "#p", "url": "https://x.slack.com/archives/C2", "tool": "slack"}
            ],
            "customProperties": [
                {"property": "dataSteward", "value": "Sam <no mail>, sam@x.com"},
                {"property": "containsPii", "value": true}
            ]
        });
        let contract = json!({"team": [{"username": "ann@x.com", "role": "Product Owner"},
                                       {"username": "tim@x.com", "role": "tech lead"},
                                       {"username": "Tim@x.com", "role": "engineer"}]});
        let o = Ownership::of("p", [&product, &contract]);
        let roles: Vec<(Role, Option<&str>)> = o
            .roles
            .iter()
            .map(|h| {
                (
                    h.role,
                    h.email
                        .as_deref()
                        .or(h.channel.as_deref())
                        .or(h.name.as_deref()),
                )
            })
            .collect();
        assert_eq!(
            roles,
            vec![
                (Role::BusinessOwner, Some("ann@x.com")),
                (Role::TechnicalOwner, Some("tim@x.com")),
                (Role::Steward, Some("Sam <no mail>")),
                (Role::Steward, Some("sam@x.com")),
                (Role::OnCall, Some("https://x.slack.com/archives/C1")),
                (Role::Member, Some("Bob")),
            ]
        );
        assert_eq!(o.roles[5].username.as_deref(), Some("bob"));
        assert_eq!(o.missing, vec![Role::Escalation]);
    }

    #[test]
    fn connector_owners_and_mailto_values() {
        let doc = json!({"customProperties": [
            {"property": "owners", "value": "Alice, team-a"},
            {"property": "escalation", "value": ["mailto:head@x.com", "javascript:alert(1)"]}
        ]});
        let holders = role_holders(&doc);
        assert_eq!(holders.len(), 4);
        assert_eq!(holders[0].name.as_deref(), Some("Alice"));
        assert_eq!(holders[2].email.as_deref(), Some("head@x.com"));
        // Kept as text (a name): it is never a channel, so no front end builds a link from it.
        assert_eq!(holders[3].name.as_deref(), Some("javascript:alert(1)"));
        assert_eq!(holders[3].channel, None);
    }

    #[test]
    fn identifiers_round_trip() {
        for role in Role::EXPECTED.into_iter().chain([Role::Member]) {
            assert_eq!(Role::from_id(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), json!(role.as_str()));
        }
        assert_eq!(Role::from_id("owner"), None);
    }
}
