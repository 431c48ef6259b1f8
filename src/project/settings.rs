//! The project file, `briefpress.toml`: defaults for every publication of
//! the project, as checked by the loader (`crate::load::settings`).
//!
//! A publication's own keys win over these; the command line wins over
//! both. Nothing here is read again while the run goes on.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::style::StyleValues;
use crate::diag::SourceText;
use crate::model::Edition;

/// The name of the project file, at the project root.
pub const FILE: &str = "briefpress.toml";

/// What `briefpress.toml` sets; everything is unset without the file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The file's text, for diagnostics that point into it.
    pub source: Option<SourceText>,
    /// The template of publications that name none.
    pub template: Option<String>,
    /// The editions of publications that list none.
    pub editions: Vec<Edition>,
    /// The language of publications that give none.
    pub language: Option<String>,
    /// The output folder when `--out` is not given.
    pub output: Option<PathBuf>,
    /// Whether quotes and dashes become the language's (publications may
    /// still say otherwise).
    pub smart_punctuation: Option<bool>,
    /// `[style]` defaults.
    pub style: StyleValues,
    /// `[labels.<language>]` overrides, by BCP 47 tag as written.
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
}

impl Settings {
    /// The label overrides for a publication in `language`: those of every
    /// table on its fallback chain, the most specific last (`pt`, then
    /// `pt-BR`), so it wins.
    pub fn labels_for(&self, language: &str) -> BTreeMap<String, String> {
        let mut chain: Vec<&String> = self
            .labels
            .keys()
            .filter(|tag| covers(tag, language))
            .collect();
        chain.sort_by_key(|tag| tag.len());
        let mut labels = BTreeMap::new();
        for tag in chain {
            labels.extend(self.labels[tag].clone());
        }
        labels
    }

    /// A hash of the file's text, for the build cache: any change to the
    /// project file may change every output.
    pub fn hash(&self) -> Option<blake3::Hash> {
        self.source
            .as_ref()
            .map(|source| blake3::hash(source.text.as_bytes()))
    }
}

/// Whether the table for `tag` applies to `language`: the same tag, or one
/// of its prefixes on a subtag boundary (`pt` covers `pt-BR`), case-insensitive.
fn covers(tag: &str, language: &str) -> bool {
    let (tag, language) = (tag.to_ascii_lowercase(), language.to_ascii_lowercase());
    language == tag
        || language
            .strip_prefix(&tag)
            .is_some_and(|rest| rest.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_fallback_chain_most_specific_last() {
        let mut settings = Settings::default();
        let table = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        settings.labels.insert(
            "pt".into(),
            table(&[("contents", "Sumário"), ("key_figures", "Números")]),
        );
        settings
            .labels
            .insert("pt-BR".into(), table(&[("contents", "Índice")]));
        settings
            .labels
            .insert("ptx".into(), table(&[("contents", "no")]));
        let labels = settings.labels_for("pt-br");
        assert_eq!(labels["contents"], "Índice");
        assert_eq!(labels["key_figures"], "Números");
        assert_eq!(settings.labels_for("pt")["contents"], "Sumário");
        assert!(settings.labels_for("es").is_empty());
    }
}
