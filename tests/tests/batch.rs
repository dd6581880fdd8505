//! Payouts under a key, exactly once, through a real SQLite journal on disk and the mock: its
//! recorded requests (creations and executions per operation) are the truth.

use intellectmoney::batch::{
    pay_once, planned, BatchError, Entry, Flushed, Journal, JournalError, JournalFuture, Planned, SqliteJournal, Step,
};
use intellectmoney::mock::{MockServer, Override, PayoutScript};
use intellectmoney::payout::{CreateOperation, DeleteOperation, ExecuteOperation};
use intellectmoney::runtime::client::PollPolicy;
use intellectmoney::runtime::ApiRequest;
use intellectmoney::{Client, Error};
use intellectmoney_tests::wiki;
use std::path::Path;

const SECRET: &str = "sign-secret";
const HASH_KEY: &[u8] = b"batch key";

fn client(mock: &MockServer) -> Client {
    client_with_token(mock, "t")
}

fn client_with_token(mock: &MockServer, token: &str) -> Client {
    Client::builder()
        .base_url(mock.url())
        .user_token(token)
        .bearer_token("bearer")
        .sign_secret(SECRET)
        .build()
        .unwrap()
}

fn mock() -> MockServer {
    MockServer::builder()
        .sign_secret(SECRET)
        .payout(PayoutScript::Complete { polls: 1 })
        .start()
}

fn payout(amount: &str) -> CreateOperation {
    let mut r = wiki::card_payout();
    r.amount = wiki::dec(amount);
    r
}

/// How many creations and executions the mock received.
fn counts(mock: &MockServer) -> (usize, usize) {
    let creates = mock.requests_for::<CreateOperation>().len();
    let executes = mock.requests_for::<ExecuteOperation>().len();
    (creates, executes)
}

/// Pays the usual 10.00 card payout under `key`, polling as tests do.
async fn pay(c: &Client, j: &dyn Journal, key: &str) -> Result<Step, BatchError<intellectmoney::IntellectMoney>> {
    pay_once(c, j, key, payout("10.00"), HASH_KEY, PollPolicy::for_tests()).await
}

fn journal(dir: &Path) -> SqliteJournal {
    SqliteJournal::open(dir.join("payouts.db")).unwrap()
}

#[tokio::test]
async fn each_key_is_paid_once_and_a_second_run_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    let keys = ["seller-1/2026-W48", "seller-2/2026-W48", "seller-3/2026-W48"];
    for run in 0..2 {
        let j = journal(dir.path());
        for (i, key) in keys.iter().enumerate() {
            let step = pay_once(
                &c,
                &j,
                key,
                payout(&format!("{}.00", 10 + i)),
                HASH_KEY,
                PollPolicy::for_tests(),
            )
            .await
            .unwrap();
            assert!(matches!(step, Step::Completed(_)), "run {run}, {key}: {step:?}");
        }
        // The second run found every key completed in the journal and sent nothing.
        assert_eq!(counts(&mock), (3, 3), "after run {run}");
    }
    let entries = journal(dir.path()).entries().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries
        .iter()
        .all(|e| matches!(e.step, Step::Completed(_)) && e.orphans == 0));
}

#[tokio::test]
async fn another_request_under_a_known_key_is_refused_and_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    let j = journal(dir.path());
    pay(&c, &j, "k").await.unwrap();
    let before = mock.requests().len();
    let e = pay_once(&c, &j, "k", payout("11.00"), HASH_KEY, PollPolicy::for_tests())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, BatchError::Journal(JournalError::Conflict { key, fields, .. }) if key == "k" && fields == &["Amount"]),
        "{e:?}"
    );
    // The message names what changed, and shows no value of it.
    let shown = e.to_string();
    assert!(shown.contains("what differs: Amount"), "{shown}");
    assert!(!shown.contains("11.00") && !shown.contains("4111"), "{shown}");
    assert_eq!(mock.requests().len(), before, "nothing is sent for a conflict");
}

