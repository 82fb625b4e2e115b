//! End-to-end tests of the `tariffs` binary.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::data;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tariffs"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("writes");
    child.wait_with_output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .map(|r| r.expect("csv row"))
        .collect()
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/shipments.csv")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffs-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn estimate_text_and_json() {
    let args = [
        "estimate",
        "--origin",
        "Kazakhstan",
        "--value",
        "10000",
        "--hts",
        "6109.10.00",
        "--mfn",
        "16.5",
        "--mode",
        "ocean",
        "--date",
        "2025-04-09",
    ];
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "Kazakhstan (KZ)",
        "2700.00",
        "14397.14",
        "43.5%",
        "Annex I",
        "EO 14257 Annex I",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let j = json(&run(&with_json));
    assert_eq!(j["reciprocal"]["amount"], "2700.00");
    assert_eq!(j["reciprocal"]["rate_pct"], "27");
    assert_eq!(j["reciprocal"]["basis"], "annex1");
    assert_eq!(j["mpf"]["amount"], "34.64");
    assert_eq!(j["hmf"]["amount"], "12.50");
    assert_eq!(j["landed_cost"], "14397.14");
    assert_eq!(j["origin"]["code"], "KZ");
    // An exempt line says why, with its source.
    let j = json(&run(&[
        "estimate",
        "--origin",
        "KZ",
        "--value",
        "1000",
        "--hts",
        "2709.00.20",
        "--json",
    ]));
    assert_eq!(j["reciprocal"]["exemption"], "annex2");
    assert_eq!(j["reciprocal"]["exempt_code"], "2709.00.20");
    assert_eq!(
        j["reciprocal"]["source"],
        "EO 14257 Annex II (HTS 9903.01.32)"
    );
}

