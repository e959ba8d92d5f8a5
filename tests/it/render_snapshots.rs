//! Snapshots of every file rendered for every node of every built-in lab. A change to a
//! template shows up as a reviewable diff here (`INSTA_UPDATE=always cargo test` then review
//! the .snap changes with git diff).

use crate::common;

use common::{BUILTIN_LABS, rendered};

fn snapshot_name(lab: &str, node: &str, path: &str) -> String {
    let flat: String = path.trim_start_matches('/').chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    format!("{lab}__{node}__{flat}")
}

#[test]
fn every_rendered_file_of_every_builtin_lab() {
    for lab_name in BUILTIN_LABS {
        let (_, nodes) = rendered(lab_name);
        for node in &nodes {
            for file in &node.files {
                let name = snapshot_name(lab_name, &node.node, &file.path);
                let header = format!("# {} (mode {:o}, step {}{})", file.path, file.mode, file.step, if file.run { ", run" } else { "" });
                insta::assert_snapshot!(name, format!("{header}\n{}", file.content));
            }
        }
    }
}

#[test]
fn file_list_per_node_is_stable() {
    for lab_name in BUILTIN_LABS {
        let (_, nodes) = rendered(lab_name);
        let listing: String = nodes
            .iter()
            .map(|n| {
                let files: Vec<String> =
                    n.files.iter().map(|f| format!("  {:<10} {:o} {}{}", f.step, f.mode, f.path, if f.run { "  (run)" } else { "" })).collect();
                format!("{}:\n{}\n", n.node, files.join("\n"))
            })
            .collect();
        insta::assert_snapshot!(format!("{lab_name}__file_list"), listing);
    }
}
