//! NDJSON output split into numbered files of bounded size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::generate::GenerateError;

/// Appends one JSON document per line to `<dir>/<prefix>-00001.ndjson`, starting a new file
/// whenever the next line would push the current one past `limit` bytes.
pub(crate) struct RotatingNdjson {
    dir: PathBuf,
    prefix: &'static str,
    limit: u64,
    current: Option<(PathBuf, BufWriter<File>, u64)>,
    files: Vec<PathBuf>,
    bytes: u64,
    lines: u64,
}

impl RotatingNdjson {
    pub(crate) fn new(dir: &Path, prefix: &'static str, limit: u64) -> Self {
        RotatingNdjson {
            dir: dir.to_path_buf(),
            prefix,
            limit,
            current: None,
            files: Vec::new(),
            bytes: 0,
            lines: 0,
        }
    }

    /// Writes `line` (which must not contain a newline) plus `\n`.
    pub(crate) fn write_line(&mut self, line: &[u8]) -> Result<(), GenerateError> {
        let len = line.len() as u64 + 1;
        let full =
            matches!(&self.current, Some((_, _, used)) if *used > 0 && used + len > self.limit);
        if full {
            self.finish_current()?;
        }
        if self.current.is_none() {
            let path = self.dir.join(format!(
                "{}-{:05}.ndjson",
                self.prefix,
                self.files.len() + 1
            ));
            let file = File::create(&path).map_err(|source| GenerateError::io(&path, source))?;
            self.files.push(path.clone());
            self.current = Some((path, BufWriter::with_capacity(256 * 1024, file), 0));
        }
        let (path, out, used) = self.current.as_mut().expect("a file was opened above");
        out.write_all(line)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|source| GenerateError::io(path, source))?;
        *used += len;
        self.bytes += len;
        self.lines += 1;
        Ok(())
    }

    fn finish_current(&mut self) -> Result<(), GenerateError> {
        if let Some((path, mut out, _)) = self.current.take() {
            out.flush()
                .map_err(|source| GenerateError::io(&path, source))?;
        }
        Ok(())
    }

    /// Flushes the last file; returns (files written, bytes, lines).
    pub(crate) fn finish(mut self) -> Result<(usize, u64, u64), GenerateError> {
        self.finish_current()?;
        Ok((self.files.len(), self.bytes, self.lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_before_exceeding_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = RotatingNdjson::new(tmp.path(), "events", 25);
        for _ in 0..5 {
            w.write_line(b"0123456789").unwrap(); // 11 bytes with the newline: two per file
        }
        assert_eq!(w.finish().unwrap(), (3, 55, 5));
        let sizes: Vec<u64> = (1..=3)
            .map(|i| {
                std::fs::metadata(tmp.path().join(format!("events-{i:05}.ndjson")))
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(sizes, [22, 22, 11]);
    }
}
