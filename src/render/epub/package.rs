//! The one place where epub-builder 0.8.3's output is corrected.
//!
//! epub-builder writes a random identifier, gives `dc:language` and
//! `dc:creator` the same id, cannot emit manifest `fallback`s or put a PDF in
//! the spine, has no publisher, and stamps zip entries with the wall clock.
//! Its navigation document has no language and no ARIA roles, and its package
//! element no `xml:lang`, so accessibility checkers (Ace by DAISY) fail it;
//! its NCX (the EPUB 2 table of contents) is titled "Contents" instead of the
//! publication, without language or `dtb:uid`.
//! Rather than patching strings across the renderer, the finished archive is
//! read back here: the package, navigation and NCX documents are rewritten event
//! by event with a real XML library, and the archive is re-packed
//! deterministically (`mimetype` first and stored, fixed entry order, times
//! and permissions).

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer, XmlVersion};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::model::Date;

const OPF_PATH: &str = "OEBPS/content.opf";
const NAV_PATH: &str = "OEBPS/nav.xhtml";
const NCX_PATH: &str = "OEBPS/toc.ncx";

/// What the package document must say that epub-builder cannot.
pub struct PackageFixes<'a> {
    /// The publication's identifier (replaces the random UUID).
    pub identifier: &'a str,
    /// The publication's title (the NCX's `docTitle`).
    pub title: &'a str,
    /// The publication's language (BCP 47), for the package and the nav.
    pub language: &'a str,
    /// `dc:publisher`, when known.
    pub publisher: Option<&'a str>,
    /// Attachment href → href of its XHTML fallback page.
    pub fallbacks: HashMap<String, String>,
    /// Extra `<meta property=…>` entries (accessibility metadata).
    pub meta: Vec<(&'static str, String)>,
    /// The date stamped on every zip entry.
    pub date: Date,
    /// Right-to-left text: the nav says `dir="rtl"` and the spine
    /// `page-progression-direction="rtl"`.
    pub rtl: bool,
    /// Landmark type (`epub:type`) → its name in the publication's language.
    pub landmarks: [(&'static str, &'a str); 3],
    /// The accessible name of the landmarks navigation.
    pub landmarks_name: &'a str,
}

/// Rewrites the package document and re-packs the archive deterministically.
///
/// Only `mimetype` (stored, first) and the package and navigation documents
/// (rewritten) are written anew; every other entry's compressed bytes are
/// copied as they are (deflate output is deterministic), with a fixed time
/// and mode stamped on.
pub fn finish(epub: &[u8], fixes: &PackageFixes<'_>) -> Result<Vec<u8>, String> {
    let err = |e: zip::result::ZipError| e.to_string();
    let mut archive = ZipArchive::new(Cursor::new(epub)).map_err(err)?;
    let date = fixes.date;
    let stamp = DateTime::from_date_and_time(date.year.max(1980), date.month, date.day, 0, 0, 0)
        .unwrap_or_default();
    let options = |method| {
        SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(stamp)
            .unix_permissions(0o644)
    };
    let mut read = |name: &str| -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        archive
            .by_name(name)
            .map_err(err)?
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        Ok(bytes)
    };
    let opf = fix_opf(&read(OPF_PATH)?, fixes)?;
    let nav = fix_nav(&read(NAV_PATH)?, fixes)?;
    let ncx = fix_ncx(&read(NCX_PATH)?, fixes)?;

    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(epub.len() + 1024)));
    zip.start_file("mimetype", options(CompressionMethod::Stored))
        .map_err(err)?;
    zip.write_all(b"application/epub+zip")
        .map_err(|e| e.to_string())?;
    // The container first, then the package document, then the rest in
    // epub-builder's (deterministic) order.
    let mut rest: Vec<usize> = (0..archive.len()).collect();
    let rank = |name: &str| match name {
        "META-INF/container.xml" => 0,
        OPF_PATH => 1,
        _ => 2,
    };
    let names: Vec<String> = rest
        .iter()
        .map(|&i| archive.name_for_index(i).unwrap_or_default().to_string())
        .collect();
    rest.sort_by_key(|&i| rank(&names[i]));
    for i in rest {
        let name = &names[i];
        if name == "mimetype" || name.ends_with('/') {
            continue;
        }
        let rewritten = match name.as_str() {
            OPF_PATH => Some(&opf),
            NAV_PATH => Some(&nav),
            NCX_PATH => Some(&ncx),
            _ => None,
        };
        if let Some(bytes) = rewritten {
            zip.start_file(name.as_str(), options(CompressionMethod::Deflated))
                .map_err(err)?;
            zip.write_all(bytes).map_err(|e| e.to_string())?;
        } else {
            let file = archive.by_index_raw(i).map_err(err)?;
            zip.raw_copy_file_touch(file, stamp, Some(0o644))
                .map_err(err)?;
        }
    }
    Ok(zip.finish().map_err(err)?.into_inner())
}

