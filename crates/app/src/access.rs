//! Access requests through the outbox and the agreements read back from sources: `access request`,
//! `access cancel` and `access list` (My access).

use meshlens_edit::{OutboxDocument, OutboxItem, OutboxStatus};
use meshlens_model::{AccessStatus, Agreement, Sensitivity, civil, date_days};
use meshlens_store::{ProductDetail, SourceKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode, EventSink, GetProductArgs, NoEvents};

/// `access request PRODUCT --port PORT --purpose TEXT --consumer TEAM_OR_PRODUCT [--columns a,b] [--until DATE]`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessRequestArgs {
    pub product: String,
    /// One of the product's output ports.
    pub port: String,
    pub purpose: String,
    /// The consuming team, or a product id from the cache.
    pub consumer: String,
    /// Columns of the port's contract (none: the whole port).
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub columns: Vec<String>,
    /// End date (YYYY-MM-DD), today or later; required on a restricted port.
    #[serde(default)]
    #[ts(optional)]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AccessRef {
    /// The request's id (`access-…`).
    pub id: String,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessListArgs {
    /// Only requests made from this machine (those that went through its outbox).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub mine: bool,
    #[serde(default)]
    #[ts(optional)]
    pub product: Option<String>,
}

/// One access request or agreement (`meshlens access list`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AccessEntry {
    pub id: String,
    pub product: String,
    pub port: String,
    /// The consuming product, else team, else user.
    pub consumer: String,
    pub purpose: String,
    pub status: AccessStatus,
    pub requested_at: Option<String>,
    /// When a sync first read the owners' decision.
    pub decided_at: Option<String>,
    pub until: Option<String>,
    /// The source the request goes (or went) to.
    pub target: String,
}

/// What `access request` did: the request and its outbox item.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccessRequested {
    pub request: AccessEntry,
    pub item: OutboxItem,
    /// When the product's source takes no request files: the request prepared as an e-mail to its
    /// owners (a `mailto:` link with subject and body) for the user to open and send.
    pub email: Option<String>,
}

/// Where a request goes: a request file in the product's folder or git source, or an e-mail to
/// this address of its owners.
enum Target {
    Source,
    Email(String),
}

/// The `target` of a request prepared as an e-mail (`access list`).
const EMAIL_TARGET: &str = "email";

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::AccessInvalid, message)
}

/// The folder every request and agreement file goes to in a source.
fn request_path(id: &str) -> String {
    format!("access/{id}.yaml")
}

/// The request id an outbox item carries, when it is an access request.
fn request_id(item: &OutboxItem) -> Option<&str> {
    let doc = item.documents.first()?;
    let name = doc.path.strip_prefix("access/")?.strip_suffix(".yaml")?;
    doc.keep_existing.then_some(name)
}

fn entry(agreement: &Agreement, status: AccessStatus, target: &str) -> AccessEntry {
    AccessEntry {
        id: agreement.id.clone(),
        product: agreement.product.clone(),
        port: agreement.port.clone(),
        consumer: agreement.consumer().to_owned(),
        purpose: agreement.purpose.clone(),
        status,
        requested_at: agreement
            .requested_at
            .clone()
            .or(Some(agreement.start_date.clone())),
        decided_at: None,
        until: agreement.end_date.clone(),
        target: target.to_owned(),
    }
}

/// A request still in (or delivered through) the outbox, as long as no sync has read its file back.
/// One the target refused stays `queued` here; `meshlens outbox` says why.
fn outbox_entry(item: &OutboxItem) -> Option<AccessEntry> {
    let doc = item.documents.first()?;
    let agreement = meshlens_model::parse_agreement(&doc.path, doc.text.as_bytes()).ok()?;
    let status = match item.status {
        OutboxStatus::Submitted => AccessStatus::Requested,
        OutboxStatus::Cancelled => return None,
        _ => AccessStatus::Queued,
    };
    Some(entry(&agreement, status, target_of(item)))
}

/// The prepared e-mail of a request that went by mail: its receipt is the `mailto:` link.
fn prepared_email(item: &OutboxItem) -> Option<&str> {
    item.receipt.as_deref().filter(|r| r.starts_with("mailto:"))
}

fn target_of(item: &OutboxItem) -> &str {
    prepared_email(item).map_or(item.source.as_str(), |_| EMAIL_TARGET)
}

