//! A hostile server that quotes back every secret it was sent, in every form a server or a proxy
//! may write it (`intellectmoney_tests::echo`, which makes the forms with its own code), in every
//! text it answers: a refusal's `Desc`, a warning, a payout's `ErrorMessage`. Each secret kind ×
//! each form × each place the text can reach — the CLI's errors and warnings, the JSON of the
//! `payout` and `create-operation` commands, a batch's stderr, `status`, the report as CSV and JSON, the journal file, and
//! the library's tracing output — must show none of it. The same texts carry a spreadsheet
//! formula and terminal escape sequences, which must arrive inert.

mod common;

use common::{BIN, HASH_KEY};
use intellectmoney::payout::{CreateOperation, PreferenceType};
use intellectmoney::personal::{Currency, GetEshopInfo};
use intellectmoney::PollPolicy;
use intellectmoney_tests::capture::Capture;
use intellectmoney_tests::echo::{encodings, Hostile};
use intellectmoney_tests::wiki::dec;
use std::path::Path;
use std::process::{Command, Output};

const LOGIN: &str = "merchant@example.com";
const PASSWORD: &str = "pa ss+w/o=r&d'<x>\"q";
/// The UserToken the hostile server gives at login.
const TOKEN: &str = "TkN+s3cr3t/=&'x";
const BEARER: &str = "BeAr3r+tok/=n&x";
const SIGN: &str = "s1gn+secret/&x'y z";
const PAN: &str = "4111111111111111";
const ACCOUNT: &str = "79161234567";
const NOTIFY_KEY: &str = "n0tify+key/&'x z";

/// The credentials, by kind.
const CREDENTIALS: [(&str, &str); 4] = [
    ("UserToken", TOKEN),
    ("password", PASSWORD),
    ("bearer token", BEARER),
    ("sign secret", SIGN),
];

fn echoes(value: &str) -> Vec<String> {
    encodings(value).into_iter().map(|e| e.echo).collect()
}

fn hostile() -> Hostile {
    let always = CREDENTIALS.iter().flat_map(|(_, v)| echoes(v)).collect();
    Hostile::start(TOKEN, always, echoes)
}

/// The CLI with every credential, against `server`.
fn cli(server: &Hostile) -> Command {
    let mut c = Command::new(BIN);
    c.args(["--format", "json", "--base-url", &server.server.url()])
        .args(["--login", LOGIN, "--password", PASSWORD])
        .args(["--bearer-token", BEARER, "--sign-secret", SIGN]);
    c
}

fn texts(out: Output) -> (String, String) {
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    assert!(
        !text(out.stderr.clone()).contains("panicked"),
        "{}",
        text(out.stderr.clone())
    );
    (text(out.stdout), text(out.stderr))
}

/// One place output goes, what reached it, and the secret kinds the server quoted there.
struct Channel {
    name: &'static str,
    text: String,
    kinds: Vec<(&'static str, &'static str)>,
    /// Whether a terminal or a spreadsheet shows it (the journal file and the raw tracing
    /// buffer are not checked for control characters).
    shown: bool,
}

fn with_payout(kind: (&'static str, &'static str)) -> Vec<(&'static str, &'static str)> {
    let mut kinds = CREDENTIALS.to_vec();
    kinds.push(kind);
    kinds
}

const CARD: (&str, &str) = ("card number", PAN);
const SBP: (&str, &str) = ("account", ACCOUNT);