/// href → id of every manifest item, to wire fallbacks by id.
fn manifest_ids(events: &[Event<'_>]) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    for event in events {
        if let Event::Empty(e) | Event::Start(e) = event
            && e.name().as_ref() == "item"
            && let (Some(href), Some(id)) = (attr(e, "href"), attr(e, "id"))
        {
            ids.insert(href, id);
        }
    }
    ids
}

/// What epub-builder's `<metadata>` lacks, written before it closes: the
/// publisher and the accessibility metadata.
fn metadata_additions(out: &mut Writer<Vec<u8>>, fixes: &PackageFixes<'_>) -> Result<(), String> {
    if let Some(publisher) = fixes.publisher {
        element(out, BytesStart::new("dc:publisher"), publisher)?;
    }
    for (property, value) in &fixes.meta {
        let mut meta = BytesStart::new("meta");
        meta.push_attribute(("property", *property));
        element(out, meta, value)?;
    }
    Ok(())
}

/// Rewrites `content.opf`, event by event.
fn fix_opf(opf: &[u8], fixes: &PackageFixes<'_>) -> Result<Vec<u8>, String> {
    let events = read_events(opf)?;
    let ids = manifest_ids(&events);
    // Fallback page id → the attachment whose spine slot it takes.
    let spine_swap: HashMap<&String, &String> = fixes
        .fallbacks
        .iter()
        .filter_map(|(file, page)| Some((ids.get(page)?, ids.get(file)?)))
        .collect();

    let mut out = Writer::new(Vec::with_capacity(opf.len() + 1024));
    let mut languages = 0;
    let mut in_identifier = false;
    let w = |out: &mut Writer<Vec<u8>>, e: Event<'_>| out.write_event(e).map_err(|e| e.to_string());
    for event in events {
        match event {
            Event::Start(e) if e.name().as_ref() == "package" => {
                let mut fixed = e.clone();
                fixed.push_attribute(("xml:lang", fixes.language));
                w(&mut out, Event::Start(fixed))?;
            }
            Event::Start(e) if e.name().as_ref() == "dc:identifier" => {
                in_identifier = true;
                w(&mut out, Event::Start(e))?;
                w(&mut out, Event::Text(BytesText::new(fixes.identifier)))?;
            }
            Event::Text(_) | Event::GeneralRef(_) if in_identifier => {}
            Event::End(e) if e.name().as_ref() == "dc:identifier" => {
                in_identifier = false;
                w(&mut out, Event::End(e))?;
            }
            Event::Start(e) if e.name().as_ref() == "dc:language" => {
                languages += 1;
                let mut fixed = BytesStart::new("dc:language");
                fixed.push_attribute(("id", format!("lang-{languages}").as_str()));
                w(&mut out, Event::Start(fixed))?;
            }
            Event::End(e) if e.name().as_ref() == "metadata" => {
                metadata_additions(&mut out, fixes)?;
                w(&mut out, Event::End(e))?;
            }
            Event::Empty(e) if e.name().as_ref() == "item" => {
                let mut fixed = e.clone();
                if let Some(page) = attr(&e, "href").and_then(|h| fixes.fallbacks.get(&h))
                    && let Some(page_id) = ids.get(page)
                {
                    fixed.push_attribute(("fallback", page_id.as_str()));
                }
                w(&mut out, Event::Empty(fixed))?;
            }
            // EPUB wants a linked PDF/CSV in the spine (non-linear) with an
            // XHTML fallback that is itself outside the spine: swap them.
            Event::Empty(e) if e.name().as_ref() == "itemref" => {
                let swapped = attr(&e, "idref").and_then(|id| spine_swap.get(&id).copied());
                match swapped {
                    Some(file_id) => {
                        let mut fixed = BytesStart::new("itemref");
                        fixed.push_attribute(("idref", file_id.as_str()));
                        fixed.push_attribute(("linear", "no"));
                        w(&mut out, Event::Empty(fixed))?;
                    }
                    None => w(&mut out, Event::Empty(e))?,
                }
            }
            other => w(&mut out, other)?,
        }
    }
    Ok(out.into_inner())
}

