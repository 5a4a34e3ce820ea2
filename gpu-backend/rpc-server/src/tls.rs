//! `[tls]` and the listener's acceptor (rustls with the ring provider):
//! signed calls, frames and event batches are personal data and must not be
//! read on the way.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

/// TLS (`[tls]`): PEM files; both empty serves plain HTTP, which only
/// development mode allows.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// Certificate chain, leaf first.
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

impl Tls {
    pub fn enabled(&self) -> bool {
        !self.certificate.as_os_str().is_empty() || !self.private_key.as_os_str().is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading certificate {}", path.display())]
    ReadCertificate {
        path: PathBuf,
        #[source]
        source: pem::Error,
    },
    #[error("certificate {} is not PEM", path.display())]
    CertificateNotPem {
        path: PathBuf,
        #[source]
        source: pem::Error,
    },
    #[error("certificate {} holds no certificate", path.display())]
    NoCertificate { path: PathBuf },
    #[error("reading private key {}", path.display())]
    ReadPrivateKey {
        path: PathBuf,
        #[source]
        source: pem::Error,
    },
    #[error("TLS protocol versions")]
    ProtocolVersions(#[source] rustls::Error),
    #[error("the certificate and private key do not form a TLS identity")]
    Identity(#[source] rustls::Error),
}

/// The acceptor for `[tls]`, or `None` when TLS is not configured.
pub fn acceptor(tls: &Tls) -> Result<Option<tokio_rustls::TlsAcceptor>, TlsError> {
    if !tls.enabled() {
        return Ok(None);
    }
    let path = || tls.certificate.clone();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.certificate)
        .map_err(|source| TlsError::ReadCertificate {
            path: path(),
            source,
        })?
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::CertificateNotPem {
            path: path(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: path() });
    }
    let key = PrivateKeyDer::from_pem_file(&tls.private_key).map_err(|source| {
        TlsError::ReadPrivateKey {
            path: tls.private_key.clone(),
            source,
        }
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::ProtocolVersions)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(TlsError::Identity)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_files_is_plain_http_and_a_missing_file_is_named() {
        assert!(matches!(acceptor(&Tls::default()), Ok(None)), "plain HTTP");
        let tls = Tls {
            certificate: "/nonexistent/cert.pem".into(),
            private_key: "/nonexistent/key.pem".into(),
        };
        let Err(err) = acceptor(&tls) else {
            panic!("no such file")
        };
        assert!(matches!(err, TlsError::ReadCertificate { .. }), "{err}");
        assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
    }
}
