//! `mlab init`: a starting lab file for the user to edit, with the modeline that lets editors
//! (yaml-language-server: VS Code, Neovim, Helix...) complete and check it against mlab's schema.

/// What the new file holds: either a small standalone lab or one that extends another.
pub fn starter(name: &str, extends: Option<&str>, schema: &std::path::Path) -> String {
    let modeline = format!("# yaml-language-server: $schema={}\n", schema.display());
    match extends {
        Some(base) => format!(
            "{modeline}# {name}: built on `{base}`. `mlab show {name}` prints what it resolves to, `mlab up {name}` builds it.\n\
             name: {name}\n\
             extends: {base}\n\
             description: {base} for {name} (edit me)\n\
             # Nodes named as in {base} are patched (fields replace, roles are added); new names add nodes.\n\
             # nodes:\n\
             #   - name: agent\n\
             #     memory: 3G\n"
        ),
        None => format!(
            "{modeline}# {name}: a Mesos lab. `mlab show {name}` prints what it resolves to, `mlab up {name}` builds it.\n\
             name: {name}\n\
             description: {name}, one master and two agents (edit me)\n\
             network:\n\
             \x20 cidr: 192.168.70.0/24   # a private /24; a lab on this host that overlaps gets another\n\
             \x20 mode: nat\n\
             nodes:\n\
             \x20 - name: master1\n\
             \x20   roles: [zookeeper, mesos-master, mesos-dns, admin-router]\n\
             \x20   memory: 2G\n\
             \x20 - name: agent           # agent1, agent2...\n\
             \x20   count: 2\n\
             \x20   roles: [mesos-agent]\n\
             \x20   cpus: 2\n\
             \x20   memory: 2G\n"
        ),
    }
}

/// Write the starter lab `name` to `file` (never replacing one) and the schema it names into
/// `labs_dir/lab.schema.json` (mlab's own file, rewritten so it matches this mlab). Errors say
/// which file and what to do.
pub fn write(labs_dir: &std::path::Path, file: &std::path::Path, name: &str, extends: Option<&str>) -> Result<(), String> {
    use std::io::Write;
    let cannot = |what: &str, path: &std::path::Path, e: std::io::Error| format!("cannot {what} {}: {e}", path.display());
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| cannot("create", parent, e))?;
    }
    std::fs::create_dir_all(labs_dir).map_err(|e| cannot("create", labs_dir, e))?;
    let schema = labs_dir.join("lab.schema.json");
    let schema_text = serde_json::to_string_pretty(&super::json_schema()).map_err(|e| e.to_string())?;
    std::fs::write(&schema, schema_text + "\n").map_err(|e| cannot("write", &schema, e))?;
    let mut out = match std::fs::OpenOptions::new().write(true).create_new(true).open(file) {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(format!("{} already exists and is left as it is; choose another name or `--out FILE`", file.display()));
        }
        Err(e) => return Err(cannot("create", file, e)),
    };
    out.write_all(starter(name, extends, &schema).as_bytes()).map_err(|e| cannot("write", file, e))
}
