//! Real TLS on loopback: the merchant's client certificate reaches a server that requires it
//! (the methods authenticated by certificate), and TLS failures are told apart.

use intellectmoney::personal::GetAccountData;
use intellectmoney::{Client, Error, RetryPolicy, TransportKind};
use intellectmoney_tests::example;
use intellectmoney_tests::server::{Answer, Server};
use intellectmoney_tests::tls::Pki;

fn account_server(pki: &Pki) -> Server {
    Server::start_tls(pki.server_config(), |_, _| {
        Answer::xml(example("personal/getAccountData.response.xml"))
    })
}

#[tokio::test]
async fn the_client_certificate_reaches_the_server() {
    let pki = Pki::new();
    let server = account_server(&pki);
    let client = Client::builder()
        .base_url(server.url())
        .root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .identity_pem(pki.client_identity_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let reply = client.get_account_data(GetAccountData::new(6111111111)).await.unwrap();
    let sent = server.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].client_certificate.as_deref(),
        Some(pki.client_cert_der.as_slice())
    );
    assert_eq!(sent[0].body_text(), example("personal/getAccountData.request.form"));
    let expected: intellectmoney::common::Response<intellectmoney::personal::AccountInfoData> =
        intellectmoney::runtime::decode_xml::<intellectmoney::personal::GetAccountData>(&example(
            "personal/getAccountData.response.xml",
        ))
        .unwrap();
    assert_eq!(Some(reply.result), expected.result);
}

#[tokio::test]
async fn a_pkcs12_identity_works_like_the_pem_one() {
    let pki = Pki::new();
    let server = account_server(&pki);
    let p12 = pki.client_identity_pkcs12("p12-pa55");
    let client = Client::builder()
        .base_url(server.url())
        .root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .identity_pkcs12(&p12, "p12-pa55")
        .unwrap()
        .build()
        .unwrap();
    client.get_account_data(GetAccountData::new(6111111111)).await.unwrap();
    let sent = server.received();
    assert_eq!(
        sent[0].client_certificate.as_deref(),
        Some(pki.client_cert_der.as_slice())
    );

    let e = Client::builder().identity_pkcs12(&p12, "wrong").unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("p12-pa55"));
}

#[tokio::test]
async fn an_untrusted_server_is_a_tls_error() {
    let pki = Pki::new();
    let server = account_server(&pki);
    // The identity is right, but the client does not trust the test CA.
    let client = Client::builder()
        .base_url(server.url())
        .identity_pem(pki.client_identity_pem.as_bytes())
        .unwrap()
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let e = client.get_account_data(GetAccountData::new(1)).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Tls,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("getAccountData: TLS error"), "{e}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn without_the_client_certificate_the_server_refuses() {
    let pki = Pki::new();
    let server = account_server(&pki);
    let client = Client::builder()
        .base_url(server.url())
        .root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let e = client.get_account_data(GetAccountData::new(1)).await.unwrap_err();
    // TLS 1.3: the server's "certificate required" alert arrives after the client sent its
    // request; it is still reported as TLS.
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Tls,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(server.received().is_empty(), "no request got through");
}

#[test]
fn a_broken_identity_or_root_is_a_configuration_error() {
    let e = Client::builder().identity_pem(b"not a pem").unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let e = Client::builder().root_certificates_pem(b"nothing here").unwrap_err();
    assert!(
        e.to_string().starts_with("client configuration: root certificates"),
        "{e}"
    );
}
