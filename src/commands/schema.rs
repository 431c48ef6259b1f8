//! `briefpress schema`: the JSON Schema of the publication format (and,
//! with `--project`, of the project file `briefpress.toml`).
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
use crate::load::settings::RawSettings;
use crate::project::labels::Labels;

/// The file `init` and `new` write the schema to, at the project root.
pub const FILE: &str = "briefpress.schema.json";
/// The file `init` writes the project file's schema to, at the project root.
pub const PROJECT_FILE: &str = "briefpress.project.schema.json";

/// The JSON Schema (draft-07, which every TOML editor understands).
pub fn schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator
        .into_root_schema_for::<RawPublication>()
        .to_value();
    without_null(&mut schema);
    let labels = labels_schema(
        "Replace words briefpress prints in this publication; keep every {placeholder} of a text.",
    );
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert(
            "smart_punctuation".into(),
            json!({
                "type": "boolean",
                "description": "Turn straight quotes, --, --- and ... into the language's marks (default true).",
            }),
        );
        properties.insert("labels".into(), labels);
    }
    schema
}

/// The JSON Schema of the project file, `briefpress.toml`.
pub fn project_schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RawSettings>().to_value();
    without_null(&mut schema);
    let labels = labels_schema(
        "Replace words briefpress prints in every publication in this language; keep every {placeholder} of a text.",
    );
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert(
            "labels".into(),
            json!({
                "type": "object",
                "description": "Label overrides per language, by BCP 47 tag: [labels.fr], [labels.pt-BR]…",
                "additionalProperties": labels,
            }),
        );
    }
    schema
}

/// A `[labels]` table: every label key, in English for the description.
fn labels_schema(description: &str) -> Value {
    let labels: serde_json::Map<String, Value> = Labels::for_language("en")
        .iter()
        .map(|(key, english)| {
            let schema =
                json!({ "type": "string", "description": format!("In English: “{english}”") });
            (key.to_string(), schema)
        })
        .collect();
    json!({
        "type": "object",
        "description": description,
        "properties": labels,
        "additionalProperties": false,
    })
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
    pretty(&schema())
}

fn pretty(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The `#:schema` directive for a publication at `depth` folders below the
/// project root (`content/x.toml` is at depth 1): Taplo resolves the path
/// from the publication's folder.
pub fn directive(depth: usize) -> String {
    format!("#:schema {}{FILE}\n", "../".repeat(depth))
}

/// The project file's schema as the text `schema --project` prints and `init` writes.
pub fn project_text() -> String {
    pretty(&project_schema())
}

/// Prints the schema of a publication, or of the project file, on stdout.
pub fn run(project: bool) -> u8 {
    if project {
        print(&project_text())
    } else {
        print(&text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::manifest::{ATTACHMENT_KEYS, HIGHLIGHT_KEYS, SECTION_KEYS, TOP_KEYS};
    use crate::project::labels::Label;
    use crate::project::style::STYLE_KEYS;

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
    fn the_project_schema_has_exactly_the_keys_the_project_file_takes() {
        let schema = project_schema();
        assert_eq!(keys(&schema), sorted(crate::load::settings::TOP_KEYS));
        assert_eq!(keys(&schema["definitions"]["Style"]), sorted(STYLE_KEYS));
        assert_eq!(
            keys(&project_schema()["properties"]["labels"]["additionalProperties"]).len(),
            Label::ALL.len()
        );
        assert_eq!(
            keys(&self::schema()["definitions"]["Style"]),
            sorted(STYLE_KEYS)
        );
    }

    #[test]
    fn directives_climb_to_the_root() {
        assert_eq!(directive(2), "#:schema ../../briefpress.schema.json\n");
    }
}
