//! Generates the TypeScript side of the command table: one `.ts` file per type (ts-rs) plus
//! `commands.ts`, which maps each command name to its argument and result types.

use std::collections::BTreeSet;
use std::path::Path;

use ts_rs::TS;

pub struct CommandSignature {
    pub name: &'static str,
    pub docs: &'static str,
    pub args_ts: String,
    pub result_ts: String,
    /// Type names the signature refers to, which `commands.ts` must import.
    imports: Vec<String>,
    export: fn(&Path) -> Result<(), ts_rs::ExportError>,
}

impl CommandSignature {
    pub fn of<A: TS + 'static, R: TS + 'static>(name: &'static str, docs: &'static str) -> CommandSignature {
        let mut imports = Vec::new();
        for dep in A::dependencies().into_iter().chain(R::dependencies()) {
            imports.push(dep.ts_name);
        }
        if A::output_path().is_some() {
            imports.push(A::ident());
        }
        if R::output_path().is_some() {
            imports.push(R::ident());
        }
        CommandSignature {
            name,
            docs,
            args_ts: A::name(),
            result_ts: R::name(),
            imports,
            export: |dir| {
                export_type_or_dependencies::<A>(dir)?;
                export_type_or_dependencies::<R>(dir)
            },
        }
    }
}

/// Exports `T` with everything it refers to; for a type that has no file of its own (`Vec<X>`, `bool`),
/// exports the types it refers to.
fn export_type_or_dependencies<T: TS + 'static>(dir: &Path) -> Result<(), ts_rs::ExportError> {
    struct ExportAll<'a> {
        dir: &'a Path,
        result: Result<(), ts_rs::ExportError>,
    }
    impl ts_rs::TypeVisitor for ExportAll<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if self.result.is_ok() && U::output_path().is_some() {
                self.result = U::export_all_to(self.dir);
            }
        }
    }
    if T::output_path().is_some() {
        return T::export_all_to(dir);
    }
    let mut visitor = ExportAll { dir, result: Ok(()) };
    T::visit_dependencies(&mut visitor);
    visitor.result
}

/// Writes every binding into `dir` (usually `ui/src/ipc/bindings`) and returns the generated `commands.ts` text.
pub fn write_bindings(dir: &Path) -> Result<String, ts_rs::ExportError> {
    let signatures = crate::command_signatures();
    for signature in &signatures {
        (signature.export)(dir)?;
    }
    crate::AppEvent::export_all_to(dir)?;
    crate::AppError::export_all_to(dir)?;

    let mut imports: BTreeSet<String> = signatures.iter().flat_map(|s| s.imports.iter().cloned()).collect();
    imports.insert("AppEvent".into());
    imports.insert("AppError".into());
    let mut out = String::from("// Generated from crates/app/src/commands.rs by `cargo test -p meshlens-app --test bindings`. Do not edit.\n\n");
    for name in &imports {
        out.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
    }
    out.push_str("\nexport type { AppEvent, AppError };\n\n/** Every backend command: its arguments and its result. */\nexport interface Commands {\n");
    for s in &signatures {
        for line in s.docs.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("  /** {} */\n", line.trim()));
        }
        out.push_str(&format!("  {}: {{ args: {}; result: {} }};\n", s.name, s.args_ts, s.result_ts));
    }
    out.push_str("}\n\nexport type CommandName = keyof Commands;\n\nexport const COMMAND_NAMES: readonly CommandName[] = [\n");
    for s in &signatures {
        out.push_str(&format!("  \"{}\",\n", s.name));
    }
    out.push_str("];\n");
    std::fs::write(dir.join("commands.ts"), &out)?;
    Ok(out)
}
