//! Opening libvirt, and the names mlab gives libvirt objects.

use sha2::{Digest, Sha256};
use virt::connect::Connect;

use crate::provider::ProviderError;

/// The URI used when neither `--connect` nor `MLAB_LIBVIRT_URI` says otherwise.
pub const DEFAULT_URI: &str = "qemu:///system";

/// Open a connection. Blocking: call from `spawn_blocking`.
pub fn open(uri: &str) -> Result<Connect, ProviderError> {
    Connect::open(Some(uri)).map_err(|e| ProviderError::Connect { uri: uri.to_string(), reason: e.message().to_string() })
}

/// True when the URI names this machine (`qemu:///system`, `qemu:///session`, `test:///default`),
/// false for `qemu+ssh://host/system` and the like. Only local URIs let us create disk files
/// and read host routes directly.
pub fn is_local_uri(uri: &str) -> bool {
    match uri.split_once("://") {
        Some((_, rest)) => rest.starts_with('/') || rest.starts_with("localhost/"),
        None => false,
    }
}

/// `mlab-<lab>`.
pub fn network_name(lab: &str) -> String {
    format!("mlab-{lab}")
}

/// A Linux bridge name (at most 15 bytes) stable for the lab: `mlb-` and 8 hex digits of
/// sha256(lab). Lab names are longer than a bridge name allows, so they cannot be used directly.
pub fn bridge_name(lab: &str) -> String {
    let digest = Sha256::digest(lab.as_bytes());
    format!("mlb-{}", &hex::encode(digest)[..8])
}

/// The error text of a libvirt call, for [`ProviderError::Backend`].
pub fn backend(action: &'static str, object: impl Into<String>, error: virt::error::Error) -> ProviderError {
    ProviderError::Backend { action, object: object.into(), reason: error.message().to_string() }
}

/// True if a libvirt error means "no such object" (domain, network, storage pool or volume,
/// domain snapshot): the objects mlab looks up.
pub fn is_not_found(error: &virt::error::Error) -> bool {
    use virt::error::ErrorNumber;
    matches!(
        error.code(),
        virt::enumutil::Enum::Known(
            ErrorNumber::NoDomain | ErrorNumber::NoNetwork | ErrorNumber::NoStoragePool | ErrorNumber::NoStorageVolume | ErrorNumber::NoDomainSnapshot
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridge_names_fit_linux_limit_and_are_stable() {
        let long = "a-very-long-lab-name-for-a-course-2026";
        assert!(bridge_name(long).len() <= 15);
        assert_eq!(bridge_name(long), bridge_name(long));
        assert_ne!(bridge_name("a"), bridge_name("b"));
        assert!(bridge_name("a").starts_with("mlb-"));
    }

    #[test]
    fn local_and_remote_uris() {
        assert!(is_local_uri("qemu:///system"));
        assert!(is_local_uri("qemu:///session"));
        assert!(is_local_uri("test:///default"));
        assert!(!is_local_uri("qemu+ssh://root@host/system"));
        assert!(!is_local_uri("garbage"));
    }

    #[test]
    fn object_names() {
        assert_eq!(network_name("demo"), "mlab-demo");
        assert_eq!(crate::provider::vm_name("demo", "master1"), "mlab-demo-master1");
    }
}
