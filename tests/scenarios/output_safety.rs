//! What the CLI writes, when upstream text or the file system is hostile: a product name cannot drive the
//! terminal (escape sequences are printed visibly, JSON stays exact), and `report` neither replaces a file
//! nor writes through a link unless asked (`--force`, which still refuses links).

mod common;

use common::Meshlens;

/// OSC 52 (set the clipboard), OSC 0 (retitle the terminal), a C1 CSI and a right-to-left override.
const HOSTILE_NAME: &str =
    "Evil \u{1b}]52;c;ZXZpbA==\u{7} \u{1b}]0;title\u{7} \u{9b}2J \u{202e}gnp.exe";

fn mesh_with_hostile_name(m: &Meshlens) -> std::path::PathBuf {
    let folder = m.path().join("upstream");
    std::fs::create_dir_all(&folder).unwrap();
    let product =
        std::fs::read_to_string(common::demo_mesh().join("customer/customer-360.odps.yaml"))
            .unwrap();
    // YAML's double-quoted escapes (`\e`, `\a`, `\x9b`, `\u202e`) carry the control characters.
    let hostile = r#"name: "Evil \e]52;c;ZXZpbA==\a \e]0;title\a \x9b2J \u202egnp.exe""#;
    let product = product.replacen("name: Customer 360", hostile, 1);
    std::fs::write(folder.join("evil.odps.yaml"), product).unwrap();
    folder
}

#[test]
fn upstream_control_characters_are_printed_escaped_and_kept_exact_in_json() {
    let m = Meshlens::new();
    let folder = mesh_with_hostile_name(&m);
    m.add_folder("evil", &folder);
    m.ok(&["sync"]);
    for args in [
        &["products"][..],
        &["show", "customer-360"],
        &["search", "evil"],
    ] {
        let out = m.run(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']),
            "{args:?} printed a raw control character: {text:?}"
        );
        assert!(
            text.contains(r"Evil \x1b]52;c;ZXZpbA==\x07 \x1b]0;title\x07 \u{9b}2J \u{202e}gnp.exe"),
            "{args:?} does not show the name escaped: {text}"
        );
    }
    let listed = m.json(&["products"]);
    assert_eq!(listed[0]["name"], HOSTILE_NAME, "JSON output stays exact");
}

#[test]
fn report_does_not_replace_a_file_or_follow_a_link_unless_forced() {
    let m = Meshlens::new();
    let out = m.path().join("steward.html");
    std::fs::write(&out, "mine").unwrap();
    let refused = m.run(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("E_FILE_EXISTS") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");

    m.ok(&["report", "--out", out.to_str().unwrap(), "--force"]);
    assert!(std::fs::read_to_string(&out).unwrap().contains("<html"));

    let target = m.path().join("bashrc");
    std::fs::write(&target, "mine").unwrap();
    let link = m.path().join("link.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for args in [
        &["--out", link.to_str().unwrap()][..],
        &["--out", link.to_str().unwrap(), "--force"],
    ] {
        let run = m.run(&[&["report"][..], args].concat());
        assert_eq!(run.status.code(), Some(1), "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
}

#[test]
fn a_git_branch_shaped_like_an_option_is_the_user_s_argument_to_fix() {
    let m = Meshlens::new();
    let marker = m.path().join("pwned");
    let branch = format!("--branch=--upload-pack=touch {}", marker.display());
    let refused = m.run(&[
        "source",
        "add",
        "evil",
        "--kind",
        "git",
        "--url",
        "https://git.example.com/mesh.git",
        &branch,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("E_INVALID_ARGS") && stderr.contains("starts with '-'"),
        "{stderr}"
    );
    assert!(!marker.exists());
    assert_eq!(m.json(&["source", "list"]), serde_json::json!([]));
}
