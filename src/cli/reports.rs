//! What the commands print for a person: the library's reports as tables and lines. (`--json`
//! prints the same reports as they are.)

use std::collections::BTreeMap;

use mlab::lifecycle::endpoints::Endpoint;
use mlab::lifecycle::readiness::{Readiness, ReadinessReport};
use mlab::lifecycle::{RestoreReport, SaveReport, UpReport};
use mlab::provision::{ProvisionReport, StepStatus};

use super::table;

/// The readiness report: one line per service, what was seen or why not.
pub fn readiness(report: &ReadinessReport) {
    let mut t = table(&["SERVICE", "STATE", "DETAIL"]);
    for s in &report.services {
        let state = match s.state {
            Readiness::Ready => "ready",
            Readiness::NotReady => "NOT READY",
            Readiness::NotAvailable => "not available",
        };
        t.add_row([s.title.clone(), state.to_string(), s.detail.clone()]);
    }
    println!("{t}");
}

/// What ran, what was unchanged, and what waits for artifacts (never reported as running).
pub fn provision(report: &ProvisionReport) {
    let mut by_node: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in report.steps.iter().filter(|s| matches!(s.status, StepStatus::Done | StepStatus::Unchanged)) {
        by_node.entry(&s.node).or_default().push(&s.step);
    }
    for (node, steps) in &by_node {
        println!("{node}: provisioned {}", steps.join(", "));
    }
    let mut waiting: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in report.steps.iter().filter(|s| s.status == StepStatus::Skipped) {
        waiting.entry(s.note.as_deref().unwrap_or("")).or_default().push(&s.step);
    }
    for (why, steps) in &waiting {
        let mut steps = steps.clone();
        steps.sort();
        steps.dedup();
        println!("not provisioned ({}): {why}", steps.join(", "));
    }
    println!(
        "steps: {} ran, {} unchanged, {} waiting for artifacts",
        report.count(StepStatus::Done),
        report.count(StepStatus::Unchanged),
        report.count(StepStatus::Skipped)
    );
}

/// `mlab up`: the nodes, the provisioning, the timings against the guests' own boot, readiness.
pub fn up(report: &UpReport) {
    let mut t = table(&["NODE", "IP", "STATE", "BOOT"]);
    for n in &report.nodes {
        t.add_row([n.name.clone(), n.ip.clone(), n.state.clone(), n.boot_s.map(|s| format!("{s:.1} s")).unwrap_or_default()]);
    }
    println!("{t}");
    if let Some(p) = &report.provision {
        provision(p);
    }
    if report.already_up {
        println!("lab {} is already up; nothing to do ({:.1} s)", report.lab, report.total_s);
    } else {
        let overhead = if report.slowest_boot_s > 0.0 { report.booted_s / report.slowest_boot_s } else { 1.0 };
        println!(
            "lab {} up in {:.1} s: created {}, started {}; all nodes answered SSH at {:.1} s, the slowest guest's boot took {:.1} s ({:.2}x)",
            report.lab,
            report.total_s,
            report.created.len(),
            report.started.len(),
            report.booted_s,
            report.slowest_boot_s,
            overhead
        );
    }
    if let Some(r) = &report.readiness {
        readiness(r);
    }
    if !report.missing_artifacts.is_empty() {
        println!("not staged (the roles that need them wait; the rest of the lab runs):");
        for problem in &report.missing_artifacts {
            println!("  {problem}");
        }
    }
    // The portal is forwarded on demand: nothing listens on the host after `up` returns.
    if report.has_portal {
        println!("next: `mlab open` (the lab portal in a browser on this host), `mlab ssh NODE`, `mlab status`");
    } else {
        println!("next: `mlab ssh NODE`, `mlab status`, `mlab open --list`");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn snapshot_saved(report: &SaveReport) {
    let (nodes, memory, name) = (report.snapshot.nodes.len(), report.snapshot.running().count(), &report.snapshot.name);
    println!(
        "saved lab {} as {name}: {nodes} node{} ({memory} with memory), paused {:.1} s, {:.1} s in all; `mlab snapshot restore {name}` puts it back",
        report.lab,
        plural(nodes),
        report.paused_s,
        report.total_s
    );
}

pub fn snapshot_restored(report: &RestoreReport) {
    if !report.removed.is_empty() {
        println!("removed {} (made after the snapshot)", report.removed.join(", "));
    }
    println!(
        "restored lab {} to {}: {} node{} running again at {:.1} s, answering SSH at {:.1} s, {:.1} s in all",
        report.lab,
        report.snapshot,
        report.restored.len(),
        plural(report.restored.len()),
        report.resumed_s,
        report.answered_s,
        report.total_s
    );
    if let Some(r) = &report.readiness {
        readiness(r);
    }
}

/// A Unix time as people read it.
pub fn when(unix: u64) -> String {
    chrono::DateTime::from_timestamp(i64::try_from(unix).unwrap_or(0), 0).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()
}

/// The lab's pages `mlab open` reaches.
pub fn pages(pages: &Vec<Endpoint>) {
    let mut t = table(&["SERVICE", "PAGE", "REACHED ON"]);
    for page in pages {
        t.add_row(vec![page.service.clone(), page.title.clone(), format!("{}:{}{}", page.node, page.port, page.path)]);
    }
    println!("{t}");
}