/// The CLI's channels: `get-eshop-info` refused and warned, `payout` to a card and by SBP, and
/// a batch of both with its status, report and journal.
fn cli_channels(server: &Hostile, dir: &Path) -> Vec<Channel> {
    let mut out = Vec::new();
    let run = |args: &[&str]| texts(cli(server).args(args).output().unwrap());
    let (_, refused) = run(&["get-eshop-info", "--take", "5"]);
    out.push(channel("error (stderr)", refused, CREDENTIALS.to_vec()));
    let (_, warned) = run(&["get-eshop-info", "--take", "1"]);
    out.push(channel("warning (stderr)", warned, CREDENTIALS.to_vec()));
    let sbp_args = [
        "--preference-type",
        "OutSbp",
        "--account",
        ACCOUNT,
        "--bank-id",
        "100000000111",
    ];
    let card_args = ["--preference-type", "OutBankCard", "--pan", PAN];
    // `payout` prints each state and the outcome; the method's own command, the operation as
    // the server answered it.
    let commands = [
        (
            "payout",
            &["--poll-interval", "0s", "--deadline", "30s"][..],
            ["payout stdout JSON (card)", "payout stdout JSON (SBP)"],
        ),
        (
            "create-operation",
            &[],
            [
                "create-operation stdout JSON (card)",
                "create-operation stdout JSON (SBP)",
            ],
        ),
    ];
    for (command, more, [card_name, sbp_name]) in commands {
        let common = [
            command,
            "--amount",
            "50.00",
            "--currency",
            "RUB",
            "--recipient-name",
            "Ivan Ivanov",
        ];
        let (card, _) = run(&[&common[..], &card_args, more].concat());
        out.push(channel(card_name, card, with_payout(CARD)));
        let (sbp, _) = run(&[&common[..], &sbp_args, more].concat());
        out.push(channel(sbp_name, sbp, with_payout(SBP)));
    }

    let file = dir.join("payouts.csv");
    let journal = dir.join("payouts.db");
    std::fs::write(
        &file,
        format!("key,preference_type,amount,currency,recipient_name,pan,account,bank_id\ncard-1,OutBankCard,10.00,RUB,Ivan Ivanov,{PAN},,\nsbp-1,OutSbp,20.00,RUB,Petr Petrov,,{ACCOUNT},100000000111\n"),
    )
    .unwrap();
    let both = || {
        let mut kinds = with_payout(CARD);
        kinds.push(SBP);
        kinds
    };
    let journal_arg = journal.to_str().unwrap();
    let batch_run = [
        "payout-batch",
        "run",
        "--hash-key",
        HASH_KEY,
        "--poll-interval",
        "0s",
        "--deadline",
        "30s",
        "--journal",
        journal_arg,
        file.to_str().unwrap(),
    ];
    // (Its stdout names each line's step and operation, no server text.)
    let (_, batch_err) = run(&batch_run);
    out.push(channel("batch run stderr", batch_err, both()));
    let (status, _) = run(&["payout-batch", "status", "--journal", journal_arg]);
    out.push(channel("status", status, both()));
    let (csv, _) = run(&["payout-batch", "report", "--journal", journal_arg]);
    out.push(channel("report CSV", csv, both()));
    let (json, _) = run(&["payout-batch", "report", "--journal", journal_arg, "--format", "json"]);
    for line in json.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    out.push(channel("report JSON", json, both()));
    let mut stored = String::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{journal_arg}{suffix}")) {
            stored.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    out.push(Channel {
        name: "journal file",
        text: stored,
        kinds: both(),
        shown: false,
    });
    out
}

fn channel(name: &'static str, text: String, kinds: Vec<(&'static str, &'static str)>) -> Channel {
    Channel {
        name,
        text,
        kinds,
        shown: true,
    }
}

/// What is not inert in the report: a cell that starts as a formula, or holds a control
/// character; and whether the two failure messages are there, neutralised.
fn csv_problems(csv: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv.as_bytes());
    let mut messages = 0;
    for record in reader.records() {
        let record = record.unwrap();
        for cell in &record {
            let shown: String = cell.chars().take(60).collect();
            if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                problems.push(format!("report CSV: a formula cell: {shown:?}…"));
            }
            if cell.chars().any(char::is_control) {
                problems.push(format!("report CSV: a control character in {shown:?}…"));
            }
        }
        messages += usize::from(record.get(6).is_some_and(|m| m.starts_with("'=HYPERLINK")));
    }
    if messages != 2 {
        problems.push(format!(
            "report CSV: {messages} of the two failure messages neutralised"
        ));
    }
    problems
}

