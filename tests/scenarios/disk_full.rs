//! A sync into a data directory that runs out of space fails with a clear "disk full" error (E_DISK_FULL)
//! and keeps the previous cache; once there is room again the next sync completes.
//!
//! The space is limited for real with a small tmpfs (needs root, as in CI containers); otherwise with a
//! file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so writes fail with EFBIG), which every Unix has.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::demo_mesh;

/// What the cache may grow to: the demo mesh fits, the generated mesh does not.
const ROOM: u64 = 24 * 1024 * 1024;

/// A data directory with limited room.
enum Limited {
    /// A tmpfs of [`ROOM`] bytes mounted on the folder; unmounted on drop.
    Tmpfs(tempfile::TempDir),
    /// Every process gets RLIMIT_FSIZE = [`ROOM`].
    FileSize(tempfile::TempDir),
}

impl Limited {
    fn new() -> Limited {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={ROOM}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        if mounted {
            return Limited::Tmpfs(dir);
        }
        eprintln!(
            "cannot mount a tmpfs (not root?); limiting file sizes with RLIMIT_FSIZE instead"
        );
        Limited::FileSize(dir)
    }

    fn path(&self) -> PathBuf {
        match self {
            Limited::Tmpfs(dir) | Limited::FileSize(dir) => dir.path().join("data"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meshlens"));
        command
            .arg("--data-dir")
            .arg(self.path())
            .args(args)
            .env_remove("MESHLENS_DATA_DIR");
        if let Limited::FileSize(_) = self {
            // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
            unsafe {
                command.pre_exec(|| {
                    let limit = libc::rlimit {
                        rlim_cur: ROOM,
                        rlim_max: ROOM,
                    };
                    if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                    Ok(())
                });
            }
        }
        command.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "meshlens {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Gives the data directory room again (a larger tmpfs, or no limit).
    fn grow(self) -> Unlimited {
        if let Limited::Tmpfs(dir) = &self {
            let size = format!("remount,size={}", ROOM * 16);
            let status = Command::new("mount")
                .args(["-o", &size])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "remount the tmpfs larger");
        }
        Unlimited(self)
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        if let Limited::Tmpfs(dir) = self {
            Command::new("umount")
                .arg("-l")
                .arg(dir.path())
                .status()
                .ok();
        }
    }
}

struct Unlimited(Limited);

impl Unlimited {
    fn ok(&self, args: &[&str]) -> String {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meshlens"));
        let out = command
            .arg("--data-dir")
            .arg(self.0.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "meshlens {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn generate(out: &Path, products: usize) {
    let status = Command::new(env!("CARGO_BIN_EXE_meshlens"))
        .args([
            "demo",
            "generate",
            "--products",
            &products.to_string(),
            "--out",
        ])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_sync_that_fills_the_disk_fails_clearly_and_keeps_the_previous_cache() {
    let disk = Limited::new();
    let big = tempfile::tempdir().unwrap();
    generate(big.path(), 3000);
    disk.ok(&[
        "source",
        "add",
        "demo",
        "--kind",
        "folder",
        "--path",
        demo_mesh().to_str().unwrap(),
    ]);
    disk.ok(&["sync"]);
    let before = disk.ok(&["products", "--json"]);
    disk.ok(&[
        "source",
        "add",
        "big",
        "--kind",
        "folder",
        "--path",
        big.path().to_str().unwrap(),
    ]);

    let out = disk.run(&["sync", "big", "--json"]);
    assert!(!out.status.success(), "the sync cannot fit in {ROOM} bytes");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("E_DISK_FULL") && said.contains("disk full"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");

    assert_eq!(
        disk.ok(&["products", "--json"]),
        before,
        "the previous cache is kept"
    );
    let searched = disk.ok(&["search", "customer", "--json"]);
    assert!(searched.contains("customer-360"), "{searched}");

    // With room again, the data directory is healthy and writable.
    let disk = disk.grow();
    disk.ok(&["source", "remove", "big"]);
    disk.ok(&["sync"]);
    disk.ok(&["doctor"]);
}