#[test]
fn the_journal_keeps_no_card_number() {
    let dir = tempfile::tempdir().unwrap();
    let request = payout("10.00");
    let pan = request.pan.as_ref().unwrap().expose().to_owned();
    let j = journal(dir.path());
    let planned = planned(&request, HASH_KEY).unwrap();
    j.plan("k", &planned).unwrap();
    drop(j);
    let mut bytes = Vec::new();
    for name in ["payouts.db", "payouts.db-wal"] {
        if let Ok(b) = std::fs::read(dir.path().join(name)) {
            bytes.extend(b);
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Amount=10.00"), "the request's other parameters are kept");
    assert!(!text.contains(&pan), "the card number is in the journal");
    assert!(
        !text.contains(&pan[pan.len() - 10..]),
        "part of the card number is in the journal"
    );
    // Another card under the same key is a conflict: the hash stands for the number.
    let mut other = payout("10.00");
    other.pan = Some("5555555555554444".into());
    assert_ne!(planned.fingerprint, fingerprint_of(&other));
}

fn fingerprint_of(r: &CreateOperation) -> String {
    planned(r, HASH_KEY).unwrap().fingerprint
}

/// A run that died after recording `creating` (the creation's answer lost, or never sent):
/// the next run counts an orphan, creates again, and pays once.
#[tokio::test]
async fn a_lost_creation_is_made_again_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    let request = payout("10.00");
    let j = journal(dir.path());
    j.plan("k", &planned(&request, HASH_KEY).unwrap()).unwrap();
    // The lost creation: sent, its answer never recorded.
    let lost = c.create_operation(payout("10.00")).await.unwrap();
    j.record("k", &Step::Creating).unwrap();
    drop(j);
    let j = journal(dir.path());
    let step = pay_once(&c, &j, "k", request, HASH_KEY, PollPolicy::for_tests())
        .await
        .unwrap();
    let Step::Completed(paid) = step else {
        panic!("{step:?}")
    };
    assert_ne!(
        Some(paid),
        lost.result.payout_operation_id,
        "the orphan is not the one paid"
    );
    assert_eq!(counts(&mock), (2, 1), "two creations, one execution");
    let entry = &j.entries().unwrap()[0];
    assert_eq!(entry.orphans, 1);
}

/// A run that died after recording `executing`: when the operation is still created, the
/// execution was never sent and is sent now; when it was executed, it is only followed.
/// A payout found `executing` (the run died around the execution) is never executed again:
/// its state decides. Executed, it is followed to its end; still created (the execution never
/// arrived, or a state that lags), it is fenced: deleted and read back, nothing paid, and a
/// retry pays it with a new operation.
#[tokio::test]
async fn an_execution_picked_up_again_is_never_sent_again_and_fenced_when_still_created() {
    for already_executed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mock = mock();
        let c = client(&mock);
        let request = payout("10.00");
        let j = journal(dir.path());
        j.plan("k", &planned(&request, HASH_KEY).unwrap()).unwrap();
        let created = c.create_operation(payout("10.00")).await.unwrap();
        let id = created.result.payout_operation_id.unwrap();
        j.record("k", &Step::Executing(id)).unwrap();
        if already_executed {
            c.execute_operation(ExecuteOperation::new(id)).await.unwrap();
        }
        drop(j);
        let j = journal(dir.path());
        let step = pay_once(&c, &j, "k", request, HASH_KEY, PollPolicy::for_tests())
            .await
            .unwrap();
        let executed = usize::from(already_executed);
        assert_eq!(counts(&mock), (1, executed), "executed before: {already_executed}");
        let deletions = mock.requests_for::<DeleteOperation>().len();
        if already_executed {
            assert_eq!(step, Step::Completed(id));
            assert_eq!(deletions, 0);
        } else {
            assert_eq!(step, Step::Deleted(id), "fenced, not executed");
            assert_eq!(deletions, 1);
            // Unpaid for certain: a retry pays it once, with a new operation.
            assert_eq!(j.retry("k").unwrap().attempt, 2);
            let step = pay(&c, &j, "k").await.unwrap();
            let Step::Completed(new) = step else { panic!("{step:?}") };
            assert_ne!(new, id);
            assert_eq!(counts(&mock), (2, 1));
        }
    }
}

#[tokio::test]
async fn a_payout_the_api_refuses_ends_failed_with_nothing_paid() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockServer::builder()
        .sign_secret(SECRET)
        .payout(PayoutScript::NotEnoughMoney)
        .start();
    let c = client(&mock);
    let j = journal(dir.path());
    let step = pay(&c, &j, "k").await.unwrap();
    assert!(matches!(step, Step::NotEnoughMoney(_)), "{step:?}");
    // Final: a second run sends nothing.
    let before = mock.requests().len();
    let again = pay(&c, &j, "k").await.unwrap();
    assert_eq!(again, step);
    assert_eq!(mock.requests().len(), before);
}