/// The library's channel: everything a subscriber at TRACE level receives while the client is
/// refused, warned, and pays to a card and by SBP.
fn tracing_channel(server: &Hostile) -> Channel {
    let capture = Capture::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(capture.subscriber(), || {
        runtime.block_on(async {
            let client = intellectmoney::Client::builder()
                .base_url(server.server.url())
                .format(intellectmoney::Format::Json)
                .credentials(LOGIN, PASSWORD)
                .bearer_token(BEARER)
                .sign_secret(SIGN)
                .build()
                .unwrap();
            let e = client.get_eshop_info(GetEshopInfo::new(5)).await.unwrap_err();
            tracing::info!(error = %e, "the application logs the error");
            let reply = client.get_eshop_info(GetEshopInfo::new(1)).await.unwrap();
            tracing::info!(warning = ?reply.warning, "the application logs the warning");
            let card = CreateOperation::new(PreferenceType::OutBankCard, dec("50.00"), Currency::Rub, "Ivan").pan(PAN);
            let sbp = CreateOperation::new(PreferenceType::OutSbp, dec("50.00"), Currency::Rub, "Ivan")
                .account(ACCOUNT)
                .bank_id("100000000111");
            for request in [card, sbp] {
                let outcome = client.payout(request, PollPolicy::for_tests(), |_, _| {}).await;
                tracing::info!(outcome = ?outcome, "the application logs the outcome");
            }
        })
    });
    let mut kinds = with_payout(CARD);
    kinds.push(SBP);
    Channel {
        name: "tracing",
        text: capture.text(),
        kinds,
        shown: false,
    }
}

#[test]
fn no_secret_in_any_form_reaches_any_output() {
    let server = hostile();
    let dir = tempfile::tempdir().unwrap();
    let mut channels = cli_channels(&server, dir.path());
    channels.push(tracing_channel(&server));
    let mut cases = 0;
    let mut leaks = Vec::new();
    let mut unsafe_text = Vec::new();
    for ch in &channels {
        // The server's text reached the channel: a channel that shows nothing proves nothing.
        assert!(
            ch.text.contains("ECHO-MARK"),
            "{}: the echo never arrived:\n{}",
            ch.name,
            ch.text
        );
        if ch.shown {
            let bad: Vec<char> = ch.text.chars().filter(|c| c.is_control() && *c != '\n').collect();
            if !bad.is_empty() {
                unsafe_text.push(format!("{}: control characters {bad:?}", ch.name));
            }
        }
        if ch.name == "report CSV" {
            unsafe_text.extend(csv_problems(&ch.text));
        }
        for (kind, value) in &ch.kinds {
            for e in encodings(value) {
                cases += 1;
                if ch.text.contains(&e.needle) {
                    leaks.push(format!("{} × {} × {}", ch.name, kind, e.name));
                }
            }
        }
    }
    assert!(
        leaks.is_empty() && unsafe_text.is_empty(),
        "{} of {cases} cases leaked:\n{}\nnot inert:\n{}",
        leaks.len(),
        leaks.join("\n"),
        unsafe_text.join("\n")
    );
    assert!(cases >= 500, "only {cases} cases");
    eprintln!("{cases} cases (secret kind × form × channel), none leaked");
}

