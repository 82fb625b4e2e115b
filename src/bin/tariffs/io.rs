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
/// [`Output::commit`], so that an interrupted run never leaves a half-written result. A path
/// that exists and is not a regular file (`/dev/null`, a named pipe, a terminal) is written
/// in place: renaming over it would replace the device or pipe with a file.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    Direct(BufWriter<File>),
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
                let mut target = PathBuf::from(p);
                match std::fs::metadata(&target) {
                    Ok(m) if !m.is_file() => {
                        let file = std::fs::OpenOptions::new()
                            .write(true)
                            .open(&target)
                            .map_err(|e| format!("cannot write {p}: {e}"))?;
                        return Ok(Output::Direct(BufWriter::with_capacity(1 << 16, file)));
                    }
                    // A link to a file: the file it links to is replaced, not the link.
                    Ok(_) => {
                        target = std::fs::canonicalize(&target)
                            .map_err(|e| format!("cannot write {p}: {e}"))?;
                    }
                    Err(_) => {}
                }
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
            Output::Direct(w) => w.flush(),
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
            Output::Direct(w) => w.write(buf),
            Output::File { file, .. } => file.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::Direct(w) => w.write_all(buf),
            Output::File { file, .. } => file.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Direct(w) => w.flush(),
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
