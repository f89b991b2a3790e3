use super::*;

fn paths(parsed: &Parsed) -> Vec<String> {
    parsed
        .entries
        .iter()
        .map(|e| match &e.location {
            Location::Path(p) => p.display().to_string(),
            Location::Remote(u) => u.clone(),
        })
        .collect()
}

#[test]
fn extended_m3u_with_bom_crlf_urls_and_bad_lines() {
    let text = "\u{FEFF}#EXTM3U\r\n#PLAYLIST:Road trip\r\n#EXTINF:215,Artist - Song\r\nmusic/a.ogg\r\n\r\nfile:///home/me/My%20Music/b.flac\r\nhttps://radio.example/stream\r\n#EXTINF:oops,x\r\nC:\\Music\\c.mp3\r\n/abs/d.mp3\r\n";
    let parsed = parse(text.as_bytes(), Format::M3u).unwrap();
    assert_eq!(parsed.title.as_deref(), Some("Road trip"));
    assert_eq!(
        paths(&parsed),
        [
            "music/a.ogg",
            "/home/me/My Music/b.flac",
            "https://radio.example/stream",
            "/abs/d.mp3"
        ]
    );
    let first = &parsed.entries[0];
    assert_eq!((first.line, first.duration_ms), (4, Some(215_000)));
    assert_eq!(first.artist.as_deref(), Some("Artist"));
    assert_eq!(first.title.as_deref(), Some("Song"));
    let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [8, 9]);
}

#[test]
fn an_absurd_pls_length_is_ignored_not_overflowed() {
    // Found by fuzzing (formats/fuzz, playlist_pls): Length × 1000
    // overflowed.
    let parsed = parse(
        b"I[pF\0\0pl\nLength3=644444444444444444444\nFile3=a.ogg\n",
        Format::Pls,
    )
    .unwrap();
    assert_eq!(parsed.entries[0].duration_ms, None);
    let parsed = parse(
        b"[playlist]\nFile1=a.ogg\nLength1=644444444444444444\n",
        Format::Pls,
    )
    .unwrap();
    assert_eq!(parsed.entries[0].duration_ms, None);
}

#[test]
fn latin1_m3u_and_windows_relative_paths() {
    let parsed = parse(b"Bj\xF6rk\\J\xF3ga.mp3\n", Format::M3u).unwrap();
    assert_eq!(paths(&parsed), ["Björk/Jóga.mp3"]);
}

#[test]
fn pls_in_any_order_with_problems() {
    let text = "[playlist]\nTitle2=Second\nFile2=b.ogg\nFile1=/x/a.ogg\nLength1=61\nnonsense\nNumberOfEntries=2\nVersion=2\nTitle3=orphan\n";
    let parsed = parse(text.as_bytes(), Format::Pls).unwrap();
    assert_eq!(paths(&parsed), ["/x/a.ogg", "b.ogg"]);
    assert_eq!(parsed.entries[0].duration_ms, Some(61_000));
    assert_eq!(parsed.entries[1].title.as_deref(), Some("Second"));
    assert_eq!(parsed.problems.len(), 2, "{:?}", parsed.problems);
}

#[test]
fn xspf_with_entities_relative_uris_and_a_track_without_location() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/">
  <title>Rock &amp; Roll</title>
  <trackList>
    <track><location>songs/a%20b.ogg</location><title>A &#38; B</title><creator>X</creator><duration>1000</duration></track>
    <track><title>nowhere</title></track>
    <track><location>http://example.org/x.mp3</location></track>
  </trackList>
</playlist>"#;
    let parsed = parse(xml.as_bytes(), Format::Xspf).unwrap();
    assert_eq!(parsed.title.as_deref(), Some("Rock & Roll"));
    assert_eq!(
        paths(&parsed),
        ["songs/a b.ogg", "http://example.org/x.mp3"]
    );
    assert_eq!(parsed.entries[0].title.as_deref(), Some("A & B"));
    assert_eq!(parsed.entries[0].line, 5);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, 6);
}

#[test]
fn xspf_entity_expansion_expands_nothing() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE playlist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<playlist version="1"><title>&c;</title><trackList><track><location>/a.ogg</location></track></trackList></playlist>"#;
    let parsed = parse(xml.as_bytes(), Format::Xspf).unwrap();
    assert_eq!(parsed.title, None);
    assert_eq!(parsed.entries.len(), 1);
    assert!(parsed.problems[0].message.contains("unknown entity"));
}

