//! Inputs, outputs put in place whole at the end, the temporary files an interrupted run
//! removes, outputs that would overwrite an input, and progress on a terminal.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Opens FILE, or standard input for `-`.
pub fn open_input(path: &str) -> Result<Box<dyn Read>, String> {
    if path == "-" {
        return Ok(Box::new(io::stdin().lock()));
    }
    File::open(path)
        .map(|f| Box::new(BufReader::with_capacity(1 << 16, f)) as Box<dyn Read>)
        .map_err(|e| format!("cannot read {path}: {e}"))
}

/// The named temporary files of this run, removed by [`remove_temporaries_on_signals`]'s
/// thread. Held while such a file is created, put in place or removed, so that a signal
/// arriving then waits until the files are in a known state.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARIES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// On SIGINT, SIGTERM or SIGHUP: removes the named temporary files and exits with 128 + the
/// signal's number (130, 143, 129). Unnamed temporary files need no removal: the system frees
/// them when the process ends, however it ends. Where the handler cannot be installed, the
/// signals keep their default action.
#[cfg(unix)]
pub fn remove_temporaries_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let (ready, installed) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]);
            let _ = ready.send(());
            let Ok(mut signals) = signals else { return };
            if let Some(signal) = signals.forever().next() {
                let held = temporaries();
                for path in held.iter() {
                    let _ = std::fs::remove_file(path);
                }
                if io::stderr().is_terminal() {
                    // Clears a progress line.
                    let _ = io::stderr().write_all(b"\r\x1b[K");
                }
                std::process::exit(128 + signal);
            }
        });
    if spawned.is_ok() {
        // Installed (or failed) before any temporary file is made.
        let _ = installed.recv();
    }
}

#[cfg(not(unix))]
pub fn remove_temporaries_on_signals() {}

/// Standard output, or a file put in place by [`Output::commit`] only when it is complete: an
/// interrupted or failed run never leaves a half-written result. A path that exists and is
/// not a regular file (`/dev/null`, a named pipe, a terminal) is written in place: putting a
/// file in its place would replace the device or pipe with a file.
pub struct Output {
    /// The output as the user named it, for messages.
    name: String,
    sink: Sink,
    /// A write failed (the batch's write errors are told apart from its report's by this).
    failed: bool,
}

enum Sink {
    Stdout(BufWriter<io::Stdout>),
    Direct(BufWriter<File>),
    File {
        file: BufWriter<File>,
        /// The path put in place (a link to a file is resolved: the file is replaced, not
        /// the link).
        target: PathBuf,
        temp: Temp,
    },
}

enum Temp {
    /// Linux's `O_TMPFILE`: a file with no name in the target's directory, linked into place
    /// by `commit`. Nothing is left of it however the process ends.
    #[cfg(target_os = "linux")]
    Unnamed,
    /// `.NAME.tmp-PID` beside the target, renamed into place by `commit`, removed on drop and
    /// on SIGINT/SIGTERM/SIGHUP.
    Named(PathBuf),
    /// Put in place.
    Done,
}

impl Output {
    pub fn create(path: Option<&str>) -> Result<Output, String> {
        let p = match path {
            None | Some("-") => {
                return Ok(Output {
                    name: "standard output".into(),
                    sink: Sink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
                    failed: false,
                })
            }
            Some(p) => p,
        };
        let cannot = |e: io::Error| format!("cannot write {p}: {e}");
        let mut target = PathBuf::from(p);
        // A link to a file not there yet: the file is made where the link points, and the
        // link kept.
        if std::fs::metadata(&target).is_err() {
            if let Ok(to) = std::fs::read_link(&target) {
                target = match target.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
        }
        match std::fs::metadata(&target) {
            Ok(m) if !m.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(cannot)?;
                return Ok(Output {
                    name: p.into(),
                    sink: Sink::Direct(BufWriter::with_capacity(1 << 16, file)),
                    failed: false,
                });
            }
            Ok(_) => target = std::fs::canonicalize(&target).map_err(cannot)?,
            Err(_) => {}
        }
        let Some(file_name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Err(format!("{p} is not a file name"));
        };
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        #[cfg(target_os = "linux")]
        if let Some(file) = unnamed_file(&dir) {
            return Ok(Output {
                name: p.into(),
                sink: Sink::File {
                    file: BufWriter::with_capacity(1 << 16, file),
                    target,
                    temp: Temp::Unnamed,
                },
                failed: false,
            });
        }
        let tmp = dir.join(hidden_name(&file_name));
        let file = {
            let mut held = temporaries();
            let file = File::create(&tmp).map_err(cannot)?;
            held.push(tmp.clone());
            file
        };
        Ok(Output {
            name: p.into(),
            sink: Sink::File {
                file: BufWriter::with_capacity(1 << 16, file),
                target,
                temp: Temp::Named(tmp),
            },
            failed: false,
        })
    }

