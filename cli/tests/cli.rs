//! The `intellectmoney` binary run as a process against a loopback server: one method of each
//! API, the exact request it sends, the JSON it prints, and how it fails.

use intellectmoney_tests::example;
use intellectmoney_tests::server::{Answer, Received, Server};
use intellectmoney_tests::wiki::{PT1, T1};
use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intellectmoney"));
    cmd.args(args);
    for var in [
        "INTELLECTMONEY_USER_TOKEN",
        "INTELLECTMONEY_LOGIN",
        "INTELLECTMONEY_PASSWORD",
        "INTELLECTMONEY_BEARER_TOKEN",
        "INTELLECTMONEY_SIGN_SECRET",
        "INTELLECTMONEY_PAYOUT_VERSION",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// A card payout's flags: 10.00 RUB to the test card.
const CARD: [&str; 8] = [
    "--pan",
    "4111111111111111",
    "--amount",
    "10.00",
    "--currency",
    "RUB",
    "--recipient-name",
    "Иванов Иван",
];

/// The `Id` of every JSON line printed (one per item of `--all`).
fn printed_ids(out: &Output) -> Vec<i64> {
    text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["Id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[test]
fn get_invoices_history_in_xml_and_json() {
    for (format, answer) in [
        ("xml", Answer::xml(example("personal/getInvoicesHistory.response.xml"))),
        (
            "json",
            Answer::json(example("personal/getInvoicesHistory.response.json")),
        ),
    ] {
        let server = Server::always(answer);
        let out = run(
            &[
                "--base-url",
                &server.url(),
                "--format",
                format,
                "get-invoices-history",
                "--eshop-id",
                "450063",
                "--date-to",
                "15.07.2017",
                "--take",
                "10",
                "--invoice-id",
                "3930949846",
                "--include-payment-transactions",
                "true",
            ],
            &[("INTELLECTMONEY_USER_TOKEN", T1)],
        );
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        let sent: Vec<Received> = server.received();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].path, "/personal/payment/getInvoicesHistory");
        assert_eq!(sent[0].body_text(), example("personal/getInvoicesHistory.request.form"));
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let invoice = &printed["InvoicesHistoryList"][0];
        assert_eq!(invoice["Id"], 3930949846i64, "{format}");
        assert_eq!(invoice["State"], "Paid", "{format}");
        // Decimals as strings with their scale; "no date" stays absent.
        assert_eq!(invoice["Amount"]["Amount"], "11.0000", "{format}");
        assert!(invoice.get("ExpirationDate").is_none(), "{format}: {invoice}");
        // Enums as the API writes them: this one by number.
        assert_eq!(printed["State"]["Code"], 0, "{format}");
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
}

#[test]
fn create_operation_is_signed_and_prints_the_operation() {
    let server = Server::always(Answer::json(example("payout/CreateOperation.response.json")));
    let out = run(
        &[
            "--base-url",
            &server.url(),
            "create-operation",
            "--pan",
            "4111111111111111",
            "--amount",
            "50",
            "--currency",
            "RUB",
            "--recipient-name",
            "Иванов Иван",
            "--preference-type",
            "OutBankCard",
        ],
        &[
            ("INTELLECTMONEY_USER_TOKEN", PT1),
            ("INTELLECTMONEY_BEARER_TOKEN", "b-token"),
            ("INTELLECTMONEY_SIGN_SECRET", "s3cr3t"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sent = server.received();
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&example("payout/CreateOperation.request.json")).unwrap();
    assert_eq!(body, expected);
    assert_eq!(sent[0].header("authorization"), Some("Bearer b-token"));
    let golden = std::fs::read_to_string(intellectmoney_tests::root().join("tests/golden/sign.tsv")).unwrap();
    let sign = sent[0].header("sign").unwrap();
    assert!(golden
        .lines()
        .any(|l| l.starts_with("CreateOperation\t") && l.ends_with(sign)));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["PayoutOperationId"], "2cf4b4bc-56cf-4ab6-bf4f-1b2aa9743154");
    assert_eq!(printed["PayoutOperationState"], "Created");
}

/// The token a user asks for is printed: removing secrets from what is printed stops at the
/// result the caller asked for (README, *Not covered*).
#[test]
fn get_user_token_prints_the_token_it_got() {
    let answer = example("personal/getUserToken.response.xml");
    let server = Server::always(Answer::xml(answer.clone()));
    let out = run(
        &[
            "--base-url",
            &server.url(),
            "get-user-token",
            "--login",
            "merchant@example.com",
            "--password",
            "pa55word",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = printed["UserToken"].as_str().unwrap();
    assert!(
        !token.is_empty() && answer.contains(&format!("<UserToken>{token}</UserToken>")),
        "{printed}"
    );
}

#[test]
fn a_refusal_is_one_line_on_stderr_with_the_code_and_text() {
    let server = Server::always(Answer::xml(
        "<Response><OperationState><Code>2</Code><Desc>Неверный EshopId</Desc></OperationState></Response>",
    ));
    let out = run(
        &["--base-url", &server.url(), "get-eshop-info", "--take", "3"],
        &[("INTELLECTMONEY_USER_TOKEN", "tok-SECRET")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert_eq!(
        err,
        "intellectmoney: refused error: getEshopInfo: refused by IntellectMoney, not processed (OperationState.Code Failed): Неверный EshopId\n"
    );
}

#[test]
fn a_refused_parameter_names_it_and_sends_nothing() {
    let server = Server::always(Answer::xml("<Response/>"));
    let out = run(
        &[
            "--base-url",
            &server.url(),
            "get-invoices-history",
            "--take",
            "10",
            "--owner-email",
            &"a".repeat(101),
        ],
        &[("INTELLECTMONEY_USER_TOKEN", "t")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("intellectmoney: request error: getInvoicesHistory: parameter `OwnerEmail`"),
        "{err}"
    );
    assert!(server.received().is_empty());
}

#[test]
fn credentials_from_the_environment_are_used_and_never_echoed() {
    let server = Server::start(|req: &Received, _| {
        if req.path.ends_with("getUserToken") {
            Answer::xml("<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>0</Code></State><UserToken>fresh-TOKEN</UserToken></Result></Response>")
        } else {
            Answer::Http {
                status: 503,
                content_type: "text/plain".into(),
                body: "down".into(),
            }
        }
    });
    let out = run(
        &["--base-url", &server.url(), "get-eshop-info", "--take", "3"],
        &[
            ("INTELLECTMONEY_LOGIN", "merchant@example.com"),
            ("INTELLECTMONEY_PASSWORD", "PASS-word-1"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let sent = server.received();
    assert_eq!(sent[0].body_text(), "Login=merchant%40example.com&Password=PASS-word-1");
    assert!(sent[1].body_text().starts_with("UserToken=fresh-TOKEN"));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("status error"), "{all}");
    assert!(!all.contains("PASS-word") && !all.contains("fresh-TOKEN"), "{all}");

    let help = run(&["--help"], &[("INTELLECTMONEY_PASSWORD", "PASS-word-1")]);
    assert!(!text(&help.stdout).contains("PASS-word"));
}

#[test]
fn help_shows_the_spec_description_of_the_method_and_its_parameters() {
    let out = run(&["create-operation", "--help"], &[]);
    let help = text(&out.stdout);
    assert!(
        help.contains("Creates a payout to a Russian bank card or through SBP"),
        "{help}"
    );
    assert!(help.contains("POST /personal/payout/CreateOperation"), "{help}");
    assert!(help.contains("--recipient-name <TEXT>"), "{help}");
    assert!(help.contains("Recipient's name (2 to 50 characters)."), "{help}");
    assert!(help.contains("Values: OutBankCard, OutSbp"), "{help}");
}

#[test]
fn all_prints_every_item_of_every_page_as_a_json_line() {
    let server = Server::invoice_registry(250, None);
    let out = run(
        &[
            "--base-url",
            &server.url(),
            "get-invoices-history",
            "--take",
            "100",
            "--all",
        ],
        &[("INTELLECTMONEY_USER_TOKEN", "t")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids = printed_ids(&out);
    assert_eq!(ids, (0..250).collect::<Vec<i64>>());
    assert_eq!(server.received().len(), 3);
}

fn verify(body: &[u8], key: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_intellectmoney"))
        .args(["verify-notification"])
        .env("INTELLECTMONEY_SECRET_KEY", key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn verify_notification_reads_stdin_and_tells_valid_from_not() {
    let body = intellectmoney::personal::Notification::builder()
        .field("eshopId", "452996")
        .field("serviceName", "Оплата")
        .field("recipientAmount", "10.00")
        .field("paymentStatus", "5")
        .sign("shop-KEY");
    let out = verify(&body, "shop-KEY");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["eshopId"], 452996);
    assert_eq!(printed["serviceName"], "Оплата");
    assert_eq!(printed["recipientAmount"], "10.00");

    let out = verify(&body, "other-key");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("the hash does not match"), "{err}");
    assert!(!err.contains("other-key") && !text(&out.stdout).contains("other-key"));
    // Nothing of an unverified notification is printed: the error only.
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn payout_prints_each_state_and_the_outcome() {
    const ID: &str = "2cf4b4bc-56cf-4ab6-bf4f-1b2aa9743154";
    let state = |name: &str| {
        Answer::json(format!(
            "{{\"OperationState\":{{\"Code\":0}},\"Result\":{{\"State\":{{\"Code\":0}},\"PayoutOperationId\":\"{ID}\",\"PayoutOperationState\":\"{name}\"}}}}"
        ))
    };
    let server = Server::start(move |req: &Received, _| match req.path.rsplit('/').next().unwrap() {
        "CreateOperation" => state("Created"),
        "ExecuteOperation" => state("InProcess"),
        _ => state("Completed"),
    });
    let out = run(
        &[
            "--base-url",
            &server.url(),
            "payout",
            "--preference-type",
            "OutSbp",
            "--account",
            "79990000000",
            "--bank-id",
            "100000000111",
            "--amount",
            "50.00",
            "--currency",
            "RUB",
            "--recipient-name",
            "Иванов Иван",
            "--deadline",
            "30s",
        ],
        &[
            ("INTELLECTMONEY_USER_TOKEN", "t"),
            ("INTELLECTMONEY_BEARER_TOKEN", "b"),
            ("INTELLECTMONEY_SIGN_SECRET", "s"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let states: Vec<&str> = lines[..3]
        .iter()
        .map(|l| l["PayoutOperationState"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Created", "InProcess", "Completed"]);
    assert_eq!(lines[3]["Outcome"], "Completed");
    assert_eq!(lines[3]["PayoutOperationId"], ID);
    let created: serde_json::Value = serde_json::from_slice(&server.received()[0].body).unwrap();
    assert_eq!(created["PreferenceType"], "OutSbp");
    assert_eq!(created["Amount"], "50.00");
    assert_eq!(created["BankId"], "100000000111");
}

/// `intellectmoney … mock-server` started with these arguments: the URL it prints, and its
/// process.
fn spawn_mock(args: &[&str]) -> (String, std::process::Child) {
    use std::io::BufRead;
    let mut mock = Command::new(env!("CARGO_BIN_EXE_intellectmoney"))
        .args(args)
        .env_remove("INTELLECTMONEY_USER_TOKEN")
        .env_remove("INTELLECTMONEY_PAYOUT_VERSION")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(mock.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    (url.trim().to_owned(), mock)
}

#[test]
fn mock_server_serves_other_clients_until_killed() {
    let (url, mut mock) = spawn_mock(&["--sign-secret", "s3cr3t", "mock-server", "--addr", "127.0.0.1:0"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = run(
        &[
            "--base-url",
            &url,
            "--sign-secret",
            "s3cr3t",
            "get-eshop-info",
            "--take",
            "3",
        ],
        &[("INTELLECTMONEY_USER_TOKEN", "t")],
    );
    let refused = run(
        // getInvoicesHistory has a Sign template (getEshopInfo has none).
        &[
            "--base-url",
            &url,
            "--sign-secret",
            "wrong",
            "get-invoices-history",
            "--take",
            "3",
        ],
        &[("INTELLECTMONEY_USER_TOKEN", "t")],
    );
    mock.kill().unwrap();
    mock.wait().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        printed["EshopInfoDatas"].as_array().is_some_and(|a| !a.is_empty()),
        "{printed}"
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("Invalid Sign"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn payout_version_chooses_the_templates_and_a_mismatch_names_both_versions() {
    let (url, mut mock) = spawn_mock(&["--sign-secret", "s3cr3t", "--payout-version", "wiki", "mock-server"]);
    let signed = [
        "--base-url",
        &url,
        "--user-token",
        "t",
        "--bearer-token",
        "b",
        "--sign-secret",
        "s3cr3t",
    ];
    let card = CARD;
    // The wiki's create method, signed with the wiki's template: the wiki mock creates it.
    let wiki_create = [
        &signed[..],
        &["--payout-version", "wiki", "create-bank-card-russia-operation"],
        &card,
    ]
    .concat();
    let created = run(&wiki_create, &[]);
    // The same from a client of the default (portal) version: refused before it is sent.
    let portal_create = [&signed[..], &["create-bank-card-russia-operation"], &card].concat();
    let refused_here = run(&portal_create, &[]);
    // The portal's payout sent to the wiki mock: refused by it, naming both versions.
    let portal_payout = [&signed[..], &["payout", "--preference-type", "OutBankCard"], &card].concat();
    let refused_there = run(&portal_payout, &[]);
    // The same version from the environment.
    let from_env = run(&portal_create, &[("INTELLECTMONEY_PAYOUT_VERSION", "wiki")]);
    mock.kill().unwrap();
    mock.wait().unwrap();
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(
        text(&created.stdout).contains("\"Created\""),
        "{}",
        text(&created.stdout)
    );
    assert!(from_env.status.success(), "{}", text(&from_env.stderr));
    let here = text(&refused_here.stderr);
    assert!(!refused_here.status.success());
    assert!(
        here.contains("belongs to the wiki version") && here.contains("--payout-version is the portal version"),
        "{here}"
    );
    let there = text(&refused_there.stderr);
    assert_eq!(refused_there.status.code(), Some(1), "{there}");
    assert!(
        there.contains("of the portal version") && there.contains("answers the wiki version"),
        "{there}"
    );
    // A batch whose create method the chosen version lacks is refused before its file is read.
    let batch = run(
        &[
            "--payout-version",
            "wiki",
            "payout-batch",
            "run",
            "--journal",
            "unused.db",
            "--hash-key",
            "0123456789abcdef0123456789abcdef",
            "missing.csv",
        ],
        &[],
    );
    let said = text(&batch.stderr);
    assert_eq!(batch.status.code(), Some(2), "{said}");
    assert!(
        said.contains("a method of the portal version") && said.contains("--payout-version is wiki"),
        "{said}"
    );
    assert!(!std::path::Path::new("unused.db").exists());
}

#[test]
fn proxy_variables_do_not_carry_a_loopback_call() {
    // A "proxy" that would see the UserToken in clear if the CLI went through it.
    let proxy = Server::always(Answer::Http {
        status: 502,
        content_type: "text/plain".into(),
        body: "proxy".into(),
    });
    let server = Server::always(Answer::xml(example("personal/getEshopInfo.response.xml")));
    let p = proxy.url();
    let env = [
        ("INTELLECTMONEY_USER_TOKEN", T1),
        ("HTTP_PROXY", p.as_str()),
        ("http_proxy", p.as_str()),
        ("ALL_PROXY", p.as_str()),
        ("HTTPS_PROXY", p.as_str()),
    ];
    let url = server.url();
    for extra in [&[][..], &["--proxy-from-env"][..]] {
        let mut args = vec!["--base-url", url.as_str()];
        args.extend_from_slice(extra);
        args.extend(["get-eshop-info", "--take", "3"]);
        let out = run(&args, &env);
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
    }
    assert!(
        proxy.received().is_empty(),
        "the proxy saw {} calls",
        proxy.received().len()
    );
    assert_eq!(server.received().len(), 2);
}

#[test]
fn durations_that_overflow_are_refused() {
    for bad in ["3381903080180084463m", "18446744073709551615h", "9999h", "5x"] {
        let out = run(&["--timeout", bad, "get-eshop-info", "--take", "1"], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("is not a duration"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_lost_creation_answer_exits_5_and_says_an_operation_may_exist() {
    let server = Server::start(|req: &Received, _| {
        assert!(
            req.path.ends_with("CreateOperation"),
            "nothing after the creation: {}",
            req.path
        );
        Answer::Http {
            status: 502,
            content_type: "text/plain".into(),
            body: "bad gateway".into(),
        }
    });
    let out = run(
        &[
            "--base-url",
            &server.url(),
            "payout",
            "--preference-type",
            "OutBankCard",
            "--pan",
            "4111111111111111",
            "--amount",
            "50.00",
            "--currency",
            "RUB",
            "--recipient-name",
            "Иванов Иван",
            "--deadline",
            "5s",
        ],
        &[
            ("INTELLECTMONEY_USER_TOKEN", PT1),
            ("INTELLECTMONEY_BEARER_TOKEN", "b"),
            ("INTELLECTMONEY_SIGN_SECRET", "s"),
        ],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("may have processed it"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn help_shows_no_credential_from_the_environment() {
    let out = run(
        &["--help"],
        &[
            ("INTELLECTMONEY_LOGIN", "merchant-login@example.com"),
            ("INTELLECTMONEY_PASSWORD", "pw-s3cr3t"),
            ("INTELLECTMONEY_USER_TOKEN", "tok-s3cr3t"),
        ],
    );
    let help = text(&out.stdout);
    assert!(help.contains("INTELLECTMONEY_LOGIN"), "{help}");
    for value in ["merchant-login@example.com", "pw-s3cr3t", "tok-s3cr3t"] {
        assert!(!help.contains(value), "`{value}` in --help:\n{help}");
    }
}

#[test]
fn the_hand_written_commands_and_global_options_are_snapshotted() {
    // The generated subcommands are listed in generated/API.md and classified by `diff`; the
    // hand-written ones and the global options are part of the surface scripts use too: a change
    // of their flags shows as a change of these snapshots in review.
    for (name, args) in [
        ("global", vec!["--help"]),
        ("payout", vec!["payout", "--help"]),
        ("verify-notification", vec!["verify-notification", "--help"]),
        ("mock-server", vec!["mock-server", "--help"]),
        ("receive", vec!["receive", "--help"]),
        ("payout-batch-run", vec!["payout-batch", "run", "--help"]),
    ] {
        let out = run(&args, &[]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        insta::assert_snapshot!(format!("help_{name}"), text(&out.stdout));
    }
}

#[test]
fn mock_server_answers_a_data_set_of_records_page_by_page() {
    let (url, mut mock) = spawn_mock(&["mock-server", "--records", "getInvoicesHistory=25"]);
    let out = run(
        &[
            "--base-url",
            &url,
            "--user-token",
            "t",
            "get-invoices-history",
            "--take",
            "10",
            "--all",
        ],
        &[],
    );
    let refused = run(&["mock-server", "--records", "getEshopInfo=3"], &[]);
    mock.kill().unwrap();
    mock.wait().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids = printed_ids(&out);
    assert_eq!(ids, (1..=25).collect::<Vec<i64>>());
    assert_eq!(refused.status.code(), Some(2));
    let said = text(&refused.stderr);
    assert!(
        said.contains("getEshopInfo has no data set") && said.contains("getInvoicesHistory"),
        "{said}"
    );
}

/// Library errors name flags and environment variables, not builder calls; a negative amount is
/// refused as an amount; a global option is taken after the subcommand too.
#[test]
fn messages_name_flags_and_options_go_anywhere() {
    let card = [
        "--pan",
        "4111111111111111",
        "--currency",
        "RUB",
        "--recipient-name",
        "Иванов Иван",
    ];
    let unsigned = run(
        &[
            &[
                "--user-token",
                "t",
                "payout",
                "--preference-type",
                "OutBankCard",
                "--amount",
                "10.00",
            ],
            &card[..],
        ]
        .concat(),
        &[],
    );
    let said = text(&unsigned.stderr);
    assert!(
        said.contains("--bearer-token (or INTELLECTMONEY_BEARER_TOKEN)") && said.contains("--sign-secret"),
        "{said}"
    );
    assert!(!said.contains(".bearer_token(..)"), "{said}");
    let tokenless = run(&["get-invoices-history", "--take", "3"], &[]);
    let said = text(&tokenless.stderr);
    assert!(
        said.contains("--login and --password") && said.contains("--user-token"),
        "{said}"
    );
    let negative = run(
        &[
            &[
                "--user-token",
                "t",
                "payout",
                "--preference-type",
                "OutBankCard",
                "--amount",
                "-3.00",
            ],
            &card[..],
        ]
        .concat(),
        &[],
    );
    let said = text(&negative.stderr);
    assert!(said.contains("'-3.00' for '--amount"), "{said}");
    // `--base-url` after the subcommand: the call goes there (nothing listens: a connect error).
    let after = run(
        &[
            "get-eshop-info",
            "--take",
            "3",
            "--user-token",
            "t",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    let said = text(&after.stderr);
    assert!(
        said.contains("getEshopInfo") && !said.contains("unexpected argument"),
        "{said}"
    );
}

/// A batch file's problems say where (line and column from 1, with the column's name) and what
/// to do: another encoding, another separator, a field too many; nothing is sent.
#[test]
fn a_batch_file_in_another_encoding_or_separator_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let header = "key,preference_type,pan,amount,currency,recipient_name\n";
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "cp1251.csv",
            [
                header.as_bytes(),
                b"k1,OutBankCard,4111111111111111,10.00,RUB,\xc8\xe2\xe0\xed\n",
            ]
            .concat(),
            "cp1251.csv:2:6 (recipient_name): the text is not UTF-8",
        ),
        (
            "semicolons.csv",
            header.replace(',', ";").into_bytes(),
            "semicolons.csv:1: the columns are separated by `;`",
        ),
        (
            "extra.csv",
            format!("{header}k1,OutBankCard,4111111111111111,10.00,RUB,Ivan,Ivanov\n").into_bytes(),
            "extra.csv:2: 7 field(s), where the header has 6",
        ),
    ];
    for (name, bytes, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let journal = dir.path().join(format!("{name}.db"));
        let out = run(
            &[
                "--base-url",
                "http://127.0.0.1:9",
                "payout-batch",
                "run",
                "--hash-key",
                "batch-hash-key",
                "--journal",
                journal.to_str().unwrap(),
                file.to_str().unwrap(),
            ],
            &[],
        );
        let said = text(&out.stderr).replace(&format!("{}/", dir.path().display()), "");
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(said.contains(expected), "{name}: {said}");
        assert!(said.contains("nothing was sent"), "{said}");
    }
}

/// `mock-server --scenario`: payouts that fail after a burst of 503s on the poll, a data set, a
/// refused method; a broken scenario file is refused naming its line and column.
#[test]
fn mock_server_follows_a_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(
        &file,
        r#"{
  "payout": { "outcome": "fail", "polls": 1, "message": "Карта заблокирована" },
  "records": { "getInvoicesHistory": 12 },
  "methods": {
    "GetOperationState": { "status": 503, "times": 2 },
    "getEshopInfo": { "refuse": "Магазин не найден" }
  }
}"#,
    )
    .unwrap();
    let (url, mut mock) = spawn_mock(&[
        "--sign-secret",
        "s3cr3t",
        "mock-server",
        "--scenario",
        file.to_str().unwrap(),
    ]);
    let signed = [
        "--base-url",
        &url,
        "--user-token",
        "t",
        "--bearer-token",
        "b",
        "--sign-secret",
        "s3cr3t",
    ];
    let payout = run(
        &[
            &signed[..],
            &["payout", "--preference-type", "OutBankCard"],
            &CARD,
            &["--poll-interval", "1s"],
        ]
        .concat(),
        &[],
    );
    let invoices = run(
        &[&signed[..], &["get-invoices-history", "--take", "5", "--all"]].concat(),
        &[],
    );
    let shop = run(&[&signed[..], &["get-eshop-info", "--take", "1"]].concat(), &[]);
    mock.kill().unwrap();
    mock.wait().unwrap();
    let said = format!("{}{}", text(&payout.stdout), text(&payout.stderr));
    assert_eq!(payout.status.code(), Some(3), "{said}");
    assert!(said.contains("Карта заблокирована"), "{said}");
    assert_eq!(printed_ids(&invoices), (1..=12).collect::<Vec<i64>>());
    assert!(
        text(&shop.stderr).contains("Магазин не найден"),
        "{}",
        text(&shop.stderr)
    );
    // A typo in the file: refused before the mock serves, where it is.
    std::fs::write(
        &file,
        "{\n  \"methods\": { \"getEshopInfo\": { \"refuze\": \"x\" } }\n}",
    )
    .unwrap();
    let broken = run(&["mock-server", "--scenario", file.to_str().unwrap()], &[]);
    let said = text(&broken.stderr);
    assert_eq!(broken.status.code(), Some(2), "{said}");
    assert!(said.contains("scenario.json:2:") && said.contains("refuze"), "{said}");
}
