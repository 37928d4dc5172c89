//! SQLite cache: migrations, WAL, atomic sync commits, queries
