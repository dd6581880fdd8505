//! A deterministic simulation of the money paths — the batch runner (`pay_once` through a real
//! SQLite journal) and the `payout` flow — against a simulated Payout API whose behaviour is
//! drawn from a seed: connections refused, answers lost after the work is done, 5xx and 4xx
//! answers, unreadable answers, expired tokens (a new login), "queued" executions, states that lag
//! 0 to 3 polls behind, answers about another operation, and creations that answer the id of an
//! operation executed before (with its state, or, to the batch, as `Created`: a lie only a
//! journal can catch by the id it holds; the `payout` flow keeps none and is not told it). The
//! runner is crashed at journal writes (its in-memory state dropped, only what the
//! journal committed kept), run again, and unpaid lines retried, as an operator would.
//!
//! After every run: no operation received two `ExecuteOperation`s, no key has two executed
//! operations, and at the end every key is paid, unpaid-and-safe, or reported unsettled, with the
//! journal agreeing with the simulator's truth.
//!
//! In process and without sleeps (tokio's paused clock: polls and deadlines pass in virtual
//! time), so a seed replays exactly: `SIM_SEED=<seed> SIM_RUNS=1 cargo test -p
//! intellectmoney-tests --test simulation -- --nocapture`. The long run (BENCHMARKS.md):
//! `SIM_RUNS=1000000 cargo test --release -p intellectmoney-tests --test simulation`.

use futures_util::FutureExt;
use intellectmoney::batch::{
    pay_once, Entry, Flushed, Journal, JournalError, JournalFuture, Planned, SqliteJournal, Step,
};
use intellectmoney::payout::{CreateOperation, MassPaymentOperationState, PreferenceType};
use intellectmoney::personal::Currency;
use intellectmoney::runtime::client::transport::{Exchange, HttpRequest, HttpResponse, Transport, TransportError};
use intellectmoney::runtime::client::TransportKind;
use intellectmoney::runtime::{ApiRequest, Decimal, Uuid};
use intellectmoney::{Client, Error, PayoutOutcome, PollPolicy};
use intellectmoney_tests::Rng;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The states of the simulated API, by the spec's names.
type State = MassPaymentOperationState;

/// One operation as the simulated server knows it.
struct Op {
    key: String,
    truth: State,
    /// The truth at each poll so far: a lagging answer shows an older one.
    seen: Vec<State>,
    /// How many polls its answers lag behind.
    lag: usize,
    /// How it ends once executed.
    ends: State,
    executions_received: u32,
    executed: bool,
}

impl Op {
    /// Executed and not ended without paying: it pays, or is paying.
    fn moved_money(&self) -> bool {
        self.executed && !matches!(self.truth, State::Failed | State::NotEnoughMoney | State::Deleted)
    }
}

/// How often each fault happens, in percent of calls (drawn per seed).
struct Faults {
    not_sent: u64,
    lost: u64,
    status_5xx: u64,
    status_4xx: u64,
    unreadable: u64,
    expired: u64,
    queued: u64,
    other_id: u64,
    duplicate_id: u64,
}

struct World {
    rng: Rng,
    /// Whether a repeated id may be answered as `Created` (while the batch runs).
    lie_about_ids: bool,
    ops: BTreeMap<Uuid, Op>,
    token: u32,
    faults: Faults,
}

#[derive(Clone)]
struct Sim(Arc<Mutex<World>>);

impl Transport for Sim {
    fn send(&self, request: HttpRequest, _max: usize) -> Exchange<'_> {
        let answer = self.0.lock().unwrap().exchange(&request);
        Box::pin(std::future::ready(answer))
    }
}

fn failure(kind: TransportKind, what: &str) -> TransportError {
    TransportError::Failed {
        kind,
        source: format!("simulated: {what}").into(),
    }
}

fn json(status: u16, body: serde_json::Value) -> HttpResponse {
    HttpResponse {
        status,
        body: body.to_string().into_bytes(),
    }
}

/// The envelope: processed (`OperationState.Code` 0) with `result`.
fn processed(result: serde_json::Value) -> HttpResponse {
    json(
        200,
        serde_json::json!({ "OperationState": { "Code": 0 }, "Result": result }),
    )
}

