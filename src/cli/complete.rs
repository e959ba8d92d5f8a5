//! Shell completion of the names only this host knows: lab names (built-in and the user's lab
//! files), lab instances, and the nodes of the lab a command would act on. clap_complete's
//! dynamic engine calls back into mlab (`COMPLETE=bash mlab -- ...`) at each Tab, so the
//! candidates are always today's; `mlab completions SHELL` prints the script that registers it.

use clap_complete::engine::CompletionCandidate;
use mlab::lab::LabLibrary;

fn planner() -> Option<mlab::lifecycle::Planner> {
    let catalog = mlab::provisioners::Provisioners::builtin().catalog().ok()?;
    Some(mlab::lifecycle::Planner::new(LabLibrary::from_env(), catalog))
}

/// Built-in and local lab names (for `up`, `show`, `validate`...).
pub fn lab_names() -> Vec<CompletionCandidate> {
    let library = LabLibrary::from_env();
    let mut names = LabLibrary::builtin_names();
    names.extend(library.local_names());
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// Labs that exist on this host (for `--lab`).
pub fn instance_names() -> Vec<CompletionCandidate> {
    mlab::state::known_labs(&mlab::paths::labs_dir()).into_iter().map(CompletionCandidate::new).collect()
}

/// The nodes of the lab a command would act on (`MLAB_LAB`, else the only lab; with several,
/// every lab's nodes, each tagged with its lab).
pub fn node_names() -> Vec<CompletionCandidate> {
    let Some(planner) = planner() else { return Vec::new() };
    let chosen = std::env::var("MLAB_LAB").ok().filter(|l| !l.is_empty());
    let labs = match chosen {
        Some(lab) => vec![lab],
        None => mlab::state::known_labs(&mlab::paths::labs_dir()),
    };
    let several = labs.len() > 1;
    let mut out = Vec::new();
    for lab in labs {
        let Ok(instance) = planner.open(&lab) else { continue };
        for node in &instance.lab.nodes {
            let candidate = CompletionCandidate::new(node.name.clone());
            out.push(if several { candidate.help(Some(format!("lab {lab}").into())) } else { candidate });
        }
    }
    out
}
