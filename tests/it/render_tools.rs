//! The rendered configs pass the real tools' own checks: `nginx -t` for the admin router,
//! `haproxy -c` for the load balancer, `bash -n` and `shellcheck` for every script.
//!
//! Needs Debian packages nginx-light (or nginx), haproxy and shellcheck. Without them the
//! tests say so and skip, unless `CI` or `MLAB_REQUIRE_TOOLS` is set, where they fail.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{BUILTIN_LABS, rendered};

fn tool(name: &str) -> Option<String> {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let path = format!("{dir}/{name}");
        if Path::new(&path).is_file() {
            return Some(path);
        }
    }
    let required = std::env::var_os("CI").is_some() || std::env::var_os("MLAB_REQUIRE_TOOLS").is_some();
    assert!(!required, "`{name}` is not installed; apt-get install -y nginx-light haproxy shellcheck");
    eprintln!("SKIPPED: `{name}` is not installed (apt-get install -y nginx-light haproxy shellcheck)");
    None
}

/// Run `nginx -t` on a site file inside a throwaway prefix. `nginx -t` binds its listen
/// addresses (and closes them at once); the guest address does not exist here, so `listen`
/// lines are pointed at a free loopback port first. Everything else is checked as rendered.
fn nginx_test(nginx: &str, site: &str) -> Result<(), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let site: String = site
        .lines()
        .map(|l| match l.trim_start().strip_prefix("listen ") {
            Some(rest) => {
                let options = rest.split_once(' ').map(|(_, o)| o).unwrap_or(";");
                format!("    listen 127.0.0.1:{port} {options}")
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let p = dir.path().display().to_string();
    std::fs::write(dir.path().join("mlab.conf"), site).map_err(|e| e.to_string())?;
    let conf = format!(
        "pid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  \
         client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n  fastcgi_temp_path {p}/fastcgi;\n  \
         uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n  include {p}/mlab.conf;\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).map_err(|e| e.to_string())?;
    let out = Command::new(nginx).args(["-t", "-p", &p, "-c", &format!("{p}/nginx.conf")]).output().map_err(|e| e.to_string())?;
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn haproxy_check(haproxy: &str, cfg: &str) -> Result<(), String> {
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::fs::write(file.path(), cfg).map_err(|e| e.to_string())?;
    let out = Command::new(haproxy).args(["-c", "-f"]).arg(file.path()).output().map_err(|e| e.to_string())?;
    if out.status.success() { Ok(()) } else { Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))) }
}

#[test]
fn admin_router_site_passes_nginx_t() {
    let Some(nginx) = tool("nginx") else { return };
    let mut checked = 0;
    for lab in BUILTIN_LABS {
        for node in rendered(lab).1 {
            if let Some(site) = node.file("/etc/nginx/sites-available/mlab.conf") {
                nginx_test(&nginx, &site.content).unwrap_or_else(|e| panic!("{lab}/{}: nginx -t failed:\n{e}", node.node));
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} admin router configs found");
    // The harness itself detects a broken config.
    assert!(nginx_test(&nginx, "server { listen 10.0.0.1:80 }").is_err());
}

#[test]
fn load_balancer_config_passes_haproxy_c() {
    let Some(haproxy) = tool("haproxy") else { return };
    let (_, nodes) = rendered("ha-cluster");
    let cfg = nodes.iter().find_map(|n| n.file("/etc/marathon-lb/templates/HAPROXY_HEAD")).expect("ha-cluster has a marathon-lb node");
    haproxy_check(&haproxy, &cfg.content).unwrap_or_else(|e| panic!("haproxy -c failed:\n{e}"));
    assert!(haproxy_check(&haproxy, "frontend x\n    bind 10.0.0.1:80\n    default_backend missing\n").is_err());
}

#[test]
fn every_script_parses_and_passes_shellcheck() {
    let shellcheck = tool("shellcheck");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let mut checked = 0;
    for lab in BUILTIN_LABS {
        for node in rendered(lab).1 {
            for file in node.files.iter().filter(|f| f.path.ends_with(".sh") || f.content.starts_with("#!/bin/bash")) {
                let path = dir.path().join(format!("{lab}-{}-{}", node.node, file.path.replace('/', "_")));
                std::fs::write(&path, &file.content).expect("write script");
                checked += 1;
                let syntax = Command::new("bash").arg("-n").arg(&path).output().expect("bash runs");
                if !syntax.status.success() {
                    failures.push(format!("{lab}/{} {}: bash -n: {}", node.node, file.path, String::from_utf8_lossy(&syntax.stderr)));
                }
                if let Some(sc) = &shellcheck {
                    // SC1091: the sourced helper library lives on the guest, not here.
                    let out = Command::new(sc).args(["-s", "bash", "-e", "SC1091", "-S", "warning"]).arg(&path).output().expect("shellcheck runs");
                    if !out.status.success() {
                        failures.push(format!("{lab}/{} {}:\n{}", node.node, file.path, String::from_utf8_lossy(&out.stdout)));
                    }
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} scripts found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
