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
