//! The HTTP client for every download mlab makes (artifacts, PyPI's index, boxes): the
//! system's certificate store (what apt and pip trust, including a local CA), proxies from the
//! environment. Callers make their requests through [`crate::netns::from_host`], so that a
//! download reaches the host's network even when mlab has joined the labs' namespace.

/// A new agent for one download or look-up.
pub fn http_agent() -> ureq::Agent {
    use ureq::tls::{RootCerts, TlsConfig};
    ureq::Agent::config_builder().tls_config(TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build()).build().new_agent()
}
