//! Input-port links: a product consumes another when one of its input ports names the contract (and version,
//! when both name one) of the other's output port. `consumers` reads one product's by the join; `mesh` and
//! `adoption` read the whole mesh's pairs, stored with the quality targets (migration 0021) for one catalogue
//! generation.

use sqlx::SqliteConnection;

use crate::error::{Ctx, DbError, decode_json};
use crate::{Store, StoreError};

/// (provider, consumer, provider's output port) of every input-port link.
pub(crate) const INPUT_PORT_LINKS: &str =
    "SELECT DISTINCT o.product_id AS provider, i.product_id AS consumer, o.name AS port
     FROM ports o
     JOIN ports i ON i.contract_id = o.contract_id AND i.direction = 'in'
       AND (i.version IS NULL OR o.version IS NULL OR i.version = o.version)
     WHERE o.direction = 'out' AND i.product_id <> o.product_id";

/// Every (provider, consumer) pair of [`INPUT_PORT_LINKS`], once each.
fn linked_pairs() -> String {
    format!("SELECT DISTINCT provider, consumer FROM ({INPUT_PORT_LINKS})")
}

/// Stores every (provider, consumer) pair of the catalogue as it is in `conn`'s transaction, stamped with
/// `generation`: the catalogue generation the caller read before deriving (a catalogue that moved since
/// leaves the stamp behind, so the rows are not trusted).
pub async fn write_input_port_links(
    conn: &mut SqliteConnection,
    generation: i64,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM input_port_links")
        .execute(&mut *conn)
        .await
        .ctx("clear input port links")?;
    sqlx::query(&format!(
        "INSERT INTO input_port_links (provider, consumer) {}",
        linked_pairs()
    ))
    .execute(&mut *conn)
    .await
    .ctx("store input port links")?;
    sqlx::query("UPDATE input_port_links_meta SET generation = ? WHERE id = 1")
        .bind(generation)
        .execute(&mut *conn)
        .await
        .ctx("stamp input port links")?;
    Ok(())
}

impl Store {
    /// Every input-port link of the mesh as (provider, consumer), in no particular order: the stored pairs when
    /// they hold for the current catalogue generation, else the join. One JSON text: 15k rows on a 10k-product mesh crossed
    /// sqlx one by one in a third of `mesh`.
    pub async fn input_port_links(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx("begin reading input port links")?;
        let (stored,): (bool,) = sqlx::query_as(
            "SELECT m.generation = l.generation FROM input_port_links_meta m, lineage_meta l
             WHERE m.id = 1 AND l.id = 1",
        )
        .fetch_one(&mut *tx)
        .await
        .ctx("read input port links stamp")?;
        let pairs = match stored {
            true => "SELECT provider, consumer FROM input_port_links".to_owned(),
            false => linked_pairs(),
        };
        let (text,): (String,) = sqlx::query_as(&format!(
            "SELECT json_group_array(json_array(provider, consumer)) FROM ({pairs})"
        ))
        .fetch_one(&mut *tx)
        .await
        .ctx("find input port links")?;
        decode_json(&text, || "input port links".into())
    }
}
