//! The local path an image's destination names.
//!
//! CommonMark link destinations are URLs: editors write a space in a file
//! name as `%20` (`![chart](figures/my%20chart.svg)`) and pandoc and GitHub
//! resolve it to `figures/my chart.svg`. Each `/`-separated part is
//! percent-decoded on its own, before the usual confinement checks; an escape
//! that would change the path's shape (a `/`, `\` or NUL, or a `.`/`..`
//! part) or is not a valid escape is refused, never guessed.

use percent_encoding::percent_decode_str;

/// The file path `destination` names, or why it cannot be read as one.
pub(super) fn decode(destination: &str) -> Result<String, String> {
    if !destination.contains('%') {
        return Ok(destination.to_string());
    }
    let mut parts = Vec::new();
    for part in destination.split('/') {
        if let Some(at) = malformed_escape(part) {
            return Err(format!(
                "`{destination}` has `%` not followed by two hexadecimal digits (`{}`)",
                &part[at..part.len().min(at + 3)]
            ));
        }
        let decoded = percent_decode_str(part)
            .decode_utf8()
            .map_err(|_| format!("`{destination}` decodes to a file name that is not UTF-8"))?;
        if decoded.contains(['/', '\\', '\0']) {
            return Err(format!(
                "`{destination}` encodes a `/`, `\\` or NUL inside a file name"
            ));
        }
        if decoded != part && matches!(&*decoded, "." | "..") {
            return Err(format!(
                "`{destination}` encodes `{decoded}` as a folder name"
            ));
        }
        parts.push(decoded.into_owned());
    }
    Ok(parts.join("/"))
}

/// Where in `part` a `%` is not followed by two hexadecimal digits.
fn malformed_escape(part: &str) -> Option<usize> {
    let bytes = part.as_bytes();
    bytes.iter().enumerate().find_map(|(at, &byte)| {
        let escape = bytes.get(at + 1..at + 3);
        let valid = escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
        (byte == b'%' && !valid).then_some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn escapes_decode_part_by_part() {
        assert_eq!(decode("i/plain.svg").as_deref(), Ok("i/plain.svg"));
        assert_eq!(decode("i/my%20image.svg").as_deref(), Ok("i/my image.svg"));
        assert_eq!(decode("%C3%BC/%c3%bc.svg").as_deref(), Ok("ü/ü.svg"));
        assert_eq!(decode("100%25.svg").as_deref(), Ok("100%.svg"));
        assert_eq!(decode("../a%20b.svg").as_deref(), Ok("../a b.svg"));
    }

    #[test]
    fn escapes_that_change_the_path_or_are_broken_are_refused() {
        for refused in [
            "a%2Fb.svg",
            "a%5cb.svg",
            "a%00.svg",
            "%2E%2E/x.svg",
            "x/%2e/y.svg",
            "100%.svg",
            "a%2.svg",
            "a%zz.svg",
            "%FF.svg",
        ] {
            assert!(decode(refused).is_err(), "{refused}");
        }
        assert_eq!(
            decode("100%.svg"),
            Err("`100%.svg` has `%` not followed by two hexadecimal digits (`%.s`)".into())
        );
    }
}