#[test]
fn a_journal_of_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(journal(dir.path()));
    let path = dir.path().join("payouts.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'", [])
        .unwrap();
    drop(conn);
    let e = SqliteJournal::open(&path).unwrap_err();
    assert!(matches!(e, JournalError::Newer { found: 99, .. }), "{e:?}");
    assert!(e.to_string().contains("upgrade"), "{e}");
}

#[test]
fn the_planned_request_names_its_method_amount_and_currency() {
    let planned = planned(&payout("10.00"), HASH_KEY).unwrap();
    assert_eq!(planned.method, <CreateOperation as ApiRequest>::METHOD.name);
    // The parameters with the spec's `payout_amount` and `payout_currency` roles, as sent.
    assert_eq!(
        (planned.amount.to_string(), planned.currency.as_str()),
        ("10.00".to_owned(), "RUB")
    );
    assert!(planned.params.contains("\nAmount=10.00\n") && planned.params.contains("\nCurrency=RUB\n"));
    // The same request gives the same fingerprint; the key of the hash changes it.
    assert_eq!(
        planned,
        intellectmoney::batch::planned(&payout("10.00"), HASH_KEY).unwrap()
    );
    assert_ne!(
        planned.fingerprint,
        intellectmoney::batch::planned(&payout("10.00"), b"other key")
            .unwrap()
            .fingerprint
    );
}

/// The mock does the creation, then drops the connection: the run stops with the payout
/// `creating`; the next run counts an orphan, creates again and pays once.
#[tokio::test]
async fn a_creation_whose_answer_is_lost_is_made_again_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    mock.set_for::<CreateOperation>(Override::LoseAnswer);
    let j = journal(dir.path());
    let e = pay(&c, &j, "k").await.unwrap_err();
    assert!(matches!(e, BatchError::Call(_)), "{e:?}");
    assert_eq!(j.entries().unwrap()[0].step, Step::Creating);
    assert_eq!(counts(&mock), (1, 0), "created once, nothing executed");
    mock.reset(<CreateOperation as ApiRequest>::METHOD.name);
    let step = pay(&c, &j, "k").await.unwrap();
    assert!(matches!(step, Step::Completed(_)), "{step:?}");
    assert_eq!(counts(&mock), (2, 1), "the lost creation is an orphan, never executed");
    assert_eq!(j.entries().unwrap()[0].orphans, 1);
}

/// The mock does the execution, then drops the connection: the run polls the state instead of
/// executing again, and the payout completes with one execution.
#[tokio::test]
async fn an_execution_whose_answer_is_lost_is_followed_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    mock.set_for::<ExecuteOperation>(Override::LoseAnswer);
    let j = journal(dir.path());
    let step = pay(&c, &j, "k").await.unwrap();
    assert!(matches!(step, Step::Completed(_)), "{step:?}");
    assert_eq!(counts(&mock), (1, 1));
}

/// A journal that cannot be written (full, as on a full disk): the payout stops with a storage
/// error naming the journal, before anything is sent.
#[tokio::test]
async fn a_full_journal_stops_the_payout_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    // Fill the journal up to its cap with planned keys (each plan is a write).
    let j = journal(dir.path()).max_size(0).unwrap();
    let mut planned_keys = 0;
    let full = loop {
        let key = format!("filler-{planned_keys}-{}", "x".repeat(200));
        match j.plan(&key, &planned(&payout("10.00"), HASH_KEY).unwrap()) {
            Ok(_) => planned_keys += 1,
            Err(e) => break e,
        }
        assert!(planned_keys < 100_000, "the cap never filled");
    };
    assert!(matches!(full, JournalError::Storage { .. }), "{full:?}");
    let e = pay(&c, &j, "k").await.unwrap_err();
    let shown = e.to_string();
    assert!(matches!(e, BatchError::Journal(JournalError::Storage { .. })), "{e:?}");
    assert!(shown.contains("payouts.db") && shown.contains("full"), "{shown}");
    assert!(
        mock.requests().is_empty(),
        "sent without a record: {:?}",
        mock.requests()
    );
}

