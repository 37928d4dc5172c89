//! `sqlx::migrate!` embeds `migrations/` at compile time; without this, a new migration file would
//! not rebuild the crate, and a binary from an incremental build would miss it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
