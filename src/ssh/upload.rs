//! Copying files to a node over SFTP.

use std::path::Path;

use russh_sftp::client::SftpSession;
use russh_sftp::protocol::{FileAttributes, OpenFlags};
use tokio::io::{AsyncRead, AsyncWriteExt};
use tracing::debug;

use super::{Result, Session, SshError};

/// How an uploaded file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOptions {
    /// Permission bits of the remote file, set even when it already existed (e.g. `0o755`).
    pub mode: u32,
    /// Create missing parent directories, like `mkdir -p` (their mode is the server default).
    pub create_parents: bool,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self { mode: 0o644, create_parents: false }
    }
}

/// Bytes per SFTP write: what OpenSSH's sftp-server accepts (it announces its limits, which
/// russh-sftp honours if lower).
const SFTP_WRITE_LEN: u32 = 255 * 1024;

/// Large writes, many in flight: an upload is bound by round trips otherwise. Under emulation a
/// guest answers each write late, and 8 KiB writes (tokio's copy buffer) moved about 2.5 MB/s;
/// the SSH channel's window still bounds what is in flight.
fn sftp_config() -> russh_sftp::client::Config {
    russh_sftp::client::Config {
        max_write_packet_len: SFTP_WRITE_LEN + 1024,
        max_concurrent_writes: 32,
        // A write of 255 KiB to a busy emulated guest can take longer than the default 10 s.
        request_timeout_secs: 120,
        ..russh_sftp::client::Config::default()
    }
}

impl Session {
    /// Write `data` to `remote_path` on the node, replacing any existing file.
    pub async fn upload_bytes(&self, data: &[u8], remote_path: &str, options: UploadOptions) -> Result<()> {
        self.upload_reader(data, remote_path, options).await
    }

    /// Copy the local file `local_path` to `remote_path` on the node, streaming it.
    pub async fn upload_file(&self, local_path: &Path, remote_path: &str, options: UploadOptions) -> Result<()> {
        let file = tokio::fs::File::open(local_path)
            .await
            .map_err(|source| SshError::LocalIo { action: format!("opening {} for upload", local_path.display()), source })?;
        self.upload_reader(file, remote_path, options).await
    }

    async fn upload_reader<R: AsyncRead + Unpin>(&self, mut source: R, remote_path: &str, options: UploadOptions) -> Result<()> {
        debug!(node = %self.node, remote_path, mode = format!("{:o}", options.mode), "upload");
        let sftp = self.open_sftp(remote_path).await?;
        if options.create_parents {
            self.create_parents(&sftp, remote_path).await?;
        }
        let sftp_error = |action, source| SshError::Sftp { node: self.node.clone(), action, remote_path: remote_path.to_owned(), source };
        let permissions = FileAttributes { permissions: Some(options.mode), ..FileAttributes::empty() };
        let mut file = sftp
            .open_with_flags_and_attributes(remote_path, OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE, permissions.clone())
            .await
            .map_err(|e| sftp_error("creating", e))?;
        let io_error = |e: std::io::Error| sftp_error("writing", russh_sftp::client::error::Error::IO(e.to_string()));
        // Big reads, so each SFTP write carries as much as the server takes.
        let mut source = tokio::io::BufReader::with_capacity(SFTP_WRITE_LEN as usize * 4, &mut source);
        tokio::io::copy_buf(&mut source, &mut file).await.map_err(io_error)?;
        file.flush().await.map_err(io_error)?;
        // The create mode went through the remote umask and is ignored for existing files.
        file.set_metadata(permissions).await.map_err(|e| sftp_error("setting the mode of", e))?;
        file.close().await.map_err(io_error)?;
        sftp.close().await.map_err(|e| sftp_error("finishing the upload of", e))?;
        Ok(())
    }

    async fn open_sftp(&self, remote_path: &str) -> Result<SftpSession> {
        let channel = self.handle.channel_open_session().await.map_err(|e| self.protocol_error("opening a channel for SFTP", e))?;
        channel.request_subsystem(true, "sftp").await.map_err(|e| self.protocol_error("starting the SFTP subsystem", e))?;
        SftpSession::new_with_config(channel.into_stream(), sftp_config()).await.map_err(|source| SshError::Sftp {
            node: self.node.clone(),
            action: "starting SFTP to upload",
            remote_path: remote_path.to_owned(),
            source,
        })
    }

    /// `mkdir -p` of the directory holding `remote_path`.
    async fn create_parents(&self, sftp: &SftpSession, remote_path: &str) -> Result<()> {
        let Some((parent, _)) = remote_path.rsplit_once('/') else {
            return Ok(()); // relative name in the login directory
        };
        let mut prefix = if remote_path.starts_with('/') { String::from("/") } else { String::new() };
        for component in parent.split('/').filter(|c| !c.is_empty()) {
            prefix.push_str(component);
            let exists = sftp.try_exists(prefix.as_str()).await;
            if !matches!(exists, Ok(true)) {
                let created = sftp.create_dir(prefix.as_str()).await;
                // Someone else may have created it meanwhile; only fail if it is still missing.
                if let Err(source) = created
                    && !matches!(sftp.try_exists(prefix.as_str()).await, Ok(true))
                {
                    return Err(SshError::Sftp { node: self.node.clone(), action: "creating the directory", remote_path: prefix, source });
                }
            }
            prefix.push('/');
        }
        Ok(())
    }
}