/// An execution the API refused leaves the operation created; past the deadline the payout is
/// `pending`. The next run asks its state, finds it still created, and executes it: paid once.
/// An execution the API refuses may still have been received (an answer is not proof): it is
/// never sent again. The state reads created, so the operation is fenced (deleted, read back):
/// the line ends deleted, nothing paid, and only a retry pays it, with a new operation.
#[tokio::test]
async fn a_refused_execution_is_fenced_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    let j = journal(dir.path());
    mock.set_for::<ExecuteOperation>(Override::Refuse("try later".into()));
    let step = pay_once(&c, &j, "k", payout("10.00"), HASH_KEY, PollPolicy::for_tests())
        .await
        .unwrap();
    let Step::Deleted(id) = step else { panic!("{step:?}") };
    mock.reset(<ExecuteOperation as ApiRequest>::METHOD.name);
    // A run again sends nothing: the line ended without moving money.
    assert_eq!(pay(&c, &j, "k").await.unwrap(), Step::Deleted(id));
    assert_eq!(counts(&mock), (1, 1), "one creation, one (refused) execution");
    j.retry("k").unwrap();
    let step = pay(&c, &j, "k").await.unwrap();
    assert!(matches!(step, Step::Completed(new) if new != id), "{step:?}");
    let processed = mock
        .requests_for::<ExecuteOperation>()
        .into_iter()
        .filter(|r| r.refused.is_none())
        .count();
    assert_eq!(processed, 1, "one execution processed");
    assert_eq!(counts(&mock).0, 2, "a creation per attempt");
}

/// A creation answered "authentication failed" is not sent again after the new login (a money
/// call is never repeated): the line stays `creating`, since an operation may exist, and the
/// next run creates it again, counting the possible orphan.
#[tokio::test]
async fn a_creation_refused_for_the_session_is_not_repeated_and_the_next_run_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockServer::builder().sign_secret(SECRET).user_token("good").start();
    let j = journal(dir.path());
    let wrong = client_with_token(&mock, "stale");
    let e = pay(&wrong, &j, "k").await.unwrap_err();
    assert!(
        matches!(&e, BatchError::Call(Error::Unsettled { cause, .. }) if cause.is_authentication_failed()),
        "{e:?}"
    );
    assert_eq!(j.entries().unwrap()[0].step, Step::Creating);
    assert_eq!(counts(&mock), (1, 0));
    let right = client_with_token(&mock, "good");
    let step = pay(&right, &j, "k").await.unwrap();
    assert!(matches!(step, Step::Completed(_)), "{step:?}");
    assert_eq!(j.entries().unwrap()[0].orphans, 1);
    assert_eq!(counts(&mock), (2, 1));
}

#[test]
fn a_journal_in_use_by_another_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = journal(dir.path());
    first.plan("k", &planned(&payout("10.00"), HASH_KEY).unwrap()).unwrap();
    let e = SqliteJournal::open(dir.path().join("payouts.db")).unwrap_err();
    assert!(matches!(e, JournalError::InUse { .. }), "{e:?}");
    assert!(e.to_string().contains("in use by another run"), "{e}");
    drop(first);
    let again = journal(dir.path());
    assert_eq!(again.entries().unwrap().len(), 1);
}

/// A journal that passes everything to a SQLite journal and notes each write and each flush,
/// with how many executions the mock had received and how many syncs the journal had made.
struct Watched<'a> {
    inner: SqliteJournal,
    mock: &'a MockServer,
    seen: std::sync::Mutex<Vec<(String, usize, u64)>>,
}

impl Watched<'_> {
    fn note(&self, what: &str) {
        let executions = counts(self.mock).1;
        let syncs = self.inner.syncs();
        self.seen.lock().unwrap().push((what.to_owned(), executions, syncs));
    }
}

impl Journal for Watched<'_> {
    fn plan<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        Journal::plan(&self.inner, key, planned)
    }
    // `begin` is the trait's default: `plan`, then `record(Creating)`.
    fn record<'a>(&'a self, key: &'a str, step: &'a Step) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            Journal::record(&self.inner, key, step).await?;
            self.note(step.name());
            Ok(())
        })
    }
    fn orphan<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()> {
        Journal::orphan(&self.inner, key)
    }
    fn retry<'a>(&'a self, key: &'a str) -> JournalFuture<'a, Entry> {
        Journal::retry(&self.inner, key)
    }
    fn flush(&self) -> Flushed<'_> {
        Box::pin(async move {
            self.inner.flush().await?;
            self.note("flushed");
            Ok(())
        })
    }
    fn each<'a>(&'a self, f: &'a mut (dyn FnMut(Entry) + Send)) -> JournalFuture<'a, ()> {
        Journal::each(&self.inner, f)
    }
}

