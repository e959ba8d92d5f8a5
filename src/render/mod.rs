//! Provisioner templates: turn a [`ResolvedLab`] into the files each node needs (configs,
//! systemd units, step scripts), grouped into ordered provisioning steps.
//!
//! The template set lives in `provisioners/` (embedded; read through [`crate::provisioners`]) and
//! `provisioners/manifest.yaml` decides, per step, which nodes it applies to and which templates
//! render to which guest paths (see [`manifest`]). Contract for whoever applies the result:
//! for each step in order, upload the step's files (with their modes), then run its script
//! (`run == true`) as root. Scripts are idempotent and may be re-run.
//!
//! Flag style: Mesos and Marathon read their flags from the environment (`MESOS_<FLAG>`,
//! `MARATHON_<FLAG>`), so their flags live in `/etc/default/<service>` env files that the
//! systemd units load with `EnvironmentFile=`. Chronos does not read the environment: its
//! `/etc/default/chronos` holds one `CHRONOS_ARGS="--flag value ..."` line that the unit expands.

mod context;
mod engine;
pub mod filters;
pub mod manifest;
mod write;

use minijinja::Environment;
use serde::Serialize;

use crate::lab::ResolvedLab;

pub use context::{TemplateContext, hosts_block, hosts_markers};
pub use manifest::{Manifest, SCRIPT_DIR};
pub use write::write_tree;

use crate::provisioners::Provisioners;

/// One rendered file for one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFile {
    /// Absolute guest path.
    pub path: String,
    pub content: String,
    pub mode: u32,
    /// The provisioning step it belongs to.
    pub step: String,
    /// True for the step's script: run it (as root) after the step's files are uploaded.
    pub run: bool,
}

/// Everything one node gets, in step order (within a step: files first, then the script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeFiles {
    pub node: String,
    pub files: Vec<RenderedFile>,
}

impl NodeFiles {
    /// The steps that apply to this node, in order.
    pub fn steps(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.files {
            if out.last() != Some(&f.step.as_str()) {
                out.push(&f.step);
            }
        }
        out
    }

    /// The files of one step (script included).
    pub fn step_files<'a>(&'a self, step: &'a str) -> impl Iterator<Item = &'a RenderedFile> + 'a {
        self.files.iter().filter(move |f| f.step == step)
    }

    pub fn file(&self, path: &str) -> Option<&RenderedFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Tree(#[from] crate::provisioners::TreeError),
    #[error("provisioning manifest `{file}` is invalid: {message}")]
    Manifest { file: String, message: String },
    #[error("template engine setup failed: {message}")]
    Engine { message: String },
    #[error("template `{template}`{} failed for node `{node}`: {message}\nfix the template (or the override that replaced it)", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Template { template: String, line: Option<usize>, node: String, message: String },
}

impl RenderError {
    fn template(err: &minijinja::Error, fallback_name: &str, node: &str) -> RenderError {
        let mut message = err.kind().to_string();
        if let Some(detail) = err.detail() {
            message = format!("{message}: {detail}");
        }
        // Errors from an included template carry the included name; the chain says where.
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            message.push_str(&format!("; caused by: {inner}"));
            source = inner.source();
        }
        RenderError::Template { template: err.name().unwrap_or(fallback_name).to_string(), line: err.line(), node: node.to_string(), message }
    }
}

/// Render every node of `lab`: for each step of the manifest that applies to the node, its
/// files and its script. Nodes come back in lab order.
pub fn render_lab(provisioners: &Provisioners, lab: &ResolvedLab) -> Result<Vec<NodeFiles>, RenderError> {
    let manifest = Manifest::load(provisioners)?;
    let env = engine::environment(provisioners)?;
    lab.nodes.iter().map(|node| render_node(&env, &manifest, lab, &node.name)).collect()
}

fn render_node(env: &Environment<'static>, manifest: &Manifest, lab: &ResolvedLab, name: &str) -> Result<NodeFiles, RenderError> {
    let node = lab.node(name).ok_or_else(|| RenderError::Engine { message: format!("node `{name}` is not in lab `{}`", lab.name) })?;
    let mut files = Vec::new();
    for step in &manifest.steps {
        if !manifest::roles_match(&step.roles, &node.roles) {
            continue;
        }
        let ctx = minijinja::Value::from(minijinja::value::Serde(TemplateContext::new(lab, node, &step.name)));
        let where_step = format!("manifest.yaml step `{}` when", step.name);
        if !condition(env, step.when.as_deref(), &ctx, &where_step, name)? {
            continue;
        }
        let before = files.len();
        for spec in &step.files {
            if !manifest::roles_match(&spec.roles, &node.roles) {
                continue;
            }
            let where_file = format!("manifest.yaml step `{}` file `{}` when", step.name, spec.template);
            if !condition(env, spec.when.as_deref(), &ctx, &where_file, name)? {
                continue;
            }
            let path = env.render_str(&spec.dest, &ctx).map_err(|e| RenderError::template(&e, &format!("manifest.yaml dest of `{}`", spec.template), name))?;
            let mode = spec.mode_bits().map_err(|message| RenderError::Manifest { file: manifest::MANIFEST_FILE.into(), message })?;
            files.push(RenderedFile { content: render(env, &spec.template, &ctx, name)?, path, mode, step: step.name.clone(), run: false });
        }
        if let Some(script) = &step.script {
            files.push(RenderedFile { path: step.script_dest(), content: render(env, script, &ctx, name)?, mode: 0o755, step: step.name.clone(), run: true });
        }
        tracing::debug!(node = name, step = %step.name, files = files.len() - before, "rendered step");
    }
    Ok(NodeFiles { node: name.to_string(), files })
}

fn render(env: &Environment<'static>, template: &str, ctx: &minijinja::Value, node: &str) -> Result<String, RenderError> {
    let tmpl = env.get_template(template).map_err(|e| RenderError::template(&e, template, node))?;
    tmpl.render(ctx).map_err(|e| RenderError::template(&e, template, node))
}

fn condition(env: &Environment<'static>, expr: Option<&str>, ctx: &minijinja::Value, what: &str, node: &str) -> Result<bool, RenderError> {
    let Some(expr) = expr else { return Ok(true) };
    let compiled = env.compile_expression(expr).map_err(|e| RenderError::template(&e, what, node))?;
    let value = compiled.eval(ctx).map_err(|e| RenderError::template(&e, what, node))?;
    Ok(value.is_true())
}
