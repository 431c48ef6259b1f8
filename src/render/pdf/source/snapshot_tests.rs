//! Model → typst source, as snapshots: the main file generated for the
//! loader's rich test publication. A reviewer reads the diff of a change
//! here as the PDF's structure; user text must only ever appear inside
//! string literals (`#"…"` or `"…"` arguments), never as markup or code.

use crate::load::testing::rich;
use crate::model::{Edition, Publication};
use crate::project::language::Language;

/// The one call into the PDF renderer's internals: the generated main file.
fn typst_source(publication: &Publication) -> String {
    super::generate(publication, &Language::of(publication), Edition::Standard)
}

#[test]
fn the_rich_publication_as_typst_source() {
    insta::assert_snapshot!(typst_source(&rich()));
}

#[test]
fn hostile_text_appears_only_inside_string_literals() {
    let source = typst_source(&rich());
    // Outside string literals, none of the hostile fragments may survive.
    let mut code = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in source.chars() {
        match (in_string, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (_, false, '"') => in_string = !in_string,
            (false, _, c) => code.push(c),
            (true, false, _) => {}
        }
    }
    for fragment in [
        "panic",
        "<script>",
        "$x",
        "eval",
        "set text(red)",
        "#{",
        "@label",
    ] {
        assert!(
            !code.contains(fragment),
            "`{fragment}` outside a string literal:\n{code}"
        );
    }
}