impl App {
    /// Checks the request against the cache, queues its agreement file for the product's source and
    /// tries to deliver it at once; offline it waits in the outbox.
    pub async fn access_request(
        &self,
        args: AccessRequestArgs,
        _: &dyn EventSink,
    ) -> Result<AccessRequested, AppError> {
        let detail = self.store().get_product(&args.product).await?;
        let detail =
            detail.ok_or_else(|| AppError::not_found(format!("product `{}`", args.product)))?;
        let target = self.request_target(&detail).await?;
        let mut agreement = self.request_agreement(&detail, &args).await?;
        let key =
            meshlens_edit::idempotency_key(&["access", &detail.source, &agreement.request_yaml()]);
        agreement.id = format!("access-{}", &key[..12]);
        agreement.requested_at = Some(civil::format_epoch_millis(meshlens_edit::now_ms(), false));
        let document = OutboxDocument {
            entity_id: agreement.product.clone(),
            path: request_path(&agreement.id),
            text: agreement.request_yaml(),
            base_hash: None,
            base_text: None,
            keep_existing: true,
        };
        let item = match target {
            Target::Source => self.deliver_request(&key, &detail.source, document).await?,
            Target::Email(address) => {
                let link = request_mail(&address, &agreement, &document.text)?;
                let store = self.store();
                meshlens_edit::record_delivered(store, &key, &detail.source, &[document], &link)
                    .await?
            }
        };
        let request = outbox_entry(&item).ok_or_else(|| {
            AppError::new(
                ErrorCode::Internal,
                "the queued request cannot be read back",
            )
        })?;
        let email = prepared_email(&item).map(str::to_owned);
        Ok(AccessRequested {
            request,
            item,
            email,
        })
    }

    /// Queues the request file for the product's source and tries to deliver it at once.
    async fn deliver_request(
        &self,
        key: &str,
        source: &str,
        document: OutboxDocument,
    ) -> Result<OutboxItem, AppError> {
        let store = self.store();
        let mut item = meshlens_edit::enqueue(store, key, None, source, &[document]).await?;
        if item.status == OutboxStatus::Cancelled {
            item = meshlens_edit::requeue_cancelled(store, item.id).await?;
        }
        self.drain_outbox().await?;
        Ok(meshlens_edit::get_item(store, item.id).await?)
    }

    /// Requests go where the product's source keeps agreements: a folder or git source takes a request
    /// file, Entropy Data its access API; any other catalog server gets an e-mail to the product's
    /// owners.
    async fn request_target(&self, detail: &ProductDetail) -> Result<Target, AppError> {
        let source = &detail.source;
        let record = self.store().get_source(source).await?;
        let record = record.ok_or_else(|| AppError::not_found(format!("source `{source}`")))?;
        let unsupported = |why: String| AppError::new(ErrorCode::AccessTargetUnsupported, why);
        match record.config.kind {
            SourceKind::Folder { .. } | SourceKind::Git { .. } | SourceKind::Entropy { .. } => {
                Ok(Target::Source)
            }
            other => {
                let ownership = self
                    .owners(
                        GetProductArgs {
                            id: detail.product.id.clone(),
                        },
                        &NoEvents,
                    )
                    .await?;
                let address = ownership.roles.iter().find_map(|holder| {
                    let email = holder.email.as_deref()?;
                    crate::links::mailto(email, "", "").map(|_| email.to_owned())
                });
                address.map(Target::Email).ok_or_else(|| {
                    unsupported(format!(
                        "source `{source}` is a {} catalog server, which takes no request files, and product `{}` \
                         names no owner with an e-mail address to send the request to",
                        other.as_str(),
                        detail.product.id
                    ))
                })
            }
        }
    }

