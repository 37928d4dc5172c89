//! Sources (folder, git) and the incremental sync engine