#[test]
fn deeply_nested_xml_is_refused() {
    let xml = format!("<playlist>{}", "<a>".repeat(100_000));
    let err = parse(xml.as_bytes(), Format::Xspf).unwrap_err();
    assert!(matches!(err, FormatError::TooDeep { .. }), "{err}");
}

#[test]
fn garbage_is_an_error_or_problems_never_a_panic() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for format in [Format::M3u, Format::Pls, Format::Xspf] {
        let _ = parse(&garbage, format);
    }
}

#[test]
fn a_million_lines_stop_at_the_entry_limit() {
    let text = "a.ogg\n".repeat(1_000_000);
    let parsed = parse(text.as_bytes(), Format::M3u).unwrap();
    assert_eq!(parsed.entries.len(), MAX_ENTRIES);
    assert_eq!(parsed.problems.len(), 1);
}

#[test]
fn detection_by_name_then_content() {
    assert_eq!(Format::detect(Some("x.M3U8"), b""), Format::M3u);
    assert_eq!(Format::detect(None, b"  <?xml version"), Format::Xspf);
    assert_eq!(Format::detect(None, b"[playlist]\n"), Format::Pls);
    assert_eq!(Format::detect(Some("list.txt"), b"a.mp3"), Format::M3u);
}

fn sample() -> Vec<ExportEntry> {
    vec![
        ExportEntry {
            path: PathBuf::from("/music/Ärger & Co/01 a b.ogg"),
            artist: "Ärger & Co".into(),
            title: "One, two".into(),
            album: "<Album>".into(),
            duration_ms: Some(61_400),
        },
        ExportEntry {
            path: PathBuf::from("/elsewhere/c.flac"),
            artist: "C".into(),
            title: "Three".into(),
            album: String::new(),
            duration_ms: None,
        },
    ]
}

/// Writes the sample with `write` in both path styles, parses it back as
/// `format` and checks title, paths and the first entry's duration.
fn round_trip(
    write: fn(&str, &[ExportEntry], &PathStyle) -> Result<String, FormatError>,
    format: Format,
    title: &str,
    duration_ms: u64,
) {
    for style in [
        PathStyle::Absolute,
        PathStyle::RelativeTo(PathBuf::from("/music/lists")),
    ] {
        let text = write(title, &sample(), &style).unwrap();
        let parsed = parse(text.as_bytes(), format).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.title.as_deref(), Some(title));
        let resolved: Vec<PathBuf> = parsed
            .entries
            .iter()
            .filter_map(|e| e.location.resolve(Path::new("/music/lists")))
            .map(|p| normalise(&p))
            .collect();
        let expected: Vec<PathBuf> = sample().into_iter().map(|e| e.path).collect();
        assert_eq!(resolved, expected, "{style:?}\n{text}");
        assert_eq!(parsed.entries[0].duration_ms, Some(duration_ms));
        assert_eq!(parsed.entries[0].artist.as_deref(), Some("Ärger & Co"));
    }
}

#[test]
fn m3u8_round_trip_absolute_and_relative() {
    // #EXTINF carries whole seconds.
    round_trip(write_m3u8, Format::M3u, "Mix", 61_000);
}

#[test]
fn xspf_round_trip_absolute_and_relative() {
    round_trip(write_xspf, Format::Xspf, "Rock & <Roll>", 61_400);
}

/// `a/b/../c` → `a/c`, lexically (the test paths do not exist).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn xspf_export_of_control_characters_stays_valid_xml() {
    let entries = vec![ExportEntry {
        path: PathBuf::from("/music/a\u{1}b.flac"),
        artist: "Bell\u{7}Ringer\u{1b}[31m".into(),
        title: "Null\u{0}Title\u{FFFF}".into(),
        album: "Form\u{c}feed".into(),
        duration_ms: Some(1000),
    }];
    let text = write_xspf("List\u{8}", &entries, &PathStyle::Absolute).unwrap();
    assert!(
        !text.chars().any(|c| c < ' ' && c != '\n'),
        "control characters left in {text:?}"
    );
    let parsed = parse(text.as_bytes(), Format::Xspf).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.entries[0].artist.as_deref(), Some("BellRinger[31m"));
    assert_eq!(parsed.title.as_deref(), Some("List"));
}