    /// The output as the user named it (`standard output` for none).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when a write to this output failed.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Flushes, and for a file syncs it to disk, without putting it in place yet; the error
    /// names the output as typed.
    pub fn prepare(&mut self) -> Result<(), String> {
        let done = match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::Direct(w) => w.flush(),
            Sink::File { file, .. } => file.flush().and_then(|()| file.get_ref().sync_all()),
        };
        if done.is_err() {
            self.failed = true;
        }
        done.map_err(|e| format!("cannot write {}: {e}", self.name))
    }

    /// Flushes and, for a file, puts it in place; the error names the output as typed.
    pub fn commit(&mut self) -> Result<(), String> {
        let done = match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::Direct(w) => w.flush(),
            Sink::File { file, target, temp } => file
                .flush()
                .and_then(|()| file.get_ref().sync_all())
                .and_then(|()| put_in_place(file.get_ref(), target, temp)),
        };
        done.map_err(|e| format!("cannot write {}: {e}", self.name))
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Stdout(w) => w,
            Sink::Direct(w) => w,
            Sink::File { file, .. } => file,
        }
    }

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if r.is_err() {
            self.failed = true;
        }
        r
    }
}

/// `.NAME.tmp-PID`: the temporary name beside NAME.
fn hidden_name(file_name: &str) -> String {
    format!(".{file_name}.tmp-{}", std::process::id())
}

/// A file with no name in `dir` (`O_TMPFILE`) that can be linked into place through
/// `/proc/self/fd`; `None` where the file system or kernel has no `O_TMPFILE`, where `/proc`
/// is missing, or when `TARIFFS_NO_TMPFILE` is set (the tests' way to reach the fallback).
#[cfg(target_os = "linux")]
fn unnamed_file(dir: &Path) -> Option<File> {
    use rustix::fs::{openat, Mode, OFlags, CWD};
    use std::os::fd::AsRawFd;
    if std::env::var_os("TARIFFS_NO_TMPFILE").is_some() {
        return None;
    }
    let fd = openat(
        CWD,
        dir,
        OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
        Mode::from_bits_truncate(0o666),
    )
    .ok()?;
    let file = File::from(fd);
    std::fs::symlink_metadata(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .ok()
        .map(|_| file)
}

/// Puts a complete temporary file in place of `target`, with the permissions of the file
/// it replaces, if any.
#[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
fn put_in_place(file: &File, target: &Path, temp: &mut Temp) -> io::Result<()> {
    if let Ok(old) = std::fs::metadata(target) {
        if old.is_file() {
            file.set_permissions(old.permissions())?;
        }
    }
    let mut held = temporaries();
    match temp {
        #[cfg(target_os = "linux")]
        Temp::Unnamed => link_into_place(file, target, &mut held)?,
        Temp::Named(tmp) => {
            std::fs::rename(&*tmp, target)?;
            held.retain(|p| p != tmp);
        }
        Temp::Done => {}
    }
    *temp = Temp::Done;
    Ok(())
}

/// Gives the unnamed `file` the name `target`: directly when there is no such file yet;
/// otherwise under the hidden name, renamed over the target at once (a SIGKILL between the
/// two calls would leave the hidden name; SIGINT and SIGTERM wait for both).
#[cfg(target_os = "linux")]
fn link_into_place(file: &File, target: &Path, held: &mut Vec<PathBuf>) -> io::Result<()> {
    use rustix::fs::{linkat, AtFlags, CWD};
    use std::os::fd::AsRawFd;
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    let link = |to: &Path| linkat(CWD, proc_path.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW);
    match link(target) {
        Ok(()) => return Ok(()),
        Err(rustix::io::Errno::EXIST) => {}
        Err(e) => return Err(e.into()),
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hidden = target.with_file_name(hidden_name(&name));
    held.push(hidden.clone());
    let _ = std::fs::remove_file(&hidden);
    let done = link(&hidden)
        .map_err(io::Error::from)
        .and_then(|()| std::fs::rename(&hidden, target));
    if done.is_err() {
        let _ = std::fs::remove_file(&hidden);
    }
    held.retain(|p| *p != hidden);
    done
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.writer().write(buf);
        self.note(r)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let r = self.writer().write_all(buf);
        self.note(r)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.writer().flush();
        self.note(r)
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Sink::File {
            temp: Temp::Named(tmp),
            ..
        } = &self.sink
        {
            let mut held = temporaries();
            let _ = std::fs::remove_file(tmp);
            held.retain(|p| p != tmp);
        }
    }
}

/// The file a path names, to compare with another: `None` for what is not a regular file
/// (devices and pipes, which several outputs may share).
#[derive(PartialEq)]
enum FileId {
    /// Device and inode: hard links and symbolic links to one file are the same.
    #[cfg(unix)]
    Inode(u64, u64),
    /// The canonical path (a file that does not exist yet: its directory's canonical path
    /// and its name).
    Path(PathBuf),
}

#[cfg_attr(unix, allow(unused_variables))]
fn id_of_metadata(m: &std::fs::Metadata, path: impl FnOnce() -> Option<PathBuf>) -> Option<FileId> {
    if !m.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    path().map(FileId::Path)
}

fn id_of_path(p: &str) -> Option<FileId> {
    match std::fs::metadata(p) {
        Ok(m) => id_of_metadata(&m, || std::fs::canonicalize(p).ok()),
        Err(_) => {
            let path = Path::new(p);
            let name = path.file_name()?;
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Some(FileId::Path(
                std::fs::canonicalize(dir)
                    .map(|d| d.join(name))
                    .unwrap_or_else(|_| path.to_path_buf()),
            ))
        }
    }
}

/// The file standard input (`0`) or output (`1`) is redirected from or to, if a regular one.
fn id_of_stream(fd: u8) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let owned = match fd {
            0 => io::stdin().as_fd().try_clone_to_owned(),
            _ => io::stdout().as_fd().try_clone_to_owned(),
        };
        let m = File::from(owned.ok()?).metadata().ok()?;
        id_of_metadata(&m, || None)
    }
    #[cfg(not(unix))]
    {
        let _ = fd;
        None
    }
}

