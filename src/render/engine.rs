//! The template engine: minijinja set up for config files (strict undefined, kept trailing
//! newlines, block trimming, HTML escaping only for `.html` templates) and loading from a
//! [`Provisioners`] set.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::RenderError;
use crate::provisioners::Provisioners;

/// A minijinja environment reading templates from `provisioners`.
pub fn environment(provisioners: &Provisioners) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| RenderError::Engine { message: e.to_string() })?;
    env.set_syntax(syntax);
    env.set_auto_escape_callback(|name| {
        let name = name.strip_suffix(".j2").unwrap_or(name);
        if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None }
    });
    let source = provisioners.clone();
    env.set_loader(move |name| {
        source
            .read(name)
            .map(|text| text.map(|t| t.into_owned()))
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::TemplateNotFound, format!("cannot load `{name}`: {e}")))
    });
    super::filters::register(&mut env);
    Ok(env)
}