fn refused(desc: &str) -> HttpResponse {
    json(
        200,
        serde_json::json!({ "OperationState": { "Code": 2, "Desc": desc } }),
    )
}

fn payout_result(id: Uuid, state: &State) -> serde_json::Value {
    serde_json::json!({
        "State": { "Code": 0 },
        "PayoutOperationId": id.to_string(),
        "PayoutOperationState": state.to_string(),
    })
}

impl World {
    fn new(seed: u64) -> World {
        let mut rng = Rng(seed | 1);
        let mut p = |max: u64| rng.below(max + 1);
        let faults = Faults {
            not_sent: p(8),
            lost: p(12),
            status_5xx: p(6),
            status_4xx: p(4),
            unreadable: p(4),
            expired: p(6),
            queued: p(15),
            other_id: p(4),
            duplicate_id: p(4),
        };
        World {
            rng,
            lie_about_ids: true,
            ops: BTreeMap::new(),
            token: 1,
            faults,
        }
    }

    /// One exchange: a fault before (nothing received), the work, then a fault after (the
    /// answer lost or spoiled, the work done).
    fn exchange(&mut self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let trace = std::env::var_os("SIM_TRACE").is_some();
        if self.rng.chance(self.faults.not_sent) {
            if trace {
                eprintln!("{}: not sent", request.method);
            }
            return Err(failure(TransportKind::Connect, "connection refused"));
        }
        let answer = self.work(request);
        if trace {
            let body = String::from_utf8_lossy(&request.body);
            eprintln!("{} {body} -> {}", request.method, String::from_utf8_lossy(&answer.body));
        }
        if self.rng.chance(self.faults.lost) {
            return Err(failure(TransportKind::Timeout, "the answer was lost"));
        }
        if self.rng.chance(self.faults.status_5xx) {
            return Ok(HttpResponse {
                status: 503,
                body: b"<html>Service Unavailable</html>".to_vec(),
            });
        }
        if self.rng.chance(self.faults.status_4xx) {
            return Ok(HttpResponse {
                status: [400, 408, 409, 429][self.rng.below(4) as usize],
                body: b"<html>Bad Request</html>".to_vec(),
            });
        }
        if self.rng.chance(self.faults.unreadable) {
            return Ok(HttpResponse {
                status: 200,
                body: b"{\"OperationState\": {\"Co".to_vec(),
            });
        }
        Ok(answer)
    }

    fn work(&mut self, request: &HttpRequest) -> HttpResponse {
        if request.method == intellectmoney::personal::GetUserToken::METHOD.name {
            self.token += 1;
            return processed(
                serde_json::json!({ "State": { "Code": 0 }, "UserToken": format!("token-{}", self.token) }),
            );
        }
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("a JSON body");
        // A token expires now and then: the call is refused for it, and nothing is done.
        if body["UserToken"] != format!("token-{}", self.token) || self.rng.chance(self.faults.expired) {
            self.token += 1;
            return processed(serde_json::json!({ "State": { "Code": 2, "Desc": "Аутентификация не пройдена" } }));
        }
        let id = || Uuid::parse_str(body["PayoutOperationId"].as_str().unwrap_or_default()).ok();
        match request.method {
            "CreateOperation" => self.create(body["RecipientName"].as_str().unwrap_or_default()),
            "ExecuteOperation" => self.execute(id()),
            "GetOperationState" => self.poll(id()),
            "DeleteOperation" => self.delete(id()),
            other => panic!("the simulator does not answer {other}"),
        }
    }