/// What a command reads or writes, for [`refuse_same_files`].
pub enum Stream<'a> {
    /// The input FILE, or `-` for standard input.
    Input(&'a str),
    /// `--table FILE`.
    Table(&'a str),
    /// `-o FILE`, or standard output for none or `-`.
    Output(Option<&'a str>),
    /// `--errors FILE`.
    Errors(&'a str),
}

impl Stream<'_> {
    fn label(&self) -> String {
        match self {
            Stream::Input("-") => "standard input".into(),
            Stream::Input(p) => format!("the input {p}"),
            Stream::Table(p) => format!("--table {p}"),
            Stream::Output(None | Some("-")) => "standard output".into(),
            Stream::Output(Some(p)) => format!("-o {p}"),
            Stream::Errors(p) => format!("--errors {p}"),
        }
    }

    fn id(&self) -> Option<FileId> {
        match self {
            Stream::Input("-") => id_of_stream(0),
            Stream::Output(None | Some("-")) => id_of_stream(1),
            Stream::Input(p) | Stream::Table(p) | Stream::Output(Some(p)) | Stream::Errors(p) => {
                id_of_path(p)
            }
        }
    }

    fn writes(&self) -> bool {
        matches!(self, Stream::Output(_) | Stream::Errors(_))
    }
}

/// Refuses, before anything is read or written, a run where an output is an input or two
/// outputs are one file (links and redirections included); devices and pipes are not
/// compared.
pub fn refuse_same_files(streams: &[Stream<'_>]) -> Result<(), String> {
    let ids: Vec<Option<FileId>> = streams.iter().map(Stream::id).collect();
    for (j, b) in streams.iter().enumerate() {
        for (i, a) in streams[..j].iter().enumerate() {
            if (a.writes() || b.writes()) && ids[i].is_some() && ids[i] == ids[j] {
                return Err(format!("{} and {} are the same file", a.label(), b.label()));
            }
        }
    }
    Ok(())
}

/// True when standard error is a terminal (progress is shown only then).
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}
