//! Small helpers for writing libvirt XML with quick-xml (which does the escaping).

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::BytesText;

pub type XmlWriter = Writer<Cursor<Vec<u8>>>;
pub type XmlResult = std::io::Result<()>;

pub fn new_writer() -> XmlWriter {
    Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2)
}

pub fn finish(writer: XmlWriter) -> String {
    String::from_utf8_lossy(&writer.into_inner().into_inner()).into_owned()
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
