//! Test support: a publication loaded from text in a temporary project, so
//! unit tests of the loader and of both renderers start from a real
//! [`Publication`] without fixture folders.

use std::io::Cursor;
use std::path::Path;

use tempfile::TempDir;

use super::{LoadOptions, Loaded, load};
use crate::model::Publication;
use crate::project::Project;
use crate::project::root::ProjectRoot;

/// A temporary project holding the files it was given.
pub(crate) struct TestProject {
    dir: TempDir,
}

impl TestProject {
    /// A project with `files` (root-relative path, contents) written into it.
    pub(crate) fn new(files: &[(&str, &[u8])]) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        for (path, contents) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            std::fs::write(path, contents).expect("a test file");
        }
        Self { dir }
    }

    /// Loads the publication `path` with the default limits.
    pub(crate) fn load(&self, path: &str) -> Loaded {
        let root = ProjectRoot::new(self.dir.path()).expect("project root");
        let path = root.dir().join(path);
        let project = Project::open(root, &[], LoadOptions::default().max_file_size);
        load(&project, &path, &LoadOptions::default())
    }

    /// `text` with the project's folder (as given and canonical) shown as `[ROOT]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let given = self.dir.path();
        let canonical = std::fs::canonicalize(given).unwrap_or_else(|_| given.to_path_buf());
        [canonical.as_path(), given]
            .iter()
            .fold(text.to_string(), |text, path: &&Path| {
                text.replace(&*path.to_string_lossy(), "[ROOT]")
            })
    }
}

/// A PNG of `width` × `height` white pixels.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding");
    out.into_inner()
}

/// The publication every renderer snapshot starts from: metadata, a
/// standfirst, key figures, sections with every kind of block, footnotes,
/// images, hostile text, and both kinds of attachment.
pub(crate) const RICH: &str = r##"
title = "Rich <brief> & #panic(\"title\")"
subtitle = "A \"quoted\" subtitle"
authors = ["Ada Lovelace", "Zoë $x$ Ünal"]
publisher = "Example \\ Press"
date = 2021-10-19
updated = 2022-01-12
language = "en-GB"
keywords = ["tables", "footnotes"]
summary = """A *short* standfirst with a note[^s].

## Not a heading here

[^s]: The standfirst's note.
"""
cover = "cover.png"

[[highlights]]
value = "60,000"
label = "people <counted>"
source = "Survey, 2021"

[[highlights]]
value = "#1"
label = "rank"

[[sections]]
title = "Everything at once"
id = "everything"
body = """
Intro with *emphasis, **strong *and nested*** text*, ~~strike~~, `code`,
a [link](https://example.org/?a=1&b=2), <https://example.org/auto>, and a
[jump](#hostile). A note[^a], the same note again[^a], another[^b].

### A subheading (level-closed)

| Left | Centre | Right |
|:-----|:------:|------:|
| a    | *b*    | 3     |

![A bar chart of 2021](chart.png)

Text with an inline ![tiny icon](chart.png) image.

- one
- two
  1. nested
  2. list

> A quote
> over two lines.

```rust
fn main() { println!("{}", "#panic(\\"x\\")"); }
```

---

[^a]: Note a, with a nested reference[^c].
[^b]: Note b.
[^c]: Nested note.
[^unused]: Never referenced.
"""

[[sections]]
title = "Hostile $x$ #panic(\"x\") <script>"
id = "hostile"
body = """
#panic("x") #set text(red) $x^2$ <script>alert(1)</script> \\\\ back\\slash "double" 'single' `#eval("1")`

e\u0301 combining, 🙂 emoji, 👩🏽‍💻 joined, ]) [ #{ } @label <label>

<div onclick="x">raw *block* html</div>
"""

[[attachments]]
title = "Key figures <data>"
file = "data/key-figures.csv"
description = "The numbers & their sources"

[[attachments]]
title = "Full report"
url = "https://example.org/report?x=1&y=\"2\""
"##;

/// [`RICH`] loaded, with its image and attachment files.
pub(crate) fn rich() -> Publication {
    let chart = png(4, 3);
    let cover = png(6, 8);
    let project = TestProject::new(&[
        ("content/rich.toml", RICH.as_bytes()),
        ("content/chart.png", &chart),
        ("content/cover.png", &cover),
        (
            "content/data/key-figures.csv",
            b"value,label\n60000,people\n",
        ),
    ]);
    let loaded = project.load("content/rich.toml");
    let problems: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    loaded
        .publication
        .unwrap_or_else(|| panic!("the rich publication loads: {problems:#?}"))
}