/// The one step that must survive a power loss, `executing`, is flushed to disk (one sync)
/// before the execution is sent; the other steps make no sync of their own.
#[tokio::test]
async fn executing_is_on_disk_before_the_execution_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    let watched = Watched {
        inner: journal(dir.path()),
        mock: &mock,
        seen: Default::default(),
    };
    for key in ["a", "b", "c"] {
        let step = pay(&c, &watched, key).await.unwrap();
        assert!(matches!(step, Step::Completed(_)), "{step:?}");
    }
    let seen = watched.seen.lock().unwrap().clone();
    let names: Vec<&str> = seen.iter().map(|(s, ..)| s.as_str()).collect();
    assert_eq!(
        names,
        ["creating", "executing", "flushed", "completed"].repeat(3),
        "the default `begin` records `creating` after planning"
    );
    for (i, (what, executions, syncs)) in seen.iter().enumerate() {
        let payout = (i / 4) as u64;
        let synced = payout + u64::from(i % 4 >= 2);
        assert_eq!(*syncs, synced, "{what} of payout {payout}: syncs");
        assert_eq!(
            *executions as u64,
            payout + u64::from(i % 4 == 3),
            "{what} of payout {payout}: executions"
        );
    }
}

/// The SQLite journal's own `begin` plans a new key as `creating` in one write, moves a key
/// planned before to `creating`, and leaves a key further on where it is.
#[test]
fn begin_plans_a_new_key_as_creating() {
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path());
    let p = planned(&payout("10.00"), HASH_KEY).unwrap();
    assert_eq!(j.begin("new", &p).unwrap().step, Step::Planned, "as it was before");
    j.plan("planned", &p).unwrap();
    assert_eq!(j.begin("planned", &p).unwrap().step, Step::Planned);
    j.plan("paid", &p).unwrap();
    let id = intellectmoney::runtime::Uuid::from_u128(7);
    j.record("paid", &Step::Completed(id)).unwrap();
    assert_eq!(j.begin("paid", &p).unwrap().step, Step::Completed(id));
    let steps: Vec<_> = j.entries().unwrap().into_iter().map(|e| (e.key, e.step)).collect();
    assert_eq!(
        steps,
        [
            ("new".to_owned(), Step::Creating),
            ("paid".to_owned(), Step::Completed(id)),
            ("planned".to_owned(), Step::Creating)
        ]
    );
}

/// Makes a file read-only for everyone, root included (`chattr +i`: file modes do not stop root),
/// until dropped.
struct Immutable<'a>(&'a Path);

impl<'a> Immutable<'a> {
    fn new(path: &'a Path) -> Self {
        let done = std::process::Command::new("chattr").arg("+i").arg(path).status();
        assert!(
            done.is_ok_and(|s| s.success()),
            "cannot make {} immutable (chattr +i)",
            path.display()
        );
        // Proof that it took: the file cannot be opened for writing.
        let writable = std::fs::OpenOptions::new().append(true).open(path);
        assert!(writable.is_err(), "{} is still writable", path.display());
        Immutable(path)
    }
}

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

/// A journal that cannot be written is a clear error that names it, and nothing is sent.
#[tokio::test]
async fn a_read_only_journal_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payouts.db");
    journal(dir.path())
        .plan("earlier", &planned(&payout("10.00"), HASH_KEY).unwrap())
        .unwrap();
    let _read_only = Immutable::new(&path);
    let mock = mock();
    let c = client(&mock);
    let failed = match SqliteJournal::open(&path) {
        Err(e) => e.to_string(),
        Ok(j) => {
            let paid = pay(&c, &j, "new").await;
            paid.unwrap_err().to_string()
        }
    };
    assert_eq!(
        failed,
        format!(
            "the journal {} cannot be written (Operation not permitted (os error 1)): nothing was sent; \
             make it writable, or use another journal",
            path.display()
        )
    );
    assert!(mock.requests().is_empty(), "sent: {:?}", mock.requests());
}

