//! `briefpress schema`: the JSON Schema of the publication format.
//!
//! Editors (Taplo, and VS Code's Even Better TOML through it) complete keys,
//! show what each means and underline mistakes as a writer types, given a
//! JSON Schema. The schema is derived with `schemars` from the very serde
//! types the loader reads (`load::manifest`), so it cannot drift from what
//! `briefpress check` accepts; the two keys the loader reads beside those
//! types (`smart_punctuation` and the `[labels]` table) are added here, from
//! the label table itself, and a test checks that the schema's keys are
//! exactly the loader's at every level.

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use super::print;
use crate::load::manifest::RawPublication;
use crate::project::labels::Labels;

/// The file `init` and `new` write the schema to, at the project root.
pub const FILE: &str = "briefpress.schema.json";

/// The JSON Schema (draft-07, which every TOML editor understands).
pub fn schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator
        .into_root_schema_for::<RawPublication>()
        .to_value();
    without_null(&mut schema);
    let labels: serde_json::Map<String, Value> = Labels::for_language("en")
        .iter()
        .map(|(key, english)| {
            let schema =
                json!({ "type": "string", "description": format!("In English: “{english}”") });
            (key.to_string(), schema)
        })
        .collect();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert(
            "smart_punctuation".into(),
            json!({
                "type": "boolean",
                "description": "Turn straight quotes, --, --- and ... into the language's marks (default true).",
            }),
        );
        properties.insert(
            "labels".into(),
            json!({
                "type": "object",
                "description": "Replace words briefpress prints in this publication; keep every {placeholder} of a text.",
                "properties": labels,
                "additionalProperties": false,
            }),
        );
    }
    schema
}

/// TOML has no null: an optional key is one that may be left out, so
/// `"type": ["string", "null"]` (schemars' `Option`) becomes `"type": "string"`.
fn without_null(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    object.insert("type".into(), only);
                }
            }
            object.values_mut().for_each(without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

/// The schema as the text `briefpress schema` prints and `init` writes.
pub fn text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// The `#:schema` directive for a publication at `depth` folders below the
/// project root (`content/x.toml` is at depth 1): Taplo resolves the path
/// from the publication's folder.
pub fn directive(depth: usize) -> String {
    format!("#:schema {}{FILE}\n", "../".repeat(depth))
}

/// Prints the schema on stdout.
pub fn run() -> u8 {
    print(&text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::manifest::{ATTACHMENT_KEYS, HIGHLIGHT_KEYS, SECTION_KEYS, TOP_KEYS};
    use crate::project::labels::Label;

    fn keys(object: &Value) -> Vec<String> {
        let mut keys: Vec<String> = object["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn sorted(keys: &[&str]) -> Vec<String> {
        let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_schema_has_exactly_the_keys_the_loader_reads() {
        let schema = schema();
        assert_eq!(keys(&schema), sorted(TOP_KEYS));
        let definitions = &schema["definitions"];
        assert_eq!(keys(&definitions["Highlight"]), sorted(HIGHLIGHT_KEYS));
        assert_eq!(keys(&definitions["Section"]), sorted(SECTION_KEYS));
        assert_eq!(keys(&definitions["Attachment"]), sorted(ATTACHMENT_KEYS));
        let labels: Vec<&str> = Label::ALL.iter().map(|l| l.key()).collect();
        assert_eq!(keys(&schema["properties"]["labels"]), sorted(&labels));
        for object in [&schema, &definitions["Highlight"], &definitions["Section"]] {
            assert_eq!(object["additionalProperties"], false);
        }
        assert_eq!(schema["required"], json!(["title", "date"]));
    }

    #[test]
    fn directives_climb_to_the_root() {
        assert_eq!(directive(2), "#:schema ../../briefpress.schema.json\n");
    }
}
