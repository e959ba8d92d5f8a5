//! Debian's Chromium, headless, for the tests that look at a page as a browser renders it.
//! Without it those tests say so and skip, unless `CI` or `MLAB_REQUIRE_TOOLS` is set, where
//! they fail. The browser reaches nothing but loopback: every host name resolves to nothing,
//! any other address goes to a dead proxy, and its background services are off.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's Chromium, if installed (see above for what happens when it is not).
pub fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.is_file() {
        return Some(path);
    }
    let required = std::env::var_os("CI").is_some() || std::env::var_os("MLAB_REQUIRE_TOOLS").is_some();
    assert!(!required, "Chromium is not installed; apt-get install -y chromium (scripts/host-setup.sh --test-tools)");
    eprintln!("SKIPPED: Chromium is not installed (apt-get install -y chromium)");
    None
}

/// Chromium, headless, allowed nowhere but loopback, with `extra` arguments and the URL.
pub fn run(chromium: &Path, profile: &Path, url: &str, extra: &[&str]) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--dns-prefetch-disable",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=http://127.0.0.1:9",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium")
}

/// The DOM of `url` after its scripts ran (Chromium's `--dump-dom`), or None without Chromium.
pub fn rendered_dom(url: &str) -> Option<String> {
    let chromium = chromium()?;
    let profile = tempfile::tempdir().expect("profile dir");
    let out = run(&chromium, profile.path(), url, &["--dump-dom"]);
    assert!(out.status.success(), "chromium failed on {url}: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// In a DOM of mlab's portal, the state cell of the row whose `attr` is `value`:
/// (its data-state, its text).
pub fn row_state(dom: &str, attr: &str, value: &str) -> (String, String) {
    let start = dom.find(&format!("{attr}=\"{value}\"")).unwrap_or_else(|| panic!("no row with {attr}={value} in:\n{dom}"));
    let row = &dom[start..start + dom[start..].find("</tr>").expect("row end")];
    let cell = row.find("class=\"state\"").unwrap_or_else(|| panic!("no state cell in {row}"));
    let cell = &row[cell..];
    let state = cell.split("data-state=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_string();
    let text = cell.split('>').nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_string();
    (state, text)
}
