//! What the batch tests share: the CLI, a batch file, and the command that runs it.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use intellectmoney::mock::MockServer;
use std::path::Path;
use std::process::Command;

/// The CLI under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_intellectmoney");
/// The sign secret of the mock and the CLI.
pub const SECRET: &str = "sign-secret";

/// A number from the environment (the long runs), or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A batch file of `lines` card payouts, keys `seller-<i>/2026-W48`.
fn batch_file(path: &Path, lines: u64) {
    let mut text = String::from("key,preference_type,amount,currency,recipient_name,pan\n");
    for i in 0..lines {
        text.push_str(&format!(
            "seller-{i}/2026-W48,OutBankCard,{}.{:02},RUB,Иванов Иван,4111111111111111\n",
            10 + i % 90,
            i % 100
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// The key of the card-number hash the batch tests use.
pub const HASH_KEY: &str = "batch-hash-key";

/// `payout-batch run` of `file` through `journal` against `mock`, with `options` of the run.
pub fn batch_run(mock: &MockServer, journal: &Path, file: &Path, options: &[&str]) -> Command {
    batch_command(mock, "run", journal, file, options)
}

/// `payout-batch <sub>` (`run`, `resume`, `retry`) of `file` through `journal` against `mock`.
pub fn batch_command(mock: &MockServer, sub: &str, journal: &Path, file: &Path, options: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--base-url", &mock.url(), "--user-token", "t", "--bearer-token", "b"])
        .args(["--sign-secret", SECRET, "payout-batch", sub, "--hash-key", HASH_KEY])
        .args(options)
        .arg("--journal")
        .arg(journal)
        .arg(file);
    command
}

/// A batch file of `lines` payouts in a temporary folder, a journal path beside it, and a mock
/// that completes every payout at once.
pub struct Batch {
    /// The folder (removed when dropped).
    _dir: tempfile::TempDir,
    /// The batch file.
    pub file: std::path::PathBuf,
    /// The journal's path (not created).
    pub journal: std::path::PathBuf,
    /// The mock the CLI pays through.
    pub mock: MockServer,
}

impl Batch {
    pub fn new(lines: u64) -> Batch {
        Batch::paying_as(lines, intellectmoney::mock::PayoutScript::Complete { polls: 0 })
    }

    /// The same, the mock's payouts going as `script` says.
    pub fn paying_as(lines: u64, script: intellectmoney::mock::PayoutScript) -> Batch {
        let dir = tempfile::tempdir().unwrap();
        let (file, journal) = (dir.path().join("batch.csv"), dir.path().join("payouts.db"));
        batch_file(&file, lines);
        let mock = MockServer::builder().sign_secret(SECRET).payout(script).start();
        Batch {
            _dir: dir,
            file,
            journal,
            mock,
        }
    }

    /// `payout-batch run` of this batch, with `options`.
    pub fn run(&self, options: &[&str]) -> Command {
        batch_run(&self.mock, &self.journal, &self.file, options)
    }

    /// `payout-batch <sub>` of this batch, with `options`.
    pub fn command(&self, sub: &str, options: &[&str]) -> Command {
        batch_command(&self.mock, sub, &self.journal, &self.file, options)
    }
}