    fn create(&mut self, recipient: &str) -> HttpResponse {
        // Now and then the id of an operation executed already. (Not one still created: an id
        // whose creation's answer the client lost is one it cannot recognise.)
        let executed: Vec<(Uuid, State)> = self
            .ops
            .iter()
            .filter(|(_, op)| op.executions_received > 0)
            .map(|(id, op)| (*id, op.truth.clone()))
            .collect();
        if !executed.is_empty() && self.rng.chance(self.faults.duplicate_id) {
            let (id, truth) = &executed[self.rng.below(executed.len() as u64) as usize];
            // Its true state, or (a server that lies) `Created`, as a new one would be: only the
            // batch's journal can tell that lie, by the id it already holds.
            let lie = self.lie_about_ids && self.rng.chance(50);
            let shown = if lie { State::Created } else { truth.clone() };
            return processed(payout_result(*id, &shown));
        }
        let id = Uuid::from_u64_pair(self.rng.next(), self.rng.next());
        let ends = match self.rng.below(10) {
            0 => State::Failed,
            1 => State::NotEnoughMoney,
            _ => State::Completed,
        };
        let op = Op {
            key: recipient.to_owned(),
            truth: State::Created,
            seen: Vec::new(),
            lag: self.rng.below(4) as usize,
            ends,
            executions_received: 0,
            executed: false,
        };
        self.ops.insert(id, op);
        processed(payout_result(id, &State::Created))
    }

    fn execute(&mut self, id: Option<Uuid>) -> HttpResponse {
        let queued = self.rng.chance(self.faults.queued);
        let Some(op) = id.and_then(|id| self.ops.get_mut(&id)) else {
            return refused("Операция не найдена");
        };
        op.executions_received += 1;
        if op.truth != State::Created {
            return refused("Операция не в статусе Created");
        }
        op.truth = State::InProcess;
        op.executed = true;
        if queued {
            return json(
                200,
                serde_json::json!({ "OperationState": { "Code": 1 }, "OperationId": Uuid::nil() }),
            );
        }
        let id = id.unwrap();
        self.answer_about(id, State::InProcess)
    }

    fn poll(&mut self, id: Option<Uuid>) -> HttpResponse {
        let advance = self.rng.chance(50);
        let Some((id, op)) = id.and_then(|id| Some((id, self.ops.get_mut(&id)?))) else {
            return refused("Операция не найдена");
        };
        if op.truth == State::InProcess && advance {
            op.truth = op.ends.clone();
        }
        op.seen.push(op.truth.clone());
        let shown = op.seen[op.seen.len().saturating_sub(1 + op.lag)].clone();
        self.answer_about(id, shown)
    }

    fn delete(&mut self, id: Option<Uuid>) -> HttpResponse {
        match id.and_then(|id| self.ops.get_mut(&id)) {
            Some(op) if op.truth == State::Created => {
                op.truth = State::Deleted;
                processed(serde_json::json!(true))
            }
            _ => refused("Удалить можно только операцию в статусе Created"),
        }
    }

    /// An answer about `id`, now and then about another operation instead.
    fn answer_about(&mut self, id: Uuid, state: State) -> HttpResponse {
        if self.rng.chance(self.faults.other_id) {
            let other = Uuid::from_u64_pair(self.rng.next(), 7);
            return processed(payout_result(other, &State::Completed));
        }
        processed(payout_result(id, &state))
    }

    /// What must hold after every run: no operation executed twice, no key paid twice.
    fn check(&self, seed: u64) {
        let mut executed: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
        for (id, op) in &self.ops {
            assert!(
                op.executions_received <= 1,
                "seed {seed}: operation {id} of {} received {} executions",
                op.key,
                op.executions_received
            );
            if op.moved_money() {
                executed.entry(&op.key).or_default().push(*id);
            }
        }
        for (key, ids) in executed {
            assert!(
                ids.len() <= 1,
                "seed {seed}: {key} was paid by {} operations: {ids:?}",
                ids.len()
            );
        }
    }

    /// The operation that paid a key (executed, and not failed), if any.
    fn paid(&self, key: &str) -> Option<(Uuid, &Op)> {
        self.ops
            .iter()
            .find(|(_, op)| op.key == key && op.moved_money())
            .map(|(id, op)| (*id, op))
    }
}

/// A journal that crashes the run at its `at`-th write: the run's future unwinds (every payout in
/// flight and the client's session dropped), the journal keeps what it committed.
struct Crashing<'a> {
    inner: &'a SqliteJournal,
    writes: Cell<u64>,
    at: Option<u64>,
    /// Whether the crashing write is made first (a crash after it) or not (before it).
    after: bool,
}

