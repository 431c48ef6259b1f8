//! Media types: what an asset is, from its bytes (images) or its name (attachments).

/// Sniffs an image's type from its bytes; SVG by extension and root element.
pub fn image_media_type(path: &str, data: &[u8]) -> Option<&'static str> {
    if path.to_ascii_lowercase().ends_with(".svg") {
        let head = String::from_utf8_lossy(&data[..data.len().min(4096)]);
        return head.contains("<svg").then_some("image/svg+xml");
    }
    match imagesize::image_type(data).ok()? {
        imagesize::ImageType::Png => Some("image/png"),
        imagesize::ImageType::Jpeg => Some("image/jpeg"),
        imagesize::ImageType::Gif => Some("image/gif"),
        _ => None,
    }
}

/// The media type of an attachment, from its extension.
pub fn attachment_media_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