/// With `Durability::EveryStep`, every write is synced when it returns: the plan (as
/// `creating`), `executing` and the final step, three per payout paid one at a time.
#[tokio::test]
async fn every_step_durability_syncs_every_write() {
    use intellectmoney::batch::Durability;
    let dir = tempfile::tempdir().unwrap();
    let mock = mock();
    let c = client(&mock);
    let j = journal(dir.path()).durability(Durability::EveryStep);
    for key in ["a", "b"] {
        pay(&c, &j, key).await.unwrap();
    }
    assert_eq!(j.syncs(), 6);
    // The default syncs once per payout.
    drop(j);
    let j = journal(dir.path());
    pay(&c, &j, "c").await.unwrap();
    assert_eq!(j.syncs(), 1);
}

/// The journal syncs its write-ahead log by the file it opened with the journal: that file must
/// stay the one SQLite writes. Across thousands of commits and the checkpoints that restart the
/// log, SQLite rewrites the same file (its inode does not change) and never removes it.
#[test]
fn the_log_the_journal_syncs_is_never_replaced() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path());
    let log = dir.path().join("payouts.db-wal");
    let inode = std::fs::metadata(&log).unwrap().ino();
    let p = planned(&payout("10.00"), HASH_KEY).unwrap();
    let commits = 3_000;
    for i in 0..commits {
        j.plan(&format!("seller-{i}"), &p).unwrap();
    }
    let after = std::fs::metadata(&log).unwrap();
    assert_eq!(after.ino(), inode, "the log was replaced");
    // Restarted by checkpoints: far smaller than a page per commit.
    assert!(
        after.len() < commits * 4096 / 2,
        "no checkpoint restarted the log ({} bytes)",
        after.len()
    );
    assert_eq!(j.entries().unwrap().len(), commits as usize);
}

/// A journal an earlier version wrote (schema 2): a server's failure text stored as given, and an
/// SBP payout's account in clear. Opened now, the message's card number is masked; paid again, the
/// same request is recognised (no conflict) and its account is replaced by its keyed hash.
#[test]
fn a_schema_2_journal_is_masked_when_opened_and_its_accounts_hashed_when_planned() {
    use intellectmoney::payout::PreferenceType;
    let dir = tempfile::tempdir().unwrap();
    let account = "79161234567";
    let sbp = CreateOperation::new(
        PreferenceType::OutSbp,
        wiki::dec("20.00"),
        intellectmoney::personal::Currency::Rub,
        "Petr",
    )
    .account(account)
    .bank_id("100000000111");
    let now = planned(&sbp, HASH_KEY).unwrap();
    assert!(!now.params.contains(account), "{}", now.params);
    // What schema 2 stored: the same lines, the account in clear.
    let earlier_params: String = now
        .params
        .lines()
        .map(|l| {
            if l.starts_with("Account=") {
                format!("Account={account}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let earlier = Planned {
        params: earlier_params.clone(),
        fingerprint: now
            .earlier_fingerprint
            .clone()
            .expect("the account changes the fingerprint"),
        earlier_fingerprint: None,
        ..now.clone()
    };
    let j = journal(dir.path());
    j.plan("sbp", &earlier).unwrap();
    j.plan("card", &planned(&payout("10.00"), HASH_KEY).unwrap()).unwrap();
    j.record(
        "card",
        &Step::Failed {
            operation_id: None,
            message: Some("card 4111111111111111 refused".into()),
        },
    )
    .unwrap();
    drop(j);
    let path = dir.path().join("payouts.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE meta SET value = '2' WHERE name = 'schema_version'", [])
        .unwrap();
    conn.execute(
        "UPDATE payouts SET message = 'card 4111111111111111 refused' WHERE key = 'card'",
        [],
    )
    .unwrap();
    drop(conn);

    let j = SqliteJournal::open_existing(&path).unwrap();
    let card = j.entries().unwrap().into_iter().find(|e| e.key == "card").unwrap();
    assert_eq!(card.step.message(), Some("card 411111******1111 refused"));
    let entry = j.plan("sbp", &now).expect("the same request, not a conflict");
    assert_eq!(entry.planned.fingerprint, now.fingerprint);
    drop(j);
    let mut stored = String::new();
    for suffix in ["", "-wal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", path.display())) {
            stored.push_str(&String::from_utf8_lossy(&b));
        }
    }
    assert!(!stored.contains("4111111111111111"), "a card number is stored");
    assert!(!stored.contains(account), "the account is stored in clear");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let params: String = conn
        .query_row("SELECT params FROM payouts WHERE key = 'sbp'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(params, now.params);
    let version: String = conn
        .query_row("SELECT value FROM meta WHERE name = 'schema_version'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, "3");
}
