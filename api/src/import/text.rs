//! A file's bytes as text. Standards files are UTF-8; a file in another encoding is
//! refused with the place of its first bad byte and how to convert it, never read with
//! replacement characters (`F�brica`). A byte-order mark says UTF-8 or UTF-16 for sure, so
//! those are decoded; other encodings cannot be told apart reliably and are not guessed.

/// The text of `bytes`, or why it is not text this importer reads.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!(
            "is not UTF-8 text: byte 0x{:02X} at offset {at} (line {line}) is not valid UTF-8; \
             save the file as UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8 in > out` for a \
             Latin-1 or Windows file) and import it again",
            bytes[at]
        )
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(
            "is UTF-16 text (it starts with a byte-order mark) of an odd length: \
                    the file is cut short"
                .to_owned(),
        );
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| unit([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units)
        .map_err(|_| "is UTF-16 text with an unpaired surrogate: the file is damaged".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_or_without_a_mark_is_read() {
        assert_eq!(decode("Fábrica".as_bytes()).unwrap(), "Fábrica");
        assert_eq!(decode("\u{FEFF}Fábrica".as_bytes()).unwrap(), "Fábrica");
    }

    #[test]
    fn utf16_with_a_mark_is_read() {
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in "Fábrica".encode_utf16() {
            le.extend(unit.to_le_bytes());
            be.extend(unit.to_be_bytes());
        }
        assert_eq!(decode(&le).unwrap(), "Fábrica");
        assert_eq!(decode(&be).unwrap(), "Fábrica");
        assert!(decode(&le[..le.len() - 1]).is_err());
    }

    #[test]
    fn latin1_is_refused_naming_the_place_and_the_fix() {
        let err = decode(b"{\n  \"title\": \"F\xE1brica\"\n}").unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
        assert!(err.contains("0xE1") && err.contains("line 2"), "{err}");
        assert!(err.contains("iconv"), "{err}");
    }
}