    /// The agreement a request asks for (its id and request time are set by the caller), after
    /// checking the port, purpose, consumer, columns and end date.
    async fn request_agreement(
        &self,
        detail: &ProductDetail,
        args: &AccessRequestArgs,
    ) -> Result<Agreement, AppError> {
        let product = &detail.product;
        let port = product.output_ports.iter().find(|p| p.name == args.port);
        let port = port.ok_or_else(|| {
            let names: Vec<&str> = product
                .output_ports
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            AppError::new(
                ErrorCode::NotFound,
                format!(
                    "product `{}` has no output port `{}` (its output ports: {})",
                    product.id,
                    args.port,
                    names.join(", ")
                ),
            )
        })?;
        let contract = detail.contracts.iter().find(|c| c.port.port == port.name);
        let level = product.sensitivity(contract.map(|c| &c.contract));
        let purpose = args.purpose.trim();
        if purpose.is_empty() {
            return Err(invalid(
                "say what the data is for: --purpose must not be empty",
            ));
        }
        let today = civil::today_utc();
        let until = check_until(args.until.as_deref(), &today, level)?;
        if let Some(contract) = contract {
            check_columns(&args.columns, &contract.contract)?;
        }
        let provider_team = product.owner_team.clone().ok_or_else(|| {
            invalid(format!(
                "product `{}` names no owning team (team.name), which an agreement needs",
                product.id
            ))
        })?;
        let (consumer_team, consumer_product) = self.consumer_of(&args.consumer).await?;
        Ok(Agreement {
            id: String::new(),
            product: product.id.clone(),
            port: port.name.clone(),
            contract: port.contract_id.clone(),
            provider_team,
            consumer_team,
            consumer_product,
            consumer_user: None,
            purpose: purpose.to_owned(),
            declared_status: "requested".into(),
            active: Some(false),
            start_date: today,
            end_date: until,
            columns: args.columns.clone(),
            requested_at: None,
        })
    }

    /// A product id from the cache is the consuming product (with its team); anything else a team.
    async fn consumer_of(
        &self,
        consumer: &str,
    ) -> Result<(Option<String>, Option<String>), AppError> {
        let consumer = consumer.trim();
        if consumer.is_empty() {
            return Err(invalid(
                "name the consuming team or product: --consumer must not be empty",
            ));
        }
        Ok(match self.store().get_product(consumer).await? {
            Some(product) => (product.product.owner_team, Some(product.product.id)),
            None => (Some(consumer.to_owned()), None),
        })
    }

    /// Withdraws a request that has not been delivered yet.
    pub async fn access_cancel(
        &self,
        args: AccessRef,
        _: &dyn EventSink,
    ) -> Result<AccessEntry, AppError> {
        let items = meshlens_edit::list_items(self.store()).await?;
        let found = items
            .iter()
            .rev()
            .find(|item| request_id(item) == Some(args.id.as_str()));
        let item = found.ok_or_else(|| {
            AppError::not_found(format!(
                "access request `{}` (in this machine's outbox)",
                args.id
            ))
        })?;
        if item.status == OutboxStatus::Submitted {
            return Err(invalid(format!(
                "access request `{}` was delivered to `{}` already; its owners answer it there",
                args.id, item.source
            )));
        }
        let cancelled = meshlens_edit::cancel(self.store(), item.id).await?;
        let doc = &cancelled.documents[0];
        let agreement =
            meshlens_model::parse_agreement(&doc.path, doc.text.as_bytes()).map_err(|_| {
                AppError::new(
                    ErrorCode::Internal,
                    "the cancelled request cannot be read back",
                )
            })?;
        Ok(entry(&agreement, AccessStatus::Draft, &cancelled.source))
    }

