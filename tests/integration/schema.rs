//! `briefpress schema`: the JSON Schema editors check publications against.
//! It accepts the sample and the publications `init` and `new` write, and
//! rejects what the loader rejects: an unknown key, a missing title.

use serde_json::Value;

use crate::harness::{Project, repo};

/// The schema the binary prints, compiled with format checks (dates).
fn validator(project: &Project) -> jsonschema::Validator {
    let run = project.run(&["schema"]);
    run.expect_code(0);
    let schema: Value = serde_json::from_str(&run.stdout).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is a valid JSON Schema")
}

/// A TOML document as the JSON an editor validates: dates become strings.
fn as_json(toml_text: &str) -> Value {
    fn convert(value: toml::Value) -> Value {
        match value {
            toml::Value::String(s) => Value::String(s),
            toml::Value::Integer(i) => Value::from(i),
            toml::Value::Float(f) => Value::from(f),
            toml::Value::Boolean(b) => Value::Bool(b),
            toml::Value::Datetime(d) => Value::String(d.to_string()),
            toml::Value::Array(items) => Value::Array(items.into_iter().map(convert).collect()),
            toml::Value::Table(table) => {
                Value::Object(table.into_iter().map(|(k, v)| (k, convert(v))).collect())
            }
        }
    }
    convert(toml::Value::Table(toml_text.parse().expect("TOML")))
}

/// Every error the schema finds in `toml_text`, as "path: message".
fn errors(validator: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    validator
        .iter_errors(&as_json(toml_text))
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_sample_publication_is_valid() {
    let project = Project::empty();
    let sample = std::fs::read_to_string(repo().join("content/gta-2021.toml")).unwrap();
    assert_eq!(errors(&validator(&project), &sample), Vec::<String>::new());
}

#[test]
fn an_unknown_key_and_a_missing_title_are_invalid() {
    let project = Project::empty();
    let validator = validator(&project);
    let sample = std::fs::read_to_string(repo().join("content/gta-2021.toml")).unwrap();
    let misspelt = sample.replacen("title = ", "titel = ", 1);
    let found = errors(&validator, &misspelt);
    assert!(
        found.iter().any(|e| e.contains("titel")) && found.iter().any(|e| e.contains("title")),
        "{found:?}"
    );
    let in_section = sample.replacen("id = \"about\"", "ident = \"about\"", 1);
    let found = errors(&validator, &in_section);
    assert!(
        found
            .iter()
            .any(|e| e.starts_with("/sections/0") && e.contains("ident")),
        "{found:?}"
    );
    let quoted_date = sample.replacen("date = 2021-10-19", "date = \"yesterday\"", 1);
    assert!(!errors(&validator, &quoted_date).is_empty());
    let unknown_label = format!("{sample}\n[labels]\nkey_figure = \"At a glance\"\n");
    assert!(!errors(&validator, &unknown_label).is_empty());
    let label = format!("{sample}\n[labels]\nkey_figures = \"At a glance\"\n");
    assert_eq!(errors(&validator, &label), Vec::<String>::new());
}

#[test]
fn init_and_new_write_valid_publications_that_point_at_the_schema() {
    let project = Project::empty();
    project.run(&["init"]).expect_code(0);
    project.run(&["new", "2025/annual"]).expect_code(0);
    assert_eq!(
        String::from_utf8(project.read("briefpress.schema.json")).unwrap(),
        project.run(&["schema"]).stdout
    );
    let validator = validator(&project);
    for (file, directive) in [
        (
            "content/welcome.toml",
            "#:schema ../briefpress.schema.json\n",
        ),
        (
            "content/2025/annual.toml",
            "#:schema ../../briefpress.schema.json\n",
        ),
    ] {
        let text = String::from_utf8(project.read(file)).unwrap();
        assert!(text.starts_with(directive), "{file}: {text}");
        assert_eq!(errors(&validator, &text), Vec::<String>::new(), "{file}");
    }
}
