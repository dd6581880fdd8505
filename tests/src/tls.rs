//! A throwaway PKI for TLS wire tests: a CA, a server certificate for `localhost`, and a
//! merchant's client identity, all made fresh by rcgen; and the rustls server configuration that
//! asks for (or requires) the client certificate.

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::sync::Arc;

/// The certificates of one test.
pub struct Pki {
    /// The CA certificate, PEM: what the client must trust.
    pub ca_pem: String,
    /// The merchant's identity, PEM: private key and certificate (what `identity_pem` takes).
    pub client_identity_pem: String,
    /// The merchant's certificate, DER: what the server must see.
    pub client_cert_der: Vec<u8>,
    client_key_der: Vec<u8>,
    ca_der: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl Pki {
    /// A new CA with a server and a client certificate.
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "intellectmoney test CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let mut server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();

        let client_key = KeyPair::generate().unwrap();
        let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
        client.distinguished_name.push(DnType::CommonName, "merchant 450063");
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client.signed_by(&client_key, &issuer).unwrap();

        Pki {
            ca_pem: ca_cert.pem(),
            client_identity_pem: format!("{}{}", client_key.serialize_pem(), client_cert.pem()),
            client_cert_der: client_cert.der().to_vec(),
            client_key_der: client_key.serialize_der(),
            ca_der: ca_cert.der().clone(),
            server_chain: vec![server_cert.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// The merchant's identity as a PKCS#12 archive (key and certificate, then the CA), protected
    /// by `password`, as the `openssl` command writes it (OpenSSL 3's defaults: PBES2 with
    /// AES-256-CBC and PBKDF2, an HMAC-SHA-256 MAC): made by another implementation than the one
    /// the client reads it with.
    pub fn client_identity_pkcs12(&self, password: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let pem = |label: &str, der: &[u8]| {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
        };
        let [key, cert, ca, out] = ["key.pem", "cert.pem", "ca.pem", "merchant.p12"].map(|f| dir.path().join(f));
        std::fs::write(&key, pem("PRIVATE KEY", &self.client_key_der)).unwrap();
        std::fs::write(&cert, pem("CERTIFICATE", &self.client_cert_der)).unwrap();
        std::fs::write(&ca, pem("CERTIFICATE", &self.ca_der)).unwrap();
        let made = std::process::Command::new("openssl")
            .args(["pkcs12", "-export", "-name", "merchant", "-passout"])
            .arg(format!("pass:{password}"))
            .arg("-inkey")
            .arg(&key)
            .arg("-in")
            .arg(&cert)
            .arg("-certfile")
            .arg(&ca)
            .arg("-out")
            .arg(&out)
            .output()
            .expect("the openssl command writes the PKCS#12 archive");
        assert!(
            made.status.success(),
            "openssl pkcs12: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        std::fs::read(&out).unwrap()
    }

    /// A server configuration that requires a client certificate issued by the CA.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(self.ca_der.clone()).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .unwrap();
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                self.server_chain.clone(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone())),
            )
            .unwrap();
        Arc::new(config)
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}