    /// Every request and agreement: those read from sources, and this machine's requests no sync
    /// has read back yet.
    pub async fn access_list(
        &self,
        args: AccessListArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<AccessEntry>, AppError> {
        let today = civil::today_utc();
        let items = meshlens_edit::list_items(self.store()).await?;
        let mine: Vec<AccessEntry> = items
            .iter()
            .filter(|item| request_id(item).is_some())
            .filter_map(outbox_entry)
            .collect();
        let mut entries = Vec::new();
        // Mine: only the agreements this machine's requests became, found by id, not every one.
        let stored = if args.mine {
            let ids: Vec<String> = mine.iter().map(|m| m.id.clone()).collect();
            let mut read = self.store().agreements_with_ids(&ids).await?;
            read.retain(|s| {
                args.product
                    .as_ref()
                    .is_none_or(|p| *p == s.agreement.product)
            });
            read
        } else {
            self.store()
                .list_agreements(args.product.as_deref())
                .await?
        };
        for stored in stored {
            let agreement = &stored.agreement;
            let mut read = entry(agreement, agreement.status_on(&today), &stored.source);
            read.decided_at = stored.decided_at.clone();
            entries.push(read);
        }
        let unread: Vec<AccessEntry> = mine
            .into_iter()
            .filter(|m| {
                args.product.as_ref().is_none_or(|p| *p == m.product)
                    && !entries.iter().any(|e| e.id == m.id)
            })
            .collect();
        entries.extend(unread);
        entries.sort_by(|a, b| a.product.cmp(&b.product).then(a.id.cmp(&b.id)));
        Ok(entries)
    }

    /// Approved agreements in force on the product's ports, as (consumer, port, start date).
    pub(crate) async fn agreement_consumers(
        &self,
        product: &str,
    ) -> Result<Vec<(String, String, String)>, AppError> {
        let found = self.agreements_in_force(Some(product)).await?;
        Ok(found
            .into_iter()
            .map(|a| (a.consumer().to_owned(), a.port, a.start_date))
            .collect())
    }

    /// The approved agreements in force today, on one product's ports or on every product's.
    pub(crate) async fn agreements_in_force(
        &self,
        product: Option<&str>,
    ) -> Result<Vec<Agreement>, AppError> {
        let today = civil::today_utc();
        let stored = self.store().list_agreements(product).await?;
        Ok(stored
            .into_iter()
            .map(|s| s.agreement)
            .filter(|a| a.status_on(&today) == AccessStatus::Approved)
            .collect())
    }
}

/// The request as an e-mail to `address`: everything its owners need to decide, and the request as
/// the Data Usage Agreement they may keep.
fn request_mail(address: &str, agreement: &Agreement, yaml: &str) -> Result<String, AppError> {
    let columns = match agreement.columns.as_slice() {
        [] => "all of the port's".to_owned(),
        named => named.join(", "),
    };
    let requester = crate::feedback::local_user().unwrap_or_else(|| "a meshlens user".into());
    let (product, port, id) = (&agreement.product, &agreement.port, &agreement.id);
    let consumer = agreement.consumer();
    let subject = format!("Access request: {product} / {port}");
    let body = format!(
        "Hello,\n\n{consumer} asks for access to the output port {port} of the data product {product}.\n\n\
         Product: {product}\nOutput port: {port}\nConsumer: {consumer}\nPurpose: {}\nColumns: {columns}\n\
         Until: {}\nRequested by: {requester} (with meshlens, {})\nRequest: {id}\n\n\
         The request as a Data Usage Agreement, to keep as access/{id}.yaml with your answer in info.status:\n\n{yaml}",
        agreement.purpose,
        agreement.end_date.as_deref().unwrap_or("no end date"),
        agreement.requested_at.as_deref().unwrap_or_default(),
    );
    crate::links::mailto(address, &subject, &body)
        .ok_or_else(|| invalid("the request is too long to open as an e-mail: shorten the purpose"))
}

/// The end date: well-formed, not past, and given when the port is restricted.
fn check_until(
    until: Option<&str>,
    today: &str,
    level: Sensitivity,
) -> Result<Option<String>, AppError> {
    let Some(until) = until.map(str::trim) else {
        if level == Sensitivity::Restricted {
            return Err(invalid(
                "this port is restricted: a request must name an end date (--until YYYY-MM-DD)",
            ));
        }
        return Ok(None);
    };
    let days =
        date_days(until).ok_or_else(|| invalid(format!("`{until}` is not a date (YYYY-MM-DD)")))?;
    if date_days(today).is_some_and(|now| days < now) {
        return Err(invalid(format!(
            "the end date {until} is in the past (today is {today})"
        )));
    }
    Ok(Some(until.to_owned()))
}

/// Every column asked for must be one of the contract's.
fn check_columns(columns: &[String], contract: &meshlens_model::Contract) -> Result<(), AppError> {
    let known = |name: &str| {
        contract
            .datasets
            .iter()
            .flat_map(|d| &d.columns)
            .any(|c| c.name == name)
    };
    let unknown: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| !known(c))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(invalid(format!(
        "contract `{}` has no column {}",
        contract.id,
        unknown
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_dates_are_checked_against_today_and_the_port_level() {
        let today = "2026-12-07";
        assert!(
            check_until(None, today, Sensitivity::Internal)
                .unwrap()
                .is_none()
        );
        let err = check_until(None, today, Sensitivity::Restricted).unwrap_err();
        assert_eq!(err.code, ErrorCode::AccessInvalid);
        assert!(err.message.contains("restricted"));
        assert_eq!(
            check_until(Some("2026-12-07"), today, Sensitivity::Restricted).unwrap(),
            Some("2026-12-07".into())
        );
        assert!(
            check_until(Some("2026-12-06"), today, Sensitivity::Public)
                .unwrap_err()
                .message
                .contains("past")
        );
        assert!(check_until(Some("soon"), today, Sensitivity::Public).is_err());
    }
}
