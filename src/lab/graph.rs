//! `mlab graph`: a lab's topology as a Mermaid flowchart or a Graphviz digraph. The network is
//! one box, each node hangs off it with its address and roles, and each service points at the
//! nodes that run it (dashed: a service is not a machine).

use std::fmt::Write;

use super::{ResolvedLab, Service};

/// The graph languages `mlab graph` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Mermaid (`flowchart`): renders in GitHub and GitLab Markdown.
    Mermaid,
    /// Graphviz DOT: `mlab graph LAB --format dot | dot -Tsvg > lab.svg`.
    Dot,
}

/// Identifiers both languages accept: node and service names may hold `-` and `.`.
fn ident(prefix: &str, name: &str) -> String {
    let body: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{prefix}_{body}")
}

fn node_lines(n: &super::Node) -> Vec<String> {
    let roles: Vec<&str> = n.roles.iter().map(|r| r.name()).collect();
    let mut lines = vec![n.name.clone(), n.ip.to_string(), roles.join(", ")];
    if !n.autostart {
        lines.push("on demand (mlab add-agent)".into());
    }
    lines
}

fn service_label(service: &Service) -> String {
    match &service.route {
        Some(route) => format!("{} :{} {route}", service.title, service.port),
        None => format!("{} :{}", service.title, service.port),
    }
}

/// The lab's topology in `format`.
pub fn render(lab: &ResolvedLab, format: GraphFormat) -> String {
    match format {
        GraphFormat::Mermaid => mermaid(lab),
        GraphFormat::Dot => dot(lab),
    }
}

/// Mermaid labels are quoted strings; a `"` inside one is written as an entity.
fn mermaid_text(lines: &[String]) -> String {
    lines.iter().map(|l| l.replace('"', "#quot;")).collect::<Vec<_>>().join("<br/>")
}

fn mermaid(lab: &ResolvedLab) -> String {
    let mut out = String::new();
    let net = ident("net", &lab.name);
    let _ = writeln!(out, "flowchart LR");
    let _ = writeln!(out, "    {net}[\"{}\"]", mermaid_text(&[format!("lab {}", lab.name), lab.network.cidr.to_string(), lab.network.domain.clone()]));
    for n in &lab.nodes {
        let id = ident("node", &n.name);
        let _ = writeln!(out, "    {id}[\"{}\"]", mermaid_text(&node_lines(n)));
        let _ = writeln!(out, "    {net} --- {id}");
    }
    for s in &lab.services {
        let id = ident("svc", &s.name);
        let _ = writeln!(out, "    {id}([\"{}\"])", mermaid_text(&[service_label(s)]));
        for on in &s.nodes {
            let _ = writeln!(out, "    {id} -.-> {}", ident("node", on));
        }
    }
    out
}

/// DOT strings are double-quoted with `\` escapes; `\n` breaks a label's line.
fn dot_text(lines: &[String]) -> String {
    lines.iter().map(|l| l.replace('\\', "\\\\").replace('"', "\\\"")).collect::<Vec<_>>().join("\\n")
}

fn dot(lab: &ResolvedLab) -> String {
    let mut out = String::new();
    let net = ident("net", &lab.name);
    let _ = writeln!(out, "digraph \"{}\" {{", dot_text(std::slice::from_ref(&lab.name)));
    let _ = writeln!(out, "    rankdir=LR;");
    let _ = writeln!(out, "    node [fontname=\"sans-serif\"];");
    let _ = writeln!(
        out,
        "    {net} [shape=box, style=rounded, label=\"{}\"];",
        dot_text(&[format!("lab {}", lab.name), lab.network.cidr.to_string(), lab.network.domain.clone()])
    );
    for n in &lab.nodes {
        let id = ident("node", &n.name);
        let style = if n.autostart { "solid" } else { "dashed" };
        let _ = writeln!(out, "    {id} [shape=box, style={style}, label=\"{}\"];", dot_text(&node_lines(n)));
        let _ = writeln!(out, "    {net} -> {id} [dir=none];");
    }
    for s in &lab.services {
        let id = ident("svc", &s.name);
        let _ = writeln!(out, "    {id} [shape=ellipse, label=\"{}\"];", dot_text(&[service_label(s)]));
        for on in &s.nodes {
            let _ = writeln!(out, "    {id} -> {} [style=dashed];", ident("node", on));
        }
    }
    out.push_str("}\n");
    out
}
