//! Model → the EPUB's XHTML documents, as snapshots: the title page, a
//! section and the resources page of the loader's rich test publication.
//! User text must arrive escaped (`&lt;script&gt;`), never as markup.

use crate::load::testing::rich;
use crate::model::Publication;
use crate::project::language::Language;

/// The one call into the EPUB renderer's internals: the title page, every
/// section, then the resources page, each headed by its role.
fn xhtml_documents(publication: &Publication) -> Vec<(String, String)> {
    let layout = super::Layout::new(publication);
    let language = Language::of(publication);
    let documents = super::Documents::new(&layout, &language);
    let mut out = vec![("title page".to_string(), documents.title_page())];
    for index in 0..publication.sections.len() {
        out.push((format!("section {index}"), documents.section(index)));
    }
    out.push(("resources".to_string(), documents.resources()));
    out
}

/// The document headed `name`.
fn document(name: &str) -> String {
    xhtml_documents(&rich())
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, xhtml)| xhtml)
        .unwrap_or_else(|| panic!("no document {name}"))
}

#[test]
fn the_title_page_as_xhtml() {
    insta::assert_snapshot!(document("title page"));
}

#[test]
fn a_section_with_every_kind_of_block_as_xhtml() {
    insta::assert_snapshot!(document("section 0"));
}

#[test]
fn a_section_of_hostile_text_as_xhtml() {
    insta::assert_snapshot!(document("section 1"));
}

#[test]
fn the_resources_page_as_xhtml() {
    insta::assert_snapshot!(document("resources"));
}