#[test]
fn estimate_errors() {
    let o = run(&["estimate", "--origin", "Kazakstan", "--value", "10"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean Kazakhstan (KZ)?"),
        "{}",
        stderr(&o)
    );
    let o = run(&["estimate", "--value", "10"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "missing --origin is a usage error"
    );
    let o = run(&[
        "estimate", "--origin", "KZ", "--value", "10", "--colour", "red",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown option --colour"));
    let o = run(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn batch_equals_single_estimates() {
    let o = run(&["batch", s(&sample())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = csv_rows(&stdout(&o));
    let inputs = csv_rows(&std::fs::read_to_string(sample()).expect("sample"));
    assert_eq!(rows.len(), inputs.len());
    assert!(stderr(&o).contains(&format!(
        "rows read {}: priced {}, rejected 0",
        rows.len(),
        rows.len()
    )));
    for (input, row) in inputs.iter().zip(&rows) {
        assert_eq!(input["id"], row["id"], "order kept");
        let mut args = vec!["estimate".to_string(), "--json".to_string()];
        for (k, v) in input {
            if k == "id" || v.is_empty() {
                continue;
            }
            if k == "section232" {
                if v == "true" {
                    args.push("--section232".into());
                }
                continue;
            }
            args.push(format!("--{}", k.replace('_', "-")));
            args.push(v.clone());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let single = run(&refs);
        assert_eq!(
            single.status.code(),
            Some(0),
            "{}: {}",
            row["id"],
            stderr(&single)
        );
        let j = json(&single);
        for (col, ptr) in [
            ("mfn_duty", "/mfn/amount"),
            ("reciprocal_rate_pct", "/reciprocal/rate_pct"),
            ("reciprocal_duty", "/reciprocal/amount"),
            ("mpf", "/mpf/amount"),
            ("hmf", "/hmf/amount"),
            ("landed_cost", "/landed_cost"),
            ("effective_rate_pct", "/effective_duty_rate_pct"),
            ("source", "/reciprocal/source"),
        ] {
            assert_eq!(
                j.pointer(ptr).and_then(Value::as_str),
                Some(row[col].as_str()),
                "{} {col}",
                row["id"]
            );
        }
    }
}

#[test]
fn batch_chosen_columns() {
    let full = run(&["batch", s(&sample()), "--threads", "1"]);
    let some = run(&[
        "batch",
        s(&sample()),
        "--columns",
        "landed_cost,id, source",
        "--threads",
        "2",
    ]);
    assert_eq!(some.status.code(), full.status.code());
    let (full, some) = (csv_rows(&stdout(&full)), csv_rows(&stdout(&some)));
    assert_eq!(full.len(), some.len());
    assert!(!some.is_empty());
    for (f, s) in full.iter().zip(&some) {
        assert_eq!(s.len(), 3, "{s:?}");
        for c in ["id", "landed_cost", "source"] {
            assert_eq!(s[c], f[c]);
        }
    }
    // The header keeps the standard order.
    let o = run(&["batch", s(&sample()), "--columns", "landed_cost,id"]);
    assert!(stdout(&o).starts_with("id,landed_cost\n"), "{}", stdout(&o));
    let bad = run(&["batch", s(&sample()), "--columns", "id,landed"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown column \"landed\""));
    let refunds = run(&["refunds", s(&sample()), "--columns", "id"]);
    assert_eq!(refunds.status.code(), Some(2));
}

#[test]
fn batch_stdin_stdout() {
    let input = std::fs::read(sample()).expect("sample");
    let piped = run_stdin(&["batch", "-"], &input);
    let from_file = run(&["batch", s(&sample())]);
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(piped.stdout, from_file.stdout);
}

#[test]
fn batch_bad_rows_nothing_lost() {
    let dir = tmp("bad");
    let (out, errs) = (dir.join("out.csv"), dir.join("errors.csv"));
    let o = run(&[
        "batch",
        s(&data("shipments_bad.csv")),
        "-o",
        s(&out),
        "--errors",
        s(&errs),
    ]);
    assert_eq!(o.status.code(), Some(1), "some rows rejected");
    let err = stderr(&o);
    assert!(err.contains("rows read 10: priced 2, rejected 8"), "{err}");
    assert!(err.contains("ignoring unknown column(s): colour"), "{err}");
    let priced = csv_rows(&std::fs::read_to_string(&out).expect("output"));
    let rejected = csv_rows(&std::fs::read_to_string(&errs).expect("errors"));
    assert_eq!(
        priced.len() + rejected.len(),
        10,
        "every row is in one file or the other"
    );
    let ids: Vec<_> = priced.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["ok-1", "ok-2"]);
    let by_id: HashMap<_, _> = rejected.iter().map(|r| (r["id"].as_str(), r)).collect();
    assert_eq!(by_id["bad-origin"]["line"], "3");
    assert_eq!(by_id["bad-origin"]["column"], "origin");
    assert_eq!(by_id["bad-value"]["value"], "12x");
    assert_eq!(by_id["bad-hts"]["column"], "hts");
    assert_eq!(by_id["negative"]["column"], "value");
    assert_eq!(by_id["missing-value"]["reason"], "required");
    assert_eq!(by_id["bad-date"]["column"], "date");
    assert_eq!(by_id["ambiguous"]["column"], "hts");
    assert_eq!(
        by_id["ok-3"]["line"], "11",
        "a short row is reported, not dropped"
    );
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

/// `-o` and `--errors` naming something that is not a regular file (a named pipe here; the
/// same holds for `/dev/null`) write into it: renaming a finished file over it would replace
/// the pipe or device with a file. A link to a file updates the file and keeps the link.
#[cfg(unix)]
#[test]
fn batch_writes_into_pipes_and_through_links() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tmp("special");
    let (fifo, real, link) = (dir.join("fifo"), dir.join("real.csv"), dir.join("link.csv"));
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    std::fs::write(&real, "old").expect("file");
    std::os::unix::fs::symlink(&real, &link).expect("link");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("reads the pipe"))
    };
    let o = run(&[
        "batch",
        s(&data("shipments_bad.csv")),
        "-o",
        s(&link),
        "--errors",
        s(&fifo),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Checked before waiting for the reader, which waits forever if the pipe was replaced.
    let kind = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(kind.is_fifo(), "the pipe is still a pipe");
    let errors = String::from_utf8(reader.join().expect("reader")).expect("utf-8");
    assert_eq!(csv_rows(&errors).len(), 8, "{errors}");
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    let priced = csv_rows(&std::fs::read_to_string(&real).expect("output"));
    assert_eq!(priced.len(), 2);
}

#[test]
fn batch_strict_stops_and_leaves_no_output() {
    let dir = tmp("strict");
    let out = dir.join("out.csv");
    let o = run(&[
        "batch",
        s(&data("shipments_bad.csv")),
        "--strict",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("rows read 2: priced 1, rejected 1"), "{err}");
    assert!(err.contains("line 3 (id bad-origin)"), "{err}");
    assert!(!out.exists(), "an incomplete result is not left behind");
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "nor its temporary file"
    );
}

#[test]
fn batch_fatal_inputs() {
    let o = run(&["batch", "/nonexistent/shipments.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent/shipments.csv"));
    let o = run_stdin(&["batch", "-"], b"id,origin\n1,KZ\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no \"value\" column"), "{}", stderr(&o));
    let o = run(&["batch"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn user_table() {
    let dir = tmp("table");
    let table = dir.join("mine.csv");
    let golden = std::fs::read_to_string(data("golden_table.csv")).expect("table");
    std::fs::write(
        &table,
        golden.replace("rate,KZ,Kazakhstan,27,", "rate,KZ,Kazakhstan,30,"),
    )
    .expect("write");
    let o = run(&[
        "estimate",
        "--origin",
        "KZ",
        "--value",
        "1000",
        "--json",
        "--table",
        s(&table),
    ]);
    assert_eq!(json(&o)["reciprocal"]["rate_pct"], "30");
    // A broken table is exit 2 with the file, line and column.
    std::fs::write(
        &table,
        golden.replace("rate,KZ,Kazakhstan,27,", "rate,KZ,Kazakhstan,2x,"),
    )
    .expect("write");
    let o = run(&["batch", s(&sample()), "--table", s(&table)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("mine.csv: line 3, column rate_pct: \"2x\""),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
}

#[test]
fn rates_round_trip_as_a_table() {
    let dir = tmp("rates");
    let dump = dir.join("dump.csv");
    let o = run(&["rates", "--kind", "all", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(&dump, &o.stdout).expect("write");
    // The dump is a table in its own right and prices the sample identically.
    let a = run(&["batch", s(&sample())]);
    let b = run(&["batch", s(&sample()), "--table", s(&dump)]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);

    let o = run(&["rates", "--partner", "Germany", "--date", "2025-04-09"]);
    let text = stdout(&o);
    assert!(
        text.contains("DE") && text.contains("EU") && text.contains("20%"),
        "{text}"
    );
    assert!(text.contains("EO 14257 Annex I"), "{text}");
    let j: Value = json(&run(&["rates", "--partner", "KZ", "--format", "json"]));
    let rows = j.as_array().expect("array");
    assert_eq!(rows.len(), 2, "baseline and Annex I rows");
    assert_eq!(rows[1]["rate_pct"], "27");
    assert_eq!(rows[1]["effective_from"], "2025-04-09");
    let j = json(&run(&[
        "rates",
        "--kind",
        "all",
        "--schedule",
        "enacted",
        "--format",
        "json",
    ]));
    let kinds: std::collections::BTreeSet<&str> = j
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["exempt", "fee", "measure", "mpf_exempt", "rate"]
    );
    let measure = j
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["kind"] == "measure"))
        .expect("a measure row");
    assert_eq!(measure["measure"], "ieepa_fentanyl");
    assert!(measure["rate_kind"].is_string() && measure["line"].is_u64());
    let o = run(&["rates", "--hts", "2709", "--format", "csv"]);
    assert_eq!(csv_rows(&stdout(&o)).len(), 2, "the two crude oil lines");
}

#[test]
fn exempt_share_reports() {
    let o = run(&[
        "exempt-share",
        "--origin",
        "KZ",
        s(&data("basket_kz.csv")),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json(&o);
    let b = &j["baskets"][0];
    assert_eq!(b["exempt_share"], "0.92");
    assert_eq!(b["reciprocal_duty"], "21.60");
    assert_eq!(b["effective_rate_pct"], "2.16");
    assert_eq!(b["by_category"].as_array().map(Vec::len), Some(3));
    let text = stdout(&run(&[
        "exempt-share",
        "--origin",
        "Kazakhstan",
        s(&data("basket_kz.csv")),
    ]));
    assert!(text.contains("92.00%") && text.contains("2.16%"), "{text}");
    // Without --origin, a shipments file is reported per origin.
    let j = json(&run(&["exempt-share", s(&sample()), "--json"]));
    let origins: Vec<_> = j["baskets"]
        .as_array()
        .expect("array")
        .iter()
        .map(|b| b["origin"]["code"].clone())
        .collect();
    assert!(
        origins.len() > 10 && origins.contains(&Value::from("KZ")),
        "{origins:?}"
    );
    let o = run_stdin(&["exempt-share", "-"], b"hts,value\n2709.00.20,5\n");
    assert_eq!(o.status.code(), Some(2), "no origin anywhere");
}

#[test]
fn rate_from_trade_and_version() {
    let j = json(&run(&[
        "rate-from-trade",
        "--imports",
        "438947400000",
        "--exports",
        "143545700000",
        "--json",
    ]));
    assert_eq!(j["charged_pct"], "67");
    assert_eq!(j["reciprocal_pct"], "34");
    let o = run(&["rate-from-trade", "--imports", "0", "--exports", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let v = stdout(&run(&["--version"]));
    assert!(
        v.starts_with(&format!(
            "tariffs {} (output schema {})",
            env!("CARGO_PKG_VERSION"),
            tariffs::batch::SCHEMA_VERSION
        )),
        "{v}"
    );
    assert!(
        v.contains("announced schedule") && v.contains("1048 exemption"),
        "{v}"
    );
    assert!(
        v.contains("enacted schedule") && v.contains("28 measure"),
        "{v}"
    );
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(run(&["batch", "--help"]).status.code(), Some(0));
}

#[test]
fn refunds_command() {
    let dir = tmp("refunds");
    let out = dir.join("refunds.csv");
    let o = run(&["refunds", s(&data("golden_enacted.csv")), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("rows read 94: priced 94, rejected 0"), "{err}");
    assert!(err.contains("IEEPA duty "), "{err}");
    let rows = csv_rows(&std::fs::read_to_string(&out).expect("output"));
    let cn = rows.iter().find(|r| r["id"] == "cn-0410").expect("row");
    assert_eq!(cn["reciprocal_duty"], "12500.00");
    assert_eq!(cn["fentanyl_duty"], "2000.00");
    assert_eq!(cn["ieepa_refundable"], "14500.00");
    assert!(
        cn["reciprocal_source"].contains("EO 14266"),
        "{}",
        cn["reciprocal_source"]
    );
    assert!(
        cn["fentanyl_source"].contains("EO 14228"),
        "{}",
        cn["fentanyl_source"]
    );
    let s122 = rows.iter().find(|r| r["id"] == "cn-0224").expect("row");
    assert_eq!(s122["ieepa_refundable"], "0.00");
    assert_eq!(s122["section122_duty"], "1000.00");
    assert!(
        s122["notes"].contains("not refundable"),
        "{}",
        s122["notes"]
    );
    // The enacted schedule dumped as a table prices the same.
    let dump = dir.join("enacted.csv");
    let o = run(&[
        "rates",
        "--schedule",
        "enacted",
        "--kind",
        "all",
        "--format",
        "csv",
    ]);
    std::fs::write(&dump, &o.stdout).expect("write");
    // ... with its measures, dumped in the measures format.
    let measures = dir.join("measures.csv");
    let o = run(&[
        "rates",
        "--schedule",
        "enacted",
        "--kind",
        "measure",
        "--format",
        "csv",
    ]);
    std::fs::write(&measures, &o.stdout).expect("write");
    let a = run(&["refunds", s(&data("golden_enacted.csv"))]);
    let b = run(&[
        "refunds",
        s(&data("golden_enacted.csv")),
        "--table",
        s(&dump),
        "--measures",
        s(&measures),
    ]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);
    // The estimate and batch commands take the enacted schedule on request.
    let j = json(&run(&[
        "estimate",
        "--schedule",
        "enacted",
        "--origin",
        "CN",
        "--value",
        "100",
        "--date",
        "2025-04-10",
        "--json",
    ]));
    assert_eq!(j["reciprocal"]["rate_pct"], "125");
    assert_eq!(j["ieepa_duty"], "145.00");
    let o = run(&[
        "estimate",
        "--schedule",
        "proposed",
        "--origin",
        "CN",
        "--value",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The README's usage block is what `tariffs --help` prints, verbatim: the two cannot drift.
#[test]
fn the_readme_shows_the_real_help() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let help = stdout(&o);
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let block = format!("```text\n$ tariffs --help\n{help}```\n");
    assert!(
        readme.contains(&block),
        "README.md must show `tariffs --help` as the binary prints it:\n{block}"
    );
}

/// Every way of asking for help prints it to standard output and exits 0.
#[test]
fn help_in_every_form() {
    let top = stdout(&run(&["--help"]));
    assert!(top.contains("Usage: tariffs"), "{top}");
    for args in [&["-h"][..], &["help"], &[]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), top, "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}: {}", stderr(&o));
    }
    for cmd in [
        "estimate",
        "batch",
        "exempt-share",
        "rates",
        "rate-from-trade",
        "refunds",
    ] {
        let long = run(&[cmd, "--help"]);
        assert_eq!(long.status.code(), Some(0), "{cmd}");
        let text = stdout(&long);
        assert!(
            text.contains(&format!("Usage: tariffs {cmd}")),
            "{cmd}: {text}"
        );
        assert!(
            text.contains("--schedule") && text.contains("--table"),
            "{cmd}"
        );
        for other in [&[cmd, "-h"][..], &["help", cmd]] {
            let o = run(other);
            assert_eq!(o.status.code(), Some(0), "{other:?}");
            assert_eq!(stdout(&o), text, "{other:?}");
        }
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "{cmd}: a long line: {line}");
        }
    }
}

/// `batch --help` and `refunds --help` list every input column the library reads and every
/// output column it writes.
#[test]
fn batch_and_refunds_help_list_every_column() {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map(str::to_string)
            .collect()
    };
    for (cmd, outputs) in [
        ("batch", &tariffs::batch::OUTPUT_COLUMNS[..]),
        ("refunds", &tariffs::batch::REFUND_COLUMNS[..]),
    ] {
        let text = stdout(&run(&[cmd, "--help"]));
        let words = words(&text);
        for field in tariffs::batch::Field::ALL {
            assert!(
                words.iter().any(|w| w == field.name()),
                "{cmd}: input column {} missing:\n{text}",
                field.name()
            );
        }
        for col in outputs {
            assert!(
                words.iter().any(|w| w == col),
                "{cmd}: output column {col} missing:\n{text}"
            );
        }
    }
}

/// A misspelt flag, command or keyword is a one-line usage error naming the nearest one.
#[test]
fn misspellings_get_a_suggestion() {
    for (args, tip) in [
        (
            &["estimate", "--orign", "KZ", "--value", "1"][..],
            "; did you mean --origin? (see tariffs --help)",
        ),
        (
            &["estimat"],
            "; did you mean estimate? (see tariffs --help)",
        ),
        (
            &["rates", "--kind", "measures"],
            "; did you mean measure? (see tariffs --help)",
        ),
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("tariffs: "), "{err}");
        assert!(err.contains(tip), "{args:?}: {err}");
        assert!(err.trim_end().ends_with("(see tariffs --help)"), "{err}");
    }
}

/// `--table` and `--schedule` work after the command's name and before it; inline values and
/// switches with a value as before.
#[test]
fn global_flags_and_inline_values() {
    let after = run(&[
        "estimate",
        "--origin",
        "CN",
        "--value",
        "100",
        "--date=2025-04-10",
        "--schedule",
        "enacted",
        "--json",
    ]);
    let before = run(&[
        "--schedule=enacted",
        "estimate",
        "--origin=CN",
        "--value",
        "100",
        "--date",
        "2025-04-10",
        "--json=yes",
    ]);
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert_eq!(after.stdout, before.stdout);
    assert_eq!(json(&after)["reciprocal"]["rate_pct"], "125");
    // A switch given twice is the last one; a value flag given twice is a usage error.
    let o = run(&[
        "estimate", "--origin", "KZ", "--value", "1", "--json", "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["estimate", "--origin", "KZ", "--value", "1", "--value", "2"]);
    assert_eq!(o.status.code(), Some(2));
    // A keyword the library reads, alias included, is handed to it; one it refuses rejects
    // the shipment (exit 1), as a batch row.
    let o = run(&[
        "estimate", "--origin", "KZ", "--value", "1", "--mode", "sea", "--json",
    ]);
    assert_eq!(json(&o)["mode"], "ocean");
    let o = run(&[
        "estimate", "--origin", "KZ", "--value", "1", "--mode", "rocket",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--mode \"rocket\""), "{}", stderr(&o));
    // A negative-looking value is a value.
    let o = run(&["estimate", "--origin", "KZ", "--value", "-5"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("tariffs: --value \"-5\""),
        "{}",
        stderr(&o)
    );
}

/// The JSON of `estimate --json` and `rates --format json` is the library's serde forms: the
/// landed cost after the origin, goods and mode, with the trace and the notes; each table row
/// after its kind.
#[cfg(feature = "serde")]
#[test]
fn json_is_the_librarys_serde_form() {
    let j = json(&run(&[
        "estimate",
        "--schedule",
        "enacted",
        "--origin",
        "CN",
        "--value",
        "100",
        "--hts",
        "8471.30.01",
        "--mode",
        "ocean",
        "--date",
        "2025-04-10",
        "--json",
    ]));
    let shipment = tariffs::Shipment::new("CN".parse().expect("code"), 100.into())
        .hts("8471.30.01".parse().expect("hts"))
        .mode(tariffs::TransportMode::Ocean)
        .entry_date("2025-04-10".parse().expect("date"));
    let table = tariffs::RateTable::enacted();
    let cost = table.landed_cost(&shipment).expect("prices");
    let mut expected = serde_json::to_value(&cost).expect("serializes");
    expected["schema"] = tariffs::batch::SCHEMA_VERSION.into();
    expected["origin"] = serde_json::to_value(cost.reciprocal.partner_rate.partner).expect("ok");
    expected["hts"] = "8471.30.01".into();
    expected["category"] = Value::Null;
    expected["mode"] = "ocean".into();
    expected["considered"] =
        serde_json::to_value(table.explain(&shipment).expect("explains")).expect("ok");
    expected["notes"] = tariffs::batch::notes(&shipment, &cost).into();
    assert_eq!(j, expected);

    let j = json(&run(&["rates", "--partner", "KZ", "--format", "json"]));
    let rows = j.as_array().expect("array");
    let entries: Vec<_> = tariffs::RateTable::bundled()
        .rates()
        .filter(|r| r.code() == Some("KZ".parse().expect("code")))
        .collect();
    assert_eq!(rows.len(), entries.len());
    for (row, entry) in rows.iter().zip(entries) {
        let mut expected = serde_json::to_value(entry).expect("serializes");
        expected["kind"] = "rate".into();
        assert_eq!(row, &expected);
    }
}
