//! Small helpers for writing libvirt XML with quick-xml (which does the escaping).

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::BytesText;

use crate::provider::ProviderError;

pub type XmlWriter = Writer<Cursor<Vec<u8>>>;
pub type XmlResult = std::io::Result<()>;

/// The XML document `body` writes; a failure names `object`, what the XML defines.
pub fn document(object: impl Into<String>, body: impl FnOnce(&mut XmlWriter) -> XmlResult) -> Result<String, ProviderError> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    body(&mut w).map_err(|e| ProviderError::Backend { action: "write the XML of", object: object.into(), reason: e.to_string() })?;
    Ok(String::from_utf8_lossy(&w.into_inner().into_inner()).into_owned())
}

/// `<name attrs>text</name>`.
pub fn text_element(w: &mut XmlWriter, name: &str, attrs: &[(&str, &str)], text: &str) -> XmlResult {
    w.create_element(name).with_attributes(attrs.iter().copied()).write_text_content(BytesText::new(text))?;
    Ok(())
}

/// `<name attrs/>`.
pub fn empty_element(w: &mut XmlWriter, name: &str, attrs: &[(&str, &str)]) -> XmlResult {
    w.create_element(name).with_attributes(attrs.iter().copied()).write_empty()?;
    Ok(())
}
