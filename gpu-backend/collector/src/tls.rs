//! TLS for the collector's listener (rustls with the ring provider):
//! batches carry pseudonymized personal data and signed calls.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::Tls;

/// The acceptor for `[tls]`, or `None` when TLS is not configured.
pub fn acceptor(tls: &Tls) -> Result<Option<tokio_rustls::TlsAcceptor>> {
    if !tls.enabled() {
        return Ok(None);
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.certificate)
        .with_context(|| format!("reading certificate {}", tls.certificate.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("certificate {} is not PEM", tls.certificate.display()))?;
    if certs.is_empty() {
        bail!(
            "certificate {} holds no certificate",
            tls.certificate.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(&tls.private_key)
        .with_context(|| format!("reading private key {}", tls.private_key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and private key do not form a TLS identity")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}
