//! The command line under hostile conditions: a reader that goes away, a full device, outputs
//! that name an input, signals in the middle of a run, an unwritable standard error, and the
//! one-line messages the README promises. Every run is bounded in time by the harness (a
//! child still running after 60 s is killed and the test fails), not timed for speed.

// The generator, also loaded by `fast_path` (as its private module).
use crate::fast_path::shipments;

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tariffs::Schedule;

use crate::data;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tariffs"))
}

/// An empty directory of this test run.
fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffs-robust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `rows` generated shipments (the benchmark's generator), as CSV text.
fn generated(rows: u64) -> Vec<u8> {
    let table = Schedule::Announced.table().expect("bundled table");
    let mut input = Vec::new();
    shipments::generate(&mut input, rows, table);
    input
}

/// 200,000 generated shipments (about 25 MB), made once per test run: enough that a run is
/// still reading when its output fails.
fn big_input() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| generated(200_000))
}

/// Writes [`big_input`] to a directory of its own (removed by the caller).
fn big_input_file(name: &str) -> (PathBuf, PathBuf) {
    let dir = tmp(name);
    let path = dir.join("shipments.csv");
    std::fs::write(&path, big_input()).expect("writes the input");
    (dir, path)
}

/// Waits for `child` at most `secs` seconds; past that, kills it and fails.
fn wait_bounded(child: &mut Child, secs: u64) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {secs} s: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut err)
        .expect("reads stderr");
    err
}

/// Asserts that `err` is exactly one line starting with `start`.
fn one_line(err: &str, start: &str) {
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with(start), "{start:?} expected: {err:?}");
}

// ---------------------------------------------------------------------------------------------
// 1. A write error on two threads

/// A reader that reads a little and goes away: the run on two threads stops, exits 2 with
/// one line naming standard output, and leaves no file in its working directory.
#[test]
fn a_closed_pipe_stops_a_two_thread_run() {
    let (input_dir, input) = big_input_file("pipe-input");
    for cmd in ["batch", "refunds"] {
        let dir = tmp(&format!("pipe-{cmd}"));
        let mut child = bin()
            .args([cmd, s(&input), "--threads", "2"])
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        let mut out = child.stdout.take().expect("stdout piped");
        let mut head = [0u8; 8192];
        out.read_exact(&mut head).expect("reads the first rows");
        assert!(head.starts_with(b"id,origin,"), "{cmd}: a header first");
        drop(out);
        let status = wait_bounded(&mut child, 60);
        let err = stderr_of(&mut child);
        assert_eq!(status.code(), Some(2), "{cmd}: {err}");
        one_line(&err, "tariffs: cannot write standard output: ");
        assert!(listing(&dir).is_empty(), "{cmd}: {:?}", listing(&dir));
        let _ = std::fs::remove_dir(&dir);
    }
    let _ = std::fs::remove_dir_all(input_dir);
}