// The simulation runs on one thread; the trait asks for `Sync`.
unsafe impl Sync for Crashing<'_> {}

const CRASH: &str = "simulated crash";

impl Crashing<'_> {
    fn write<T>(&self, f: impl FnOnce() -> Result<T, JournalError>) -> Result<T, JournalError> {
        let n = self.writes.get();
        self.writes.set(n + 1);
        if self.at != Some(n) {
            return f();
        }
        if self.after {
            let _ = f();
        }
        std::panic::panic_any(CRASH);
    }
}

/// A write made now (the simulation's journal answers at once), crashing where the run says.
fn now<'a, T: Send + 'a>(result: Result<T, JournalError>) -> JournalFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

impl Journal for Crashing<'_> {
    fn plan<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        now(self.write(|| self.inner.plan(key, planned)))
    }
    fn begin<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        now(self.write(|| self.inner.begin(key, planned)))
    }
    fn record<'a>(&'a self, key: &'a str, step: &'a Step) -> JournalFuture<'a, ()> {
        if std::env::var_os("SIM_TRACE").is_some() {
            eprintln!("journal: {key}: {step} (write {})", self.writes.get());
        }
        now(self.write(|| self.inner.record(key, step)))
    }
    fn orphan<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()> {
        now(self.write(|| self.inner.orphan(key)))
    }
    fn retry<'a>(&'a self, key: &'a str) -> JournalFuture<'a, Entry> {
        now(self.inner.retry(key))
    }
    fn flush(&self) -> Flushed<'_> {
        self.inner.flush()
    }
    fn each<'a>(&'a self, f: &'a mut (dyn FnMut(Entry) + Send)) -> JournalFuture<'a, ()> {
        Journal::each(self.inner, f)
    }
}

const HASH_KEY: &[u8] = b"simulation";

fn client(world: &Sim) -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .format(intellectmoney::Format::Json)
        .credentials("merchant", "password")
        .bearer_token("bearer")
        .sign_secret("sign")
        .transport(world.clone())
        .build()
        .unwrap()
}

fn request(key: &str) -> CreateOperation {
    let amount: Decimal = "77.00".parse().unwrap();
    CreateOperation::new(PreferenceType::OutSbp, amount, Currency::Rub, key)
        .account("79990000000")
        .bank_id("100000000111")
}

/// Polls 1 s to 30 s apart for 10 virtual minutes, as the CLI does.
fn poll() -> PollPolicy {
    PollPolicy {
        min_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(30),
        deadline: Duration::from_secs(600),
    }
}

