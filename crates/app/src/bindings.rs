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
    pub fn of<A: TS + 'static, R: TS + 'static>(
        name: &'static str,
        docs: &'static str,
    ) -> CommandSignature {
        let mut imports = exported_names::<A>();
        imports.extend(exported_names::<R>());
        CommandSignature {
            name,
            docs,
            args_ts: A::name(),
            result_ts: R::name(),
            imports,
            export: |dir| {
                export_with_dependencies::<A>(dir)?;
                export_with_dependencies::<R>(dir)
            },
        }
    }
}

/// Collects the exportable types a type expression names: the type itself, or for a wrapper without a
/// file of its own (`Vec<X>`, `Option<X>`), its type arguments.
struct Exportables<'a> {
    dir: Option<&'a Path>,
    names: Vec<String>,
    result: Result<(), ts_rs::ExportError>,
}

impl ts_rs::TypeVisitor for Exportables<'_> {
    fn visit<U: TS + 'static + ?Sized>(&mut self) {
        if U::output_path().is_none() {
            return;
        }
        self.names.push(U::ident());
        if let (Some(dir), Ok(())) = (self.dir, &self.result) {
            self.result = U::export_all_to(dir);
        }
    }
}

fn visit_top_level<T: TS + 'static>(visitor: &mut Exportables<'_>) {
    if T::output_path().is_some() {
        ts_rs::TypeVisitor::visit::<T>(visitor);
    } else {
        T::visit_generics(visitor);
    }
}

fn exported_names<T: TS + 'static>() -> Vec<String> {
    let mut visitor = Exportables {
        dir: None,
        names: Vec::new(),
        result: Ok(()),
    };
    visit_top_level::<T>(&mut visitor);
    visitor.names
}

fn export_with_dependencies<T: TS + 'static>(dir: &Path) -> Result<(), ts_rs::ExportError> {
    let mut visitor = Exportables {
        dir: Some(dir),
        names: Vec::new(),
        result: Ok(()),
    };
    visit_top_level::<T>(&mut visitor);
    visitor.result
}

/// ts-rs types `u64`/`i64` as `bigint`, but serde_json writes them as JSON numbers and `JSON.parse` reads
/// them as `number` (every count and timestamp we send is far below 2^53), so the bindings say `number`.
fn numbers_not_bigints(dir: &Path) -> Result<(), ts_rs::ExportError> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "ts") {
            let text = std::fs::read_to_string(&path)?;
            if text.contains("bigint") {
                std::fs::write(&path, text.replace("bigint", "number"))?;
            }
        }
    }
    Ok(())
}

/// Writes every binding into `dir` (usually `ui/src/ipc/bindings`) and returns the generated `commands.ts` text.
pub fn write_bindings(dir: &Path) -> Result<String, ts_rs::ExportError> {
    let signatures = crate::command_signatures();
    for signature in &signatures {
        (signature.export)(dir)?;
    }
    crate::AppEvent::export_all_to(dir)?;
    crate::AppError::export_all_to(dir)?;
    // The desktop shell's own `check_update` answers with it.
    crate::UpdateCheck::export_all_to(dir)?;
    numbers_not_bigints(dir)?;

    let mut imports: BTreeSet<String> = signatures
        .iter()
        .flat_map(|s| s.imports.iter().cloned())
        .collect();
    imports.insert("AppEvent".into());
    imports.insert("AppError".into());
    let mut out = String::from(
        "// Generated from crates/app/src/commands.rs by `cargo test -p meshlens-app --test bindings`. Do not edit.\n\n",
    );
    for name in &imports {
        out.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
    }
    out.push_str("\nexport type { AppEvent, AppError };\n\n/** Every backend command: its arguments and its result. */\nexport interface Commands {\n");
    for s in &signatures {
        for line in s.docs.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("  /** {} */\n", line.trim()));
        }
        out.push_str(&format!(
            "  {}: {{ args: {}; result: {} }};\n",
            s.name, s.args_ts, s.result_ts
        ));
    }
    out.push_str("}\n\nexport type CommandName = keyof Commands;\n\nexport const COMMAND_NAMES: readonly CommandName[] = [\n");
    for s in &signatures {
        out.push_str(&format!("  \"{}\",\n", s.name));
    }
    out.push_str("];\n");
    std::fs::write(dir.join("commands.ts"), &out)?;
    Ok(out)
}