/// A full device as the output: exit 2, one line naming it, and the error report's
/// temporary file is gone.
#[cfg(target_os = "linux")]
#[test]
fn a_full_device_stops_a_two_thread_run() {
    let (input_dir, input) = big_input_file("full-input");
    for cmd in ["batch", "refunds"] {
        let dir = tmp(&format!("full-{cmd}"));
        let mut child = bin()
            .args([cmd, s(&input), "--threads", "2", "-o", "/dev/full"])
            .args(["--errors", "errors.csv"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        let status = wait_bounded(&mut child, 60);
        let err = stderr_of(&mut child);
        assert_eq!(status.code(), Some(2), "{cmd}: {err}");
        one_line(&err, "tariffs: cannot write /dev/full: ");
        assert!(listing(&dir).is_empty(), "{cmd}: {:?}", listing(&dir));
        let _ = std::fs::remove_dir(&dir);
    }
    let _ = std::fs::remove_dir_all(input_dir);
}

// ---------------------------------------------------------------------------------------------
// 2. An output that is an input

/// Runs `args` in `dir` (standard input and output as given) and returns the exit code and
/// standard error.
fn run_in(dir: &Path, args: &[&str], stdin: Stdio, stdout: Stdio) -> (Option<i32>, String) {
    let mut child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let status = wait_bounded(&mut child, 60);
    (status.code(), stderr_of(&mut child))
}

#[test]
fn an_output_naming_an_input_is_refused() {
    let dir = tmp("same");
    let original = std::fs::read(data("shipments_bad.csv")).expect("sample");
    let input = dir.join("in.csv");
    std::fs::write(&input, &original).expect("input");
    let table_text = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tariffs.csv"))
        .expect("table");
    std::fs::write(dir.join("table.csv"), &table_text).expect("table copy");
    std::fs::hard_link(&input, dir.join("hard.csv")).expect("hard link");
    #[cfg(unix)]
    std::os::unix::fs::symlink("in.csv", dir.join("link.csv")).expect("symlink");
    let before = listing(&dir);
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["batch", "in.csv", "-o", "in.csv"],
        vec!["batch", "in.csv", "--errors", "in.csv"],
        vec!["batch", "in.csv", "-o", "./hard.csv"],
        vec!["refunds", "in.csv", "-o", "hard.csv"],
        vec!["batch", "in.csv", "--table", "table.csv", "-o", "table.csv"],
        vec![
            "batch",
            "in.csv",
            "--table",
            "table.csv",
            "--errors",
            "table.csv",
        ],
        vec!["batch", "in.csv", "-o", "new.csv", "--errors", "./new.csv"],
        vec![
            "exempt-share",
            "--origin",
            "KZ",
            "in.csv",
            "--errors",
            "hard.csv",
        ],
    ];
    if cfg!(unix) {
        cases.push(vec!["batch", "in.csv", "-o", "link.csv"]);
        cases.push(vec!["batch", "link.csv", "--errors", "in.csv"]);
    }
    for args in &cases {
        let (code, err) = run_in(&dir, args, Stdio::null(), Stdio::null());
        assert_eq!(code, Some(2), "{args:?}: {err}");
        one_line(&err, "tariffs: ");
        assert!(err.contains("are the same file"), "{args:?}: {err}");
        assert_eq!(listing(&dir), before, "{args:?}: nothing written");
        assert_eq!(std::fs::read(&input).expect("input"), original, "{args:?}");
        assert_eq!(std::fs::read(dir.join("table.csv")).expect("t"), table_text);
    }
    // Standard input read from the output file, standard output appended to the input.
    #[cfg(unix)]
    {
        let stdin = File::open(&input).expect("opens");
        let (code, err) = run_in(
            &dir,
            &["batch", "-", "-o", "hard.csv"],
            stdin.into(),
            Stdio::null(),
        );
        assert_eq!(code, Some(2), "{err}");
        one_line(
            &err,
            "tariffs: standard input and -o hard.csv are the same file",
        );
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .open(&input)
            .expect("opens");
        let (code, err) = run_in(&dir, &["batch", "in.csv"], Stdio::null(), appended.into());
        assert_eq!(code, Some(2), "{err}");
        one_line(&err, "tariffs: ");
        assert!(err.contains("standard output"), "{err}");
        assert_eq!(std::fs::read(&input).expect("input"), original);
        assert_eq!(listing(&dir), before);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Devices are not files: several outputs may be `/dev/null`.
#[cfg(unix)]
#[test]
fn devices_are_not_compared() {
    let dir = tmp("devices");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/shipments.csv");
    let (code, err) = run_in(
        &dir,
        &[
            "batch",
            s(&sample),
            "-o",
            "/dev/null",
            "--errors",
            "/dev/null",
        ],
        Stdio::null(),
        Stdio::null(),
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run_in(
        &dir,
        &["batch", "-", "-o", "/dev/null"],
        Stdio::null(),
        Stdio::null(),
    );
    // Empty input: no header, an input error, not a refusal.
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("same file"), "{err}");
    let _ = std::fs::remove_dir(&dir);
}

// ---------------------------------------------------------------------------------------------
// 3. Signals

/// Starts a batch reading standard input (kept open, so the run is mid-way) and writing
/// `-o out.csv --errors errors.csv` in a directory that holds an older `out.csv`; sends
/// `signal`; returns the status and the directory.
#[cfg(unix)]
fn interrupted(signal: &str, named_temp: bool) -> (ExitStatus, PathBuf) {
    let dir = tmp(&format!("signal-{signal}-{named_temp}"));
    std::fs::write(dir.join("out.csv"), "old").expect("older output");
    let mut cmd = bin();
    cmd.args(["batch", "-", "--threads", "2", "-o", "out.csv"])
        .args(["--errors", "errors.csv"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if named_temp {
        cmd.env("TARIFFS_NO_TMPFILE", "1");
    }
    let mut child = cmd.spawn().expect("spawns");
    let mut stdin = child.stdin.take().expect("stdin piped");
    // Returns once the run has read all but the pipe's buffer of it: it is pricing.
    stdin.write_all(&generated(20_000)).expect("feeds the run");
    if named_temp {
        // The fallback: hidden temporary files, visible while the run goes on.
        let names = listing(&dir);
        assert!(
            names.iter().any(|n| n.starts_with(".out.csv.tmp-")),
            "{names:?}"
        );
    } else if cfg!(target_os = "linux") {
        // O_TMPFILE: nothing visible even mid-way.
        assert_eq!(listing(&dir), ["out.csv"]);
    }
    let sent = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -s {signal}");
    let status = wait_bounded(&mut child, 60);
    drop(stdin);
    (status, dir)
}

#[cfg(unix)]
fn nothing_left(dir: &Path) {
    assert_eq!(listing(dir), ["out.csv"], "only what was there");
    assert_eq!(
        std::fs::read_to_string(dir.join("out.csv")).expect("out"),
        "old"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_leave_nothing_and_exit_130_and_143() {
    for named_temp in [false, true] {
        let (status, dir) = interrupted("INT", named_temp);
        assert_eq!(status.code(), Some(130), "{status:?}");
        nothing_left(&dir);
        let (status, dir) = interrupted("TERM", named_temp);
        assert_eq!(status.code(), Some(143), "{status:?}");
        nothing_left(&dir);
    }
}

/// The unnamed temporary file has no name to leave behind, whatever kills the run.
#[cfg(target_os = "linux")]
#[test]
fn sigkill_leaves_nothing() {
    use std::os::unix::process::ExitStatusExt;
    let (status, dir) = interrupted("KILL", false);
    assert_eq!(status.signal(), Some(9), "{status:?}");
    nothing_left(&dir);
}

// ---------------------------------------------------------------------------------------------
// 4. Standard error that cannot be written

#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_standard_error_is_no_panic() {
    let dir = tmp("stderr-full");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/shipments.csv");
    let bad = data("shipments_bad.csv");
    let errors = dir.join("errors.csv");
    let cases: [(&[&str], i32); 6] = [
        // All priced: the summary is lost, the result is not.
        (&["batch", s(&sample)], 0),
        // Rejected rows reported in a file: the summary is lost.
        (&["batch", s(&bad), "--errors", s(&errors)], 1),
        // Rejected rows reported on standard error: the report is lost, an output failure.
        (&["batch", s(&bad)], 2),
        (&["estimate", "--origin", "Atlantis", "--value", "1"], 1),
        (&["batch"], 2),
        (&["no-such-command"], 2),
    ];
    for (args, expected) in cases {
        let full = File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let o = bin()
            .args(args)
            .stdin(Stdio::null())
            .stderr(full)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(expected), "{args:?}");
    }
    let o = bin()
        .args(["batch", s(&sample)])
        .stderr(
            File::options()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        )
        .output()
        .expect("runs");
    assert!(o.stdout.starts_with(b"id,origin,"), "the result is written");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// 5. Messages

fn run(args: &[&str]) -> (Option<i32>, String) {
    let o = bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn usage_errors_are_one_line() {
    for args in [
        &["batch"][..],
        &["no-such-command"],
        &["batch", "--frob", "x"],
    ] {
        let (code, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}");
        one_line(&err, "tariffs: ");
        assert!(err.trim_end().ends_with("(see tariffs --help)"), "{err:?}");
    }
}

#[test]
fn an_unwritable_output_is_named_as_typed() {
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/shipments.csv");
    for flag in ["-o", "--errors"] {
        let (code, err) = run(&["batch", s(&sample), flag, "/nonexistent-dir/out.csv"]);
        assert_eq!(code, Some(2), "{err}");
        one_line(&err, "tariffs: cannot write /nonexistent-dir/out.csv: ");
        assert!(!err.contains(".tmp-"), "{err}");
    }
}

#[test]
fn a_bad_trade_figure_is_a_usage_error() {
    for args in [
        &["rate-from-trade", "--imports", "0", "--exports", "1"][..],
        &["rate-from-trade", "--imports", "-5", "--exports", "1"],
        // Underscores are typos, as in every other number the tool reads.
        &["rate-from-trade", "--imports", "1_000", "--exports", "1"],
    ] {
        let (code, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        one_line(&err, "tariffs: ");
    }
}