/// One seeded run: a batch driven to its end through crashes and retries, then one `payout`.
fn simulate(seed: u64, dir: &std::path::Path) {
    let world = Sim(Arc::new(Mutex::new(World::new(seed))));
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let keys: Vec<String> = (0..1 + rng.below(5)).map(|i| format!("Key {i}")).collect();
    let path = dir.join(format!("sim-{seed}.db"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    for round in 0..40 {
        let journal = SqliteJournal::open(&path).unwrap();
        let crashing = Crashing {
            inner: &journal,
            writes: Cell::new(0),
            at: rng.chance(60).then(|| rng.below(10)),
            after: rng.chance(50),
        };
        let client = client(&world);
        let run = async {
            for key in &keys {
                let _ = pay_once(&client, &crashing, key, request(key), HASH_KEY, poll()).await;
            }
        };
        let _ = rt.block_on(std::panic::AssertUnwindSafe(run).catch_unwind());
        world.0.lock().unwrap().check(seed);
        let entries = journal.entries().unwrap();
        let done = entries.len() == keys.len() && entries.iter().all(|e| e.step.is_final() && !e.step.moved_no_money());
        if done || round == 39 {
            compare(seed, &world.0.lock().unwrap(), &entries);
            break;
        }
        // The operator retries what ended unpaid, now and then.
        for e in entries.iter().filter(|e| e.step.moved_no_money()) {
            if rng.chance(70) {
                journal.retry(&e.key).unwrap();
            }
        }
    }
    std::fs::remove_file(&path).unwrap();
    let flow_key = "Flow";
    world.0.lock().unwrap().lie_about_ids = false;
    let outcome = rt.block_on(client(&world).payout(request(flow_key), poll(), |_, _| {}));
    let w = world.0.lock().unwrap();
    w.check(seed);
    match (outcome, w.paid(flow_key)) {
        (Ok(PayoutOutcome::Completed { operation_id }), Some((paid, op))) => {
            assert_eq!(operation_id, paid, "seed {seed}: completed as another operation");
            assert_eq!(op.truth, State::Completed, "seed {seed}: reported completed");
        }
        // Unsettled: may still pay; the caller looks it up.
        (Ok(PayoutOutcome::Pending { .. }) | Err(Error::Unsettled { .. }), _) => {}
        // Ended without paying: then nothing of this payout pays, and the state agrees.
        (Ok(o), None) => {
            let truth = w.ops.get(&o.operation_id()).map(|op| op.truth.clone());
            let expected = match &o {
                PayoutOutcome::Failed { .. } => State::Failed,
                PayoutOutcome::NotEnoughMoney { .. } => State::NotEnoughMoney,
                PayoutOutcome::Deleted { .. } => State::Deleted,
                other => panic!("seed {seed}: {other:?}, and nothing was paid"),
            };
            assert_eq!(truth, Some(expected), "seed {seed}: {o:?}");
        }
        (Err(_), None) => {}
        (other, Some((id, op))) => panic!(
            "seed {seed}: the flow said {other:?}, but {id} was executed and is {}",
            op.truth
        ),
    }
}

/// The journal's account against the simulator's truth.
fn compare(seed: u64, w: &World, entries: &[Entry]) {
    for e in entries {
        let paid = w.paid(&e.key);
        match (&e.step, paid) {
            (Step::Completed(id), Some((paid, op))) => {
                assert_eq!(*id, paid, "seed {seed}: {} completed as another operation", e.key);
                assert_eq!(op.truth, State::Completed, "seed {seed}: {}", e.key);
            }
            // Unsettled, or (shared) reported to be checked by hand: never paid again on its own.
            (
                Step::Pending(_)
                | Step::Executing(_)
                | Step::Creating
                | Step::Planned
                | Step::Created(_)
                | Step::Shared { .. },
                _,
            ) => {}
            (step, None) => {
                assert!(
                    step.moved_no_money(),
                    "seed {seed}: {} is {step}, but nothing paid it",
                    e.key
                );
                if let Some(id) = step.operation_id() {
                    let truth = w.ops.get(&id).map(|op| op.truth.clone());
                    let expected = match step {
                        Step::NotEnoughMoney(_) => State::NotEnoughMoney,
                        Step::Deleted(_) => State::Deleted,
                        _ => State::Failed,
                    };
                    assert_eq!(truth, Some(expected), "seed {seed}: {} is {step}", e.key);
                }
            }
            (step, Some((id, op))) => panic!("seed {seed}: {} is {step}; {id} is {}", e.key, op.truth),
        }
    }
}

#[test]
fn no_operation_executed_twice_and_no_key_paid_twice_under_seeded_faults() {
    let runs: u64 = std::env::var("SIM_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let first: u64 = std::env::var("SIM_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    // The simulated crashes unwind through the runner: their panics are expected, not printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&CRASH) {
            default_hook(info);
        }
    }));
    // Journals on a memory file system where there is one: an fsync there costs nothing.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    for seed in first..first + runs {
        let run = std::panic::catch_unwind(|| simulate(seed, dir.path()));
        if let Err(e) = run {
            eprintln!("failing seed: {seed} (replay: SIM_SEED={seed} SIM_RUNS=1)");
            std::panic::resume_unwind(e);
        }
        // Progress of a long run (a run stopped early has still proved what it printed).
        if (seed - first + 1).is_multiple_of(50_000) {
            eprintln!("{} seeded runs from seed {first}: no violation", seed - first + 1);
        }
    }
    eprintln!("{runs} seeded runs from seed {first}: no violation");
}
