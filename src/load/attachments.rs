//! Attachments and resources: each a packaged file or a web link, never
//! both, with file names unique because both editions embed files by name.

use std::collections::HashSet;
use std::path::Path;

use toml::Spanned;

use super::Loader;
use super::assets::AssetKind;
use super::manifest::RawAttachment;
use super::typed::Place;
use super::values::web_url;
use crate::diag::{Code, Diagnostic, SourceText};
use crate::model::{Attachment, AttachmentTarget};

impl Loader<'_> {
    /// Every attachment that could be resolved, in order.
    pub(super) fn attachments(
        &mut self,
        raw: &[Spanned<RawAttachment>],
        source: &SourceText,
        dir: &Path,
    ) -> Vec<Attachment> {
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(raw.len());
        for (index, entry) in raw.iter().enumerate() {
            let att = entry.get_ref();
            let place = Place::Entry("attachments", index);
            let title = self.required_key(
                att.title.as_ref(),
                place,
                Some(entry.span()),
                source,
                "title",
            );
            let description = att.description.as_ref().map(|d| self.text(d, source));
            let target = self.attachment_target(entry, place, &title, &mut names, source, dir);
            if let Some(target) = target {
                out.push(Attachment {
                    title,
                    description,
                    target,
                });
            }
        }
        out
    }

    /// The file or URL of one attachment; `names` holds the file names taken so far.
    fn attachment_target(
        &mut self,
        entry: &Spanned<RawAttachment>,
        place: Place<'_>,
        title: &str,
        names: &mut HashSet<String>,
        source: &SourceText,
        dir: &Path,
    ) -> Option<AttachmentTarget> {
        let att = entry.get_ref();
        match (&att.file, &att.url) {
            (Some(file), None) => {
                let id = self.asset(dir, file, source, AssetKind::Attachment)?;
                let name = self.assets.get(id).map(|a| a.file_name.clone());
                if let Some(name) = name
                    && !names.insert(name.clone())
                {
                    self.report(
                        Diagnostic::error(
                            Code::Duplicate,
                            format!("two attachments are named `{name}`"),
                        )
                        .at(source, Some(file.span()))
                        .hint("attachments are embedded by file name: rename one of the files"),
                    );
                }
                Some(AttachmentTarget::File(id))
            }
            (None, Some(url)) => self.url(url, source).map(AttachmentTarget::Url),
            (Some(_), Some(url)) => {
                self.report(
                    Diagnostic::error(
                        Code::ConflictingKeys,
                        "an attachment has both `file` and `url`",
                    )
                    .at(source, Some(url.span()))
                    .hint("an attachment is either a packaged file or a link: keep one"),
                );
                None
            }
            (None, None) => {
                if self.refused.has(place, "file") || self.refused.has(place, "url") {
                    return None;
                }
                self.report(
                    Diagnostic::error(
                        Code::ConflictingKeys,
                        format!("attachment \"{title}\" has neither `file` nor `url`"),
                    )
                    .at(source, Some(entry.span()))
                    .hint("add `file = \"path/to/file.pdf\"` or `url = \"https://…\"`"),
                );
                None
            }
        }
    }

    /// An attachment's web address.
    fn url(&mut self, url: &Spanned<String>, source: &SourceText) -> Option<String> {
        let text = self.text(url, source);
        if let Some(url) = web_url(&text) {
            Some(url)
        } else {
            self.report(
                Diagnostic::error(Code::InvalidUrl, format!("`{text}` is not an http(s) URL"))
                    .at(source, Some(url.span()))
                    .hint("attachment URLs must start with https:// or http://; for a local file use `file = …`"),
            );
            None
        }
    }
}
