//! The hardening issue's defects, one test (or more) each: what a broker meets on the first
//! bad day (failures half-way through a batch, malformed rows, absurd values), held to a
//! clear error and to nothing lost.

#[path = "../../benches/support/shipments.rs"]
mod shipments;

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use tariffs::batch::{price_csv_threaded, BatchError, Layout, RowError};
use tariffs::RateTable;

/// Runs `f` on its own thread and fails the test if it has not returned within `secs`
/// seconds: a bound on a hang, not a measurement of speed.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(_) => panic!("still running after {secs} s: the batch hangs"),
    }
}

/// A writer that fails after `n` bytes, as a full disk or a closed pipe does.
struct FailAfter(usize);

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.0 {
            return Err(std::io::Error::other("no space left on device"));
        }
        self.0 -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn generated(rows: u64) -> Vec<u8> {
    let mut input = Vec::new();
    shipments::generate(&mut input, rows, RateTable::bundled());
    input
}

#[test]
fn a_write_error_on_two_threads_stops_the_batch() {
    for threads in [1, 2, 4] {
        let err = within(120, move || {
            let input = generated(60_000);
            let mut report = |_: &RowError| Ok(());
            price_csv_threaded(
                RateTable::bundled(),
                &input[..],
                FailAfter(1 << 20),
                &mut report,
                false,
                Layout::LandedCost,
                threads,
            )
            .map(|s| s.rows_read)
        });
        assert!(
            matches!(err, Err(BatchError::Write(_))),
            "{threads} threads: {err:?}"
        );
    }
}

#[test]
fn an_observer_error_on_two_threads_stops_the_batch() {
    for threads in [1, 2] {
        let err = within(120, move || {
            let input = generated(60_000);
            // The generated rows have unknown origins: the first one reported fails.
            let mut report =
                |_: &RowError| Err(std::io::Error::other("the error report cannot be written"));
            price_csv_threaded(
                RateTable::bundled(),
                &input[..],
                std::io::sink(),
                &mut report,
                false,
                Layout::LandedCost,
                threads,
            )
            .map(|s| s.rows_read)
        });
        assert!(
            matches!(err, Err(BatchError::Write(_))),
            "{threads} threads: {err:?}"
        );
    }
}