/// Rewrites `nav.xhtml`: the document gets its language, the table of
/// contents its DPUB-ARIA role (`doc-toc`) and name, and the landmarks nav
/// (for reading systems, not readers) is hidden and named, so the two
/// navigation landmarks are distinct.
fn fix_nav(nav: &[u8], fixes: &PackageFixes<'_>) -> Result<Vec<u8>, String> {
    let language = fixes.language;
    let mut out = Writer::new(Vec::with_capacity(nav.len() + 256));
    // The name of the landmark whose link is open: its text (epub-builder
    // writes the document's title) is replaced by the landmark's name.
    let mut landmark: Option<&str> = None;
    let mut named = false;
    for event in read_events(nav)? {
        let event = match event {
            Event::Start(e) if e.name().as_ref() == "html" => {
                let mut fixed = e.clone();
                fixed.push_attribute(("xml:lang", language));
                fixed.push_attribute(("lang", language));
                if fixes.rtl {
                    fixed.push_attribute(("dir", "rtl"));
                }
                Event::Start(fixed)
            }
            Event::Start(e) if e.name().as_ref() == "a" => {
                let kind = attr(&e, "epub:type");
                landmark = fixes
                    .landmarks
                    .iter()
                    .find(|(k, _)| Some(*k) == kind.as_deref())
                    .map(|(_, name)| *name);
                named = false;
                Event::Start(e)
            }
            Event::Text(_) | Event::GeneralRef(_) if landmark.is_some() => {
                if named {
                    continue;
                }
                named = true;
                Event::Text(BytesText::new(landmark.unwrap_or_default()).into_owned())
            }
            Event::End(e) if e.name().as_ref() == "a" => {
                landmark = None;
                Event::End(e)
            }
            Event::Start(e) if e.name().as_ref() == "nav" => {
                let mut fixed = e.clone();
                match attr(&e, "epub:type").as_deref() {
                    Some("toc") => {
                        fixed.push_attribute(("role", "doc-toc"));
                        fixed.push_attribute(("aria-labelledby", "toc-title"));
                    }
                    Some("landmarks") => {
                        fixed.push_attribute(("aria-label", fixes.landmarks_name));
                        fixed.push_attribute(("hidden", "hidden"));
                    }
                    _ => {}
                }
                Event::Start(fixed)
            }
            other => other,
        };
        out.write_event(event).map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}

/// Rewrites `toc.ncx` for reading systems that still read it: the
/// document is in the publication's language, identifies the publication
/// (`dtb:uid`, the package's identifier), is titled with its title and
/// states how deep its entries nest (`dtb:depth`; epub-builder says 1).
fn fix_ncx(ncx: &[u8], fixes: &PackageFixes<'_>) -> Result<Vec<u8>, String> {
    let events = read_events(ncx)?;
    let (mut open, mut depth) = (0usize, 1usize);
    for event in &events {
        match event {
            Event::Start(e) if e.name().as_ref() == "navPoint" => {
                open += 1;
                depth = depth.max(open);
            }
            Event::End(e) if e.name().as_ref() == "navPoint" => open = open.saturating_sub(1),
            _ => {}
        }
    }
    let depth = depth.to_string();
    let mut out = Writer::new(Vec::with_capacity(ncx.len() + 256));
    let mut in_doc_title = false;
    let mut titled = false;
    for event in events {
        let event = match event {
            Event::Empty(e)
                if e.name().as_ref() == "meta"
                    && attr(&e, "name").as_deref() == Some("dtb:depth") =>
            {
                let mut fixed = BytesStart::new("meta");
                fixed.push_attribute(("name", "dtb:depth"));
                fixed.push_attribute(("content", depth.as_str()));
                Event::Empty(fixed)
            }
            Event::Start(e) if e.name().as_ref() == "ncx" => {
                let mut fixed = e.clone();
                fixed.push_attribute(("xml:lang", fixes.language));
                Event::Start(fixed)
            }
            Event::Start(e) if e.name().as_ref() == "head" => {
                out.write_event(Event::Start(e))
                    .map_err(|e| e.to_string())?;
                let mut uid = BytesStart::new("meta");
                uid.push_attribute(("name", "dtb:uid"));
                uid.push_attribute(("content", fixes.identifier));
                Event::Empty(uid)
            }
            Event::Start(e) if e.name().as_ref() == "docTitle" => {
                in_doc_title = true;
                Event::Start(e)
            }
            Event::End(e) if e.name().as_ref() == "docTitle" => {
                in_doc_title = false;
                Event::End(e)
            }
            Event::Text(_) | Event::GeneralRef(_) if in_doc_title => {
                // The text of `<text>` (the only element in docTitle), once;
                // whitespace between the elements stays as it is.
                if titled {
                    continue;
                }
                match &event {
                    Event::Text(t) if t.as_ref().trim().is_empty() => event,
                    _ => {
                        titled = true;
                        Event::Text(BytesText::new(fixes.title).into_owned())
                    }
                }
            }
            other => other,
        };
        out.write_event(event).map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}

fn read_events(xml: &[u8]) -> Result<Vec<Event<'static>>, String> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut events = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => return Ok(events),
            Ok(event) => events.push(event.into_owned()),
            Err(e) => return Err(format!("package document: {e}")),
        }
        buf.clear();
    }
}

