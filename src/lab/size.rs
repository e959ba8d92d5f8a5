//! Memory and disk sizes as people write them: `2048` (MiB for memory, GiB for disk), `2G`,
//! `512M`, `2GiB`, `1.5G`.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A memory size, kept in MiB. A bare number means MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Memory(pub u64);

/// A disk size, kept in GiB. A bare number means GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Disk(pub u64);

/// Parse `text` into a count of `unit_mib`-sized units (1 for MiB, 1024 for GiB).
fn parse_size(text: &str, unit_mib: u64) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("`{text}` is not a size; write e.g. 2048, 2G or 512M"))?;
    let mib_per = match suffix.trim().to_ascii_lowercase().as_str() {
        "" => unit_mib as f64,
        "m" | "mb" | "mib" => 1.0,
        "g" | "gb" | "gib" => 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit `{other}` in `{text}`; use M or G (e.g. 512M, 2G)")),
    };
    let mib = number * mib_per;
    let units = mib / unit_mib as f64;
    if !units.is_finite() || !(1.0..=1e9).contains(&units) {
        return Err(format!("`{text}` is not a usable size"));
    }
    if units.fract() != 0.0 {
        return Err(format!("`{text}` is not a whole number of {}", if unit_mib == 1 { "MiB" } else { "GiB" }));
    }
    Ok(units as u64)
}

struct SizeVisitor(u64);

impl Visitor<'_> for SizeVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a size such as 2048, 2G or 512M")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v == 0 { Err(E::custom("a size must be above zero")) } else { Ok(v) }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom("a size must be above zero")).and_then(|v| self.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_size(v, self.0).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Memory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SizeVisitor(1)).map(Memory)
    }
}

impl<'de> Deserialize<'de> for Disk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SizeVisitor(1024)).map(Disk)
    }
}

impl Serialize for Memory {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl Serialize for Disk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}G", self.0))
    }
}

fn size_schema(description: &str) -> Schema {
    json_schema!({
        "description": description,
        "oneOf": [
            { "type": "integer", "minimum": 1 },
            { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*([MmGgTt]([Ii]?[Bb])?)?$" }
        ]
    })
}

impl JsonSchema for Memory {
    fn schema_name() -> Cow<'static, str> {
        "Memory".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        size_schema("Memory: a number of MiB (2048) or a size with a unit (2G, 512M)")
    }
}

impl JsonSchema for Disk {
    fn schema_name() -> Cow<'static, str> {
        "Disk".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        size_schema("Disk: a number of GiB (10) or a size with a unit (10G, 20480M)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        let m = |s: &str| serde_yaml_ng::from_str::<Memory>(s).map(|m| m.0);
        assert_eq!(m("2048").unwrap(), 2048);
        assert_eq!(m("2G").unwrap(), 2048);
        assert_eq!(m("1.5G").unwrap(), 1536);
        assert_eq!(m("512MiB").unwrap(), 512);
        assert!(m("0").is_err());
        assert!(m("2X").unwrap_err().to_string().contains("unknown size unit"));
        let d = |s: &str| serde_yaml_ng::from_str::<Disk>(s).map(|d| d.0);
        assert_eq!(d("10").unwrap(), 10);
        assert_eq!(d("20G").unwrap(), 20);
        assert!(d("100M").is_err());
    }
}