#[test]
fn a_notification_secret_key_is_never_printed() {
    let mut body = intellectmoney::personal::Notification::builder();
    for (name, value) in [
        ("eshopId", "452996".to_owned()),
        ("orderId", "order-1".to_owned()),
        ("recipientAmount", "10.00".to_owned()),
        ("recipientCurrency", "RUB".to_owned()),
        ("paymentStatus", "5".to_owned()),
        ("userName", format!("ECHO-MARK {}", echoes(NOTIFY_KEY).join(" | "))),
        ("secretKey", NOTIFY_KEY.to_owned()),
    ] {
        body = body.field(name, value);
    }
    let body = body.sign(NOTIFY_KEY);
    let out = run_with_stdin(&["verify-notification", "--secret-key", NOTIFY_KEY], &body);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (stdout, stderr) = texts(out);
    assert!(stdout.contains("ECHO-MARK"), "{stdout}");
    let mut cases = 0;
    for e in encodings(NOTIFY_KEY) {
        cases += 1;
        assert!(
            !stdout.contains(&e.needle) && !stderr.contains(&e.needle),
            "{}: {stdout}",
            e.name
        );
    }
    assert!(cases >= 15, "{cases}");
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its options exits without reading stdin: the pipe may be closed
    // before the body is written, and what it said is in its output either way.
    let written = child.stdin.take().unwrap().write_all(stdin);
    assert!(
        written
            .as_ref()
            .map_or_else(|e| e.kind() == std::io::ErrorKind::BrokenPipe, |()| true),
        "{written:?}"
    );
    child.wait_with_output().unwrap()
}

#[test]
fn an_empty_secret_key_is_refused() {
    let body = intellectmoney::personal::Notification::builder()
        .field("eshopId", "452996")
        .field("paymentStatus", "5")
        .sign("");
    for key in ["", "   "] {
        let out = run_with_stdin(&["verify-notification", "--secret-key", key], &body);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let (stdout, stderr) = texts(out);
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains("--secret-key (INTELLECTMONEY_SECRET_KEY) is empty"),
            "{stderr}"
        );
    }
    let out = Command::new(BIN)
        .arg("verify-notification")
        .env("INTELLECTMONEY_SECRET_KEY", "")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let body = intellectmoney::personal::Notification::builder()
        .field("eshopId", "452996")
        .field("paymentStatus", "5")
        .sign("key");
    // The reading end is closed before the command writes anything: its first write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(BIN)
        .args(["verify-notification", "--secret-key", "key"])
        .stdin(std::process::Stdio::piped())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&body).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// A journal or inbox given as libpq's connection string is refused without showing it, and no
/// file is made with the password in its name.
#[test]
fn a_connection_string_for_a_journal_is_refused_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let conn = "host=127.0.0.1 user=pay password=hunter2pw dbname=j";
    let file = dir.path().join("payouts.csv");
    std::fs::write(
        &file,
        "key,preference_type,amount,currency,recipient_name,account,bank_id\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let spaced = "host = 127.0.0.1 password = hunter2pw";
    let url = "postgres://pay:hunter2pw@127.0.0.1:9/j";
    let run = |journal: &str, also: Option<&str>| -> Vec<String> {
        let mut args = vec!["payout-batch", "run", "--hash-key", HASH_KEY, "--journal", journal];
        args.extend(also.map(|a| ["--also-journal", a]).into_iter().flatten());
        args.push(file);
        args.into_iter().map(str::to_owned).collect()
    };
    let words = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let runs = [
        (run(conn, None), "connection string"),
        (run(spaced, None), "connection string"),
        (run("j.db", Some(conn)), "connection string"),
        (
            words(&["payout-batch", "status", "--journal", conn]),
            "connection string",
        ),
        (
            words(&[
                "receive",
                "--journal",
                conn,
                "--secret-key",
                NOTIFY_KEY,
                "--exec",
                "true",
            ]),
            "connection string",
        ),
        // A URL for --also-journal, which takes journal files: refused, its password unshown.
        (run("j.db", Some(url)), "pay:***@127.0.0.1:9/j"),
    ];
    for (args, says) in runs {
        let out = Command::new(BIN).current_dir(dir.path()).args(&args).output().unwrap();
        let (stdout, stderr) = texts(out.clone());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stdout.contains("hunter2") && !stderr.contains("hunter2"),
            "{args:?}: {stderr}"
        );
    }
    let made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(made, ["payouts.csv"], "no journal was made");
}