fn element(out: &mut Writer<Vec<u8>>, start: BytesStart<'_>, text: &str) -> Result<(), String> {
    let end = BytesEnd::new(start.name().as_ref().to_string());
    for event in [
        Event::Start(start),
        Event::Text(BytesText::new(text)),
        Event::End(end),
    ] {
        out.write_event(event).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Explicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nav_gets_its_language_and_distinct_named_landmarks() {
        let nav = br#"<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<body><nav epub:type = "toc" id="toc"><h1 id="toc-title">Contents</h1></nav>
<nav epub:type = "landmarks"><ol><li><a epub:type="titlepage" href="title.xhtml">A &amp; B</a></li></ol></nav></body></html>"#;
        let fixes = PackageFixes {
            identifier: "urn:x",
            title: "Titre",
            language: "fr-CA",
            publisher: None,
            fallbacks: HashMap::new(),
            meta: Vec::new(),
            date: Date {
                year: 2024,
                month: 1,
                day: 1,
            },
            rtl: false,
            landmarks: [
                ("cover", "Couverture"),
                ("titlepage", "Page de titre"),
                ("bodymatter", "Début"),
            ],
            landmarks_name: "Repères",
        };
        let fixed = String::from_utf8(fix_nav(nav, &fixes).unwrap()).unwrap();
        assert!(
            fixed.contains(r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="fr-CA" lang="fr-CA">"#),
            "{fixed}"
        );
        assert!(
            fixed.contains(r#"id="toc" role="doc-toc" aria-labelledby="toc-title">"#),
            "{fixed}"
        );
        assert!(
            fixed.contains(r#"epub:type = "landmarks" aria-label="Repères" hidden="hidden">"#),
            "{fixed}"
        );
        assert!(
            fixed.contains(r#"href="title.xhtml">Page de titre</a>"#),
            "the landmark is named in the language, once: {fixed}"
        );
        let rtl = PackageFixes {
            rtl: true,
            language: "ar",
            ..fixes
        };
        let fixed = String::from_utf8(fix_nav(nav, &rtl).unwrap()).unwrap();
        assert!(fixed.contains(r#"lang="ar" dir="rtl">"#), "{fixed}");
    }
}
