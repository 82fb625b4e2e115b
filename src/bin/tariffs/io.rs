//! Inputs, outputs written atomically, and progress on a terminal.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// Opens FILE, or standard input for `-`.
pub fn open_input(path: &str) -> Result<Box<dyn Read>, String> {
    if path == "-" {
        return Ok(Box::new(io::stdin().lock()));
    }
    File::open(path)
        .map(|f| Box::new(BufReader::with_capacity(1 << 16, f)) as Box<dyn Read>)
        .map_err(|e| format!("cannot read {path}: {e}"))
}

/// Standard output, or a file written under a temporary name and renamed into place by
/// [`Output::commit`], so that an interrupted run never leaves a half-written result.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    File {
        tmp: PathBuf,
        target: PathBuf,
        file: BufWriter<File>,
        committed: bool,
    },
}

impl Output {
    pub fn create(path: Option<&str>) -> Result<Output, String> {
        match path {
            None | Some("-") => Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(p) => {
                let target = PathBuf::from(p);
                let name = target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .ok_or_else(|| format!("{p} is not a file name"))?;
                let dir = target
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
                let file = File::create(&tmp)
                    .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
                Ok(Output::File {
                    tmp,
                    target,
                    file: BufWriter::with_capacity(1 << 16, file),
                    committed: false,
                })
            }
        }
    }

    /// Flushes and, for a file, renames it into place.
    pub fn commit(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File {
                tmp,
                target,
                file,
                committed,
            } => {
                file.flush()?;
                file.get_ref().sync_all()?;
                std::fs::rename(&*tmp, &*target)?;
                *committed = true;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File { file, .. } => file.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File { file, .. } => file.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { file, .. } => file.flush(),
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Output::File {
            tmp,
            committed: false,
            ..
        } = self
        {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// True when standard error is a terminal (progress is shown only then).
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}
