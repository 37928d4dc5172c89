//! App facade: the one command table shared by Tauri and the CLI
