//! The eight ways a batch or a payout was paid twice, or reported wrongly, that an operator and a
//! hostile server found (issue "Never pay twice, proved"), each run as the operator would: the
//! CLI as a process against a scripted Payout API on loopback that counts the executions it
//! receives per operation (`intellectmoney_tests::payouts`).

mod common;

use common::{BIN, HASH_KEY, SECRET};
use intellectmoney_tests::payouts::{Execute, Payouts, Script};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A batch file of `keys`, one SBP payout of 77.00 each to the recipient `Seller <key>`.
fn write_batch(path: &Path, keys: &[&str]) {
    let mut text = String::from("key,preference_type,amount,currency,recipient_name,account,bank_id\n");
    for key in keys {
        text.push_str(&format!(
            "{key},OutSbp,77.00,RUB,Seller {key},79990000000,100000000111\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// `payout-batch <sub> --journal <journal> <file> [options]` against `server`.
fn batch(server: &Payouts, sub: &str, journal: &Path, file: &Path, options: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--base-url", &server.url(), "--user-token", "t", "--bearer-token", "b"])
        .args(["--sign-secret", SECRET, "payout-batch", sub, "--hash-key", HASH_KEY])
        .args(["--poll-interval", "0s"])
        .args(options)
        .arg("--journal")
        .arg(journal)
        .arg(file);
    command
}

fn output(mut command: Command) -> (Option<i32>, String) {
    let out: Output = command.output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A folder with a batch file of `keys` and the journal path beside it.
fn folder(keys: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (file, journal) = (dir.path().join("payouts.csv"), dir.path().join("payouts.db"));
    write_batch(&file, keys);
    (dir, file, journal)
}

/// No operation received two executions, and no recipient was paid by two operations.
fn assert_paid_once(server: &Payouts) {
    let book = server.book.lock().unwrap();
    for (id, n) in book.executions() {
        assert_eq!(n, 1, "operation {id} received {n} executions");
    }
    for (recipient, n) in book.paid_per_recipient() {
        assert_eq!(n, 1, "{recipient} paid by {n} operations");
    }
}

/// Case 1: the file is read once. A file rewritten in place during the run (one key four times)
/// is not paid from its new bytes; the journal then refuses the changed file.
#[test]
fn the_batch_is_paid_from_the_bytes_that_were_checked() {
    // More lines than the CSV reader holds at once (8 KiB), so that it reads the file again.
    let keys: Vec<String> = (0..400).map(|i| format!("k{i}")).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let (_dir, file, journal) = folder(&keys);
    let server = Payouts::start(Script::default());
    let child = batch(
        &server,
        "run",
        &journal,
        &file,
        &["--per-second", "50", "--in-flight", "1"],
    )
    .stderr(Stdio::piped())
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while server.book.lock().unwrap().executions().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "nothing paid in 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Rewritten in place: the same name, one key four times, a bigger amount.
    let mut text = String::from("key,preference_type,amount,currency,recipient_name,account,bank_id\n");
    for _ in 0..4 {
        text.push_str("k0,OutSbp,770.00,RUB,Seller k0,79990000000,100000000111\n");
    }
    std::fs::write(&file, text).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_paid_once(&server);
    let book = server.book.lock().unwrap();
    let recipients: Vec<String> = keys.iter().map(|k| format!("Seller {k}")).collect();
    assert!(
        book.ops.values().all(|op| recipients.contains(&op.recipient)),
        "{book:?}"
    );
    drop(book);
    // It stopped at the change, having paid only lines it checked.
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("the file changed since it was checked"), "{err}");
    let paid = server.book.lock().unwrap().ops.len();
    assert!(paid < keys.len());
    // Run again: the file (one key four times) is refused by its check; a valid file of another
    // content is refused by the journal, which belongs to the file it was made for.
    let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("key `k0` is also on line 2"), "{err}");
    write_batch(&file, &["k0", "k1"]);
    let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("belongs to the batch"), "{err}");
    assert_eq!(server.book.lock().unwrap().ops.len(), paid, "nothing more was sent");
    assert_paid_once(&server);
}

/// Case 2: an execution answered "queued" (or an error) whose state lags behind, still reading
/// `Created`, is never executed again, by this run or the next ones.
#[test]
fn a_lagging_state_never_causes_a_second_execution() {
    for answer in [Execute::Queued, Execute::Status(503), Execute::Normal] {
        let (_dir, file, journal) = folder(&["a", "b", "c"]);
        let server = Payouts::start(Script {
            lag: 4,
            in_process: 2,
            execute: answer.clone(),
            ..Script::default()
        });
        // A deadline too short to see the end: each run leaves them unsettled, the next goes on.
        for run in 0..6 {
            let sub = if run == 0 { "run" } else { "resume" };
            let (code, err) = output(batch(&server, sub, &journal, &file, &["--deadline", "1s"]));
            assert!(matches!(code, Some(0) | Some(4)), "{answer:?}, run {run}: {err}");
            assert_paid_once(&server);
            if code == Some(0) {
                break;
            }
        }
        let book = server.book.lock().unwrap();
        assert_eq!(book.executions().len(), 3, "{answer:?}: {book:?}");
        assert!(
            book.ops.values().all(|op| op.truth == "Completed"),
            "{answer:?}: {book:?}"
        );
    }
}

/// Case 4: a mistyped, emptied, foreign or log-less journal pays no one again.
#[test]
fn a_wrong_journal_is_refused_and_nothing_is_sent() {
    let (dir, file, journal) = folder(&["a", "b", "c", "d", "e"]);
    let server = Payouts::start(Script::default());
    let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
    assert_eq!(code, Some(0), "{err}");
    let made = server.book.lock().unwrap().ops.len();
    let typo = dir.path().join("payout.db");
    // `resume` with a typo: no journal there, and none is made.
    let (code, err) = output(batch(&server, "resume", &typo, &file, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no journal at"), "{err}");
    // `run` with a typo: a journal beside it already pays this file.
    let (code, err) = output(batch(&server, "run", &typo, &file, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("already paid through the journal"), "{err}");
    // A new journal for a file holding a key of the paid batch is refused too.
    let overlapping = dir.path().join("next.csv");
    write_batch(&overlapping, &["z", "c"]);
    let (code, err) = output(batch(&server, "run", &dir.path().join("next.db"), &overlapping, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("key `c` is also in the journal"), "{err}");
    assert!(!typo.exists(), "a journal was made");
    // A new journal in another folder, while the paid one lies beside the batch file.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let elsewhere = dir.path().join("sub").join("payouts.db");
    let (code, err) = output(batch(&server, "run", &elsewhere, &file, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("already paid through the journal"), "{err}");
    // `status` and `report` on a wrong path make nothing either.
    for sub in ["status", "report"] {
        let out = Command::new(BIN)
            .args(["payout-batch", sub, "--journal"])
            .arg(&typo)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{sub}");
        assert!(!typo.exists(), "{sub} made a journal");
    }
    // An emptied journal, and another program's SQLite database.
    // (In a folder of their own: beside `payouts.db`, the guard refuses first, naming it.)
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let emptied = elsewhere.join("emptied.db");
    std::fs::write(&emptied, b"").unwrap();
    let foreign = elsewhere.join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    for (path, why) in [(&emptied, "the file is empty"), (&foreign, "not a payout journal")] {
        for sub in ["run", "resume"] {
            let (code, err) = output(batch(&server, sub, path, &file, &[]));
            assert_eq!(code, Some(2), "{sub} {}: {err}", path.display());
            assert!(err.contains(why), "{err}");
        }
    }
    // `--also-journal`: a new batch holding a key paid elsewhere.
    let other = dir.path().join("other").join("next.csv");
    std::fs::create_dir(other.parent().unwrap()).unwrap();
    write_batch(&other, &["f", "c"]);
    let next = other.with_extension("db");
    let also = ["--also-journal", journal.to_str().unwrap()];
    let (code, err) = output(batch(&server, "run", &next, &other, &also));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("key `c` is also in the journal"), "{err}");
    assert_eq!(server.book.lock().unwrap().ops.len(), made, "nothing was sent");
    assert_paid_once(&server);
}

/// Case 4 too: a journal whose write-ahead log was lost after a kill is refused; put back, the
/// batch goes on and pays no one twice.
#[test]
fn a_journal_that_lost_its_log_after_a_kill_is_refused() {
    let keys: Vec<String> = (0..30).map(|i| format!("k{i}")).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let (dir, file, journal) = folder(&keys);
    let server = Payouts::start(Script::default());
    let mut child = batch(
        &server,
        "run",
        &journal,
        &file,
        &["--per-second", "20", "--in-flight", "1"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while server.book.lock().unwrap().executions().len() < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "nothing paid in 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let log = dir.path().join("payouts.db-wal");
    let kept = dir.path().join("kept-wal");
    std::fs::rename(&log, &kept).unwrap();
    let sent = server.book.lock().unwrap().ops.len();
    let (code, err) = output(batch(&server, "resume", &journal, &file, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("-wal is missing"), "{err}");
    assert_eq!(server.book.lock().unwrap().ops.len(), sent, "nothing was sent");
    std::fs::rename(&kept, &log).unwrap();
    let (code, err) = output(batch(&server, "resume", &journal, &file, &[]));
    assert!(matches!(code, Some(0) | Some(3)), "{err}");
    assert_paid_once(&server);
}

/// `payout` as a process: `--amount`, a login, and the scripted server.
fn payout(url: &str, amount: &str, login: bool) -> Command {
    let mut command = Command::new(BIN);
    command.args(["--base-url", url, "--bearer-token", "b", "--sign-secret", SECRET]);
    if login {
        command.args(["--login", "m", "--password", "p"]);
    } else {
        command.args(["--user-token", "t"]);
    }
    command.args([
        "payout",
        "--preference-type",
        "OutSbp",
        "--account",
        "79990000000",
        "--bank-id",
        "100000000111",
        "--amount",
        amount,
        "--currency",
        "RUB",
        "--recipient-name",
        "Иванов Иван",
        "--deadline",
        "3s",
        "--poll-interval",
        "0s",
    ]);
    command
}

/// Case 5: after the execution was sent, no answer is "nothing was paid": an error status, a
/// refusal and an unknown code are followed by the state. A connection refused at the login is
/// "not sent", exit 1, never "unsettled".
#[test]
fn a_payout_is_never_reported_unpaid_after_its_execution_was_sent() {
    for answer in [400, 408, 409, 429, 307]
        .map(Execute::Status)
        .into_iter()
        .chain([Execute::Refused])
    {
        let server = Payouts::start(Script {
            execute: answer.clone(),
            ..Script::default()
        });
        let (code, err) = output(payout(&server.url(), "50.00", false));
        assert_eq!(code, Some(0), "{answer:?}: {err}");
        assert_paid_once(&server);
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, err) = output(payout(&url, "50.00", true));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("nothing was paid"), "{err}");
}

/// Case 6: an answer about another operation is not believed, and one id answered for three keys
/// is executed once.
#[test]
fn answers_about_another_operation_are_refused() {
    let server = Payouts::start(Script {
        poll_other_id: true,
        ..Script::default()
    });
    let (code, err) = output(payout(&server.url(), "50.00", false));
    // Never "completed" on another operation's word: unsettled at the deadline.
    assert_eq!(code, Some(4), "{err}");
    let (_dir, file, journal) = folder(&["a", "b", "c"]);
    let server = Payouts::start(Script {
        same_id: Some("00000000-0000-4000-8000-00000000abcd".into()),
        ..Script::default()
    });
    let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("answered an operation the journal holds for another key"),
        "{err}"
    );
    assert_eq!(server.book.lock().unwrap().executions().len(), 1);
    assert_paid_once(&server);
}

/// Case 7: lines that ended unpaid (here: every creation refused, as with a wrong `Sign`) are
/// paid by `retry`, each with a new operation; a line paid is never retried; and another hash
/// key is refused instead of turning card lines into conflicts.
#[test]
fn unpaid_lines_are_paid_by_retry_and_paid_lines_never() {
    let (_dir, file, journal) = folder(&["a", "b"]);
    let server = Payouts::start(Script {
        refuse_creations: Some("Неверная подпись".into()),
        ..Script::default()
    });
    let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("payout-batch retry"), "says how to retry: {err}");
    server.book.lock().unwrap().script.refuse_creations = None;
    // Run again: nothing is sent for lines that ended.
    let (code, _) = output(batch(&server, "resume", &journal, &file, &[]));
    assert_eq!(code, Some(3));
    assert!(server.book.lock().unwrap().ops.is_empty());
    let (code, err) = output(batch(&server, "retry", &journal, &file, &["--unpaid"]));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(server.book.lock().unwrap().executions().len(), 2);
    let mut retry_a = batch(&server, "retry", &journal, &file, &[]);
    retry_a.arg("a");
    let (code, err) = output(retry_a);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("only a payout that ended without moving money"), "{err}");
    let mut other_key = Command::new(BIN);
    other_key
        .args(["--base-url", &server.url(), "--user-token", "t", "--bearer-token", "b"])
        .args([
            "--sign-secret",
            SECRET,
            "payout-batch",
            "resume",
            "--hash-key",
            "another",
        ])
        .arg("--journal")
        .arg(&journal)
        .arg(&file);
    let (code, err) = output(other_key);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("hash key is not the one"), "{err}");
    assert_paid_once(&server);
}

/// A key paid again and not over (its second attempt executed, in process at the deadline) is
/// refused by `retry` like any key that may have moved money, not reported "planned again".
#[test]
fn a_retried_key_still_in_process_is_not_retried_again() {
    let (_dir, file, journal) = folder(&["a"]);
    let server = Payouts::start(Script {
        refuse_creations: Some("Неверная подпись".into()),
        ..Script::default()
    });
    let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
    assert_eq!(code, Some(3), "{err}");
    {
        let mut book = server.book.lock().unwrap();
        book.script.refuse_creations = None;
        book.script.in_process = 1_000_000;
    }
    let (code, err) = output(batch(
        &server,
        "retry",
        &journal,
        &file,
        &["--unpaid", "--deadline", "1s"],
    ));
    assert_eq!(code, Some(4), "the second attempt is pending: {err}");
    let mut retry_a = batch(&server, "retry", &journal, &file, &["--deadline", "1s"]);
    retry_a.arg("a");
    let (code, err) = output(retry_a);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("only a payout that ended without moving money"), "{err}");
    assert!(!err.contains("already planned again"), "{err}");
    assert_eq!(server.book.lock().unwrap().executions().len(), 1);
    assert_paid_once(&server);
}

/// Case 8: amounts in exponent form (or with a sign, spaces, a comma) are refused, in a file
/// with their line and column, on the command line by the flag; nothing is sent.
#[test]
fn amounts_in_exponent_form_are_refused() {
    let server = Payouts::start(Script::default());
    for amount in ["1e3", "1E+3", "1.5e2", "-50.00", "50,00"] {
        let (dir, _, journal) = folder(&[]);
        let file = dir.path().join("exp.csv");
        std::fs::write(
            &file,
            format!("key,preference_type,amount,currency,recipient_name,account,bank_id\nk,OutSbp,\"{amount}\",RUB,Seller k,79990000000,100000000111\n"),
        )
        .unwrap();
        let (code, err) = output(batch(&server, "run", &journal, &file, &[]));
        assert_eq!(code, Some(2), "{amount}: {err}");
        assert!(err.contains("exp.csv:2:3 (amount)"), "{amount}: {err}");
        if amount.starts_with('-') {
            assert!(err.contains("no sign"), "{amount}: {err}");
        }
        let (code, err) = output(payout(&server.url(), amount, false));
        assert_eq!(code, Some(2), "{amount}: {err}");
        assert!(err.contains("--amount"), "{amount}: {err}");
    }
    // A card number in the wrong column is named by its last four digits only.
    let (dir, _, journal) = folder(&[]);
    let shifted = dir.path().join("shifted.csv");
    std::fs::write(
        &shifted,
        "key,preference_type,amount,currency,recipient_name,pan\nk,OutBankCard,50.00,4111111111111111,Seller k,RUB\n",
    )
    .unwrap();
    let (code, err) = output(batch(&server, "run", &journal, &shifted, &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("4111111111111111"), "{err}");
    assert!(err.contains("[card number …1111]"), "{err}");
    assert!(server.book.lock().unwrap().ops.is_empty(), "nothing was sent");
}
