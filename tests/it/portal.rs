//! The lab portal (the admin router's page) in a real browser: Debian's Chromium, headless,
//! loads the rendered page of the e2e-mesos test lab from a loopback server that answers its
//! requests as the lab's admin router does, with a `/master/state` a real Mesos 1.11.0 of that
//! lab returned (`tests/data/mesos/e2e-mesos-master-state.json`). The rendered DOM must show
//! each service's and node's state as the page's script found it; a screenshot is kept in
//! `CARGO_TARGET_TMPDIR/portal.png`.
//! (vm_mesos loads the same page from a real lab through `mlab open`.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;

use crate::browser_support;

use mlab::lab::LabLibrary;
use mlab::provisioners::Provisioners;
use mlab::render::render_lab;

const MASTER_STATE: &str = include_str!("../data/mesos/e2e-mesos-master-state.json");

/// The portal page of the e2e-mesos test lab, as the admin router's step installs it.
fn portal_page() -> String {
    let provisioners = Provisioners::builtin();
    let catalog = provisioners.catalog().expect("catalog");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vm/labs/e2e-mesos.yaml");
    let (_, lab) = mlab::lab::load(&LabLibrary { user_dir: None }, &catalog, &file.display().to_string()).unwrap_or_else(|d| panic!("{d}"));
    let nodes = render_lab(&provisioners, &lab).expect("render");
    nodes.iter().flat_map(|n| &n.files).find(|f| f.path == "/var/www/mlab/index.html").map(|f| f.content.clone()).expect("the portal page")
}

/// Answers as the lab's admin router would: the page, the leading master's state, a Mesos-DNS
/// that is down (502, as nginx says for an upstream that does not answer), and the Spark UI.
fn serve(listener: TcpListener, page: String) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let page = page.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                return;
            }
            // The headers, up to the blank line (a GET has no body).
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, kind, body) = match path.as_str() {
                "/" => ("200 OK", "text/html; charset=utf-8", page),
                "/mesos/master/state" => ("200 OK", "application/json", MASTER_STATE.to_string()),
                "/service/spark/" => ("200 OK", "text/html", "<html><body>Spark dispatcher</body></html>".to_string()),
                "/mesos_dns/v1/version" => ("502 Bad Gateway", "text/html", "<html><body>502 Bad Gateway</body></html>".to_string()),
                _ => ("404 Not Found", "text/plain", "not found".to_string()),
            };
            let head = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
            let _ = reader.read(&mut [0u8; 1]);
        });
    }
}

#[test]
fn the_portal_shows_the_lab_live_in_a_browser() {
    let Some(chromium) = browser_support::chromium() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    let page = portal_page();
    std::thread::spawn(move || serve(listener, page));
    let dom = browser_support::rendered_dom(&url).expect("chromium");
    assert!(dom.contains("Checked live at"), "the page's script ran: {dom}");

    // Services, as the script found them.
    assert_eq!(browser_support::row_state(&dom, "data-service", "mesos"), ("ready".into(), "leader master1, Mesos 1.11.0".into()));
    assert_eq!(browser_support::row_state(&dom, "data-service", "admin-router").0, "ready");
    assert_eq!(browser_support::row_state(&dom, "data-service", "spark"), ("ready".into(), "answers".into()));
    assert_eq!(browser_support::row_state(&dom, "data-service", "mesos-dns"), ("not-ready".into(), "HTTP 502".into()));
    let (state, text) = browser_support::row_state(&dom, "data-service", "kafka-brokers");
    assert!(state == "unknown" && text.contains("mlab status --services"), "{state}: {text}");
    // Nodes: the leader and the registered agent, each with the command that reaches it.
    assert_eq!(browser_support::row_state(&dom, "data-node", "master1"), ("ready".into(), "leading Mesos master".into()));
    assert_eq!(browser_support::row_state(&dom, "data-node", "agent1"), ("ready".into(), "agent registered".into()));
    assert!(dom.contains("<code>mlab ssh agent1</code>"), "{dom}");
    // Frameworks registered with that master.
    assert_eq!(browser_support::row_state(&dom, "data-framework", "Spark Cluster e2e-mesos"), ("ready".into(), "registered".into()));

    // The screenshot, kept as the test's artifact.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().expect("profile dir");
    let out = browser_support::run(&chromium, profile.path(), &url, &[&format!("--screenshot={}", shot.display()), "--window-size=1200,1000"]);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "a PNG at {}", shot.display());
    eprintln!("portal screenshot: {}", shot.display());
}
