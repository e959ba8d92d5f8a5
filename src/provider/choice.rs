//! Which provider a command uses, and the one function that connects to it.
//!
//! The choice comes from the command line first, then from what was saved with the lab when
//! it was made (so a lab made with `--connect URI` is found again by a plain `mlab status`),
//! then from the defaults. Everything above `provider/` goes through [`connect`] and
//! [`host_checks`]; nothing there names a backend.

use std::path::Path;
use std::sync::Arc;

use super::libvirt::{self, LibvirtProvider};
use super::virtualbox::{self, VirtualBoxProvider, manage::VBoxManage};
use super::{Provider, ProviderError};
use crate::check::Check;

/// Hardware acceleration the user asked for (`--accel`), for providers that emulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    /// KVM if it really works here, else TCG.
    #[default]
    Auto,
    Kvm,
    Tcg,
}

pub use crate::lab::ProviderKind;

/// The kind saved in a lab's state; an empty name is a lab made before names were saved.
pub fn kind_from_saved(name: &str) -> Result<ProviderKind, ProviderError> {
    match name {
        "" => Ok(ProviderKind::Libvirt),
        other => ProviderKind::from_name(other).ok_or_else(|| {
            ProviderError::Unsupported(format!(
                "this lab was made with the `{other}` provider, which this build of mlab does not have; use the mlab that made it, or `mlab destroy` it there"
            ))
        }),
    }
}

/// How to reach the hypervisor, as the user gave it (unset fields fall back to the lab's saved
/// choice, then to the defaults).
#[derive(Debug, Clone, Default)]
pub struct ProviderOptions {
    pub kind: Option<ProviderKind>,
    /// libvirt URI (`--connect` or `$MLAB_LIBVIRT_URI`); VirtualBox has none.
    pub uri: Option<String>,
    pub accel: Accel,
}

impl ProviderOptions {
    /// These options with the gaps filled from a lab's saved provider and URI.
    pub fn or_saved(&self, saved_kind: &str, saved_uri: &str) -> Result<ProviderOptions, ProviderError> {
        Ok(ProviderOptions {
            kind: Some(match self.kind {
                Some(kind) => kind,
                None => kind_from_saved(saved_kind)?,
            }),
            uri: self.uri.clone().or_else(|| Some(saved_uri.to_string()).filter(|u| !u.is_empty())),
            accel: self.accel,
        })
    }

    /// These options, the provider taken from the lab file when the command line names none.
    pub fn or_lab(&self, lab: Option<ProviderKind>) -> ProviderOptions {
        ProviderOptions { kind: self.kind.or(lab), ..self.clone() }
    }

    /// The address the provider will be reached at, as saved with a lab and shown to users.
    pub fn target(&self) -> String {
        match self.kind.unwrap_or_default() {
            ProviderKind::Libvirt => libvirt::resolve_uri(self.uri.as_deref()),
            ProviderKind::VirtualBox => format!("virtualbox:{}", VBoxManage::from_env().program.display()),
        }
    }
}

/// A connected provider, what it is, and a one-line notice for the user (e.g. why software
/// emulation was chosen), if any.
pub struct Connected {
    pub provider: Arc<dyn Provider>,
    pub kind: ProviderKind,
    /// Where it was reached ([`ProviderOptions::target`]).
    pub uri: String,
    pub notice: Option<String>,
}

/// Connect to the provider the options name.
pub async fn connect(opts: &ProviderOptions) -> Result<Connected, ProviderError> {
    let kind = opts.kind.unwrap_or_default();
    let uri = opts.target();
    match kind {
        ProviderKind::Libvirt => {
            let provider = LibvirtProvider::connect(&uri, opts.accel).await?;
            let notice = provider.accel().notice.clone();
            Ok(Connected { provider: Arc::new(provider), kind, uri, notice })
        }
        ProviderKind::VirtualBox => {
            if let Some(given) = opts.uri.as_deref().filter(|u| !u.starts_with("virtualbox:")) {
                return Err(ProviderError::Unsupported(format!(
                    "`--connect {given}` is a libvirt URI; the VirtualBox provider drives this host's VBoxManage (set MLAB_VBOXMANAGE to choose another)"
                )));
            }
            let provider = VirtualBoxProvider::connect(VBoxManage::from_env()).await?;
            Ok(Connected { provider: Arc::new(provider), kind, uri, notice: None })
        }
    }
}

/// The host checks of the provider the options name (`mlab doctor`): can it be reached, will
/// guests be accelerated, can it read the lab's disks under `home`.
pub fn host_checks(opts: &ProviderOptions, home: &Path) -> Vec<Check> {
    match opts.kind.unwrap_or_default() {
        ProviderKind::Libvirt => libvirt::doctor::checks(&opts.target(), opts.accel, home),
        ProviderKind::VirtualBox => virtualbox::doctor::checks(&VBoxManage::from_env()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_wins_then_the_saved_choice() {
        let plain = ProviderOptions::default();
        let saved = plain.or_saved("libvirt", "test:///saved").expect("known kind");
        assert_eq!(saved.uri.as_deref(), Some("test:///saved"), "a lab made with --connect is found again");
        assert_eq!(saved.target(), "test:///saved");
        let explicit = ProviderOptions { uri: Some("test:///default".into()), ..Default::default() };
        assert_eq!(explicit.or_saved("libvirt", "test:///saved").expect("known").uri.as_deref(), Some("test:///default"));
        // An old state without a URI uses the default.
        assert_eq!(plain.or_saved("", "").expect("known").uri, None);
        let vbox = plain.or_saved("virtualbox", "virtualbox:VBoxManage").expect("known kind");
        assert_eq!(vbox.kind, Some(ProviderKind::VirtualBox), "a VirtualBox lab is found again with its provider");
        let err = plain.or_saved("hyperv", "").expect_err("unknown provider").to_string();
        assert!(err.contains("hyperv") && err.contains("does not have"), "{err}");
    }
}
