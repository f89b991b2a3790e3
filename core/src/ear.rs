//! The learned ear's words: the 100 MusiCNN tags (50 MSD, 50 MTT) folded
//! into one vocabulary a person reads ("female vocalists", "woman" and
//! "female voice" are all "female vocals"), a track's top tags, the phrase
//! an explanation uses ("both mellow and ambient, with piano"), and the
//! matching rule the library filter and the exclusions share.

use std::collections::HashMap;
use std::sync::OnceLock;

use playgenie_models::listener::{MSD_TAGS, MTT_TAGS};

use crate::db::Listening;

/// A track's top tags: at most this many ...
pub const TOP_TAGS: usize = 3;
/// ... each at least this probable.
pub const TOP_TAG_MIN: f32 = 0.1;

/// The display name of a MusiCNN tag (lower case, synonyms folded).
pub fn fold(tag: &str) -> String {
    let lower = tag.trim().to_lowercase();
    let folded = match lower.as_str() {
        "female vocalists" | "female vocalist" | "female" | "woman" | "female vocal"
        | "female voice" => "female vocals",
        "male vocalists" | "male" | "man" | "male vocal" | "male voice" => "male vocals",
        "vocal" | "singing" | "voice" => "vocals",
        "no vocals" | "no vocal" | "no voice" => "instrumental",
        "classic" => "classical",
        "electronica" | "electro" => "electronic",
        "choral" => "choir",
        "beat" => "beats",
        "chillout" => "chill",
        other => other,
    };
    folded.to_owned()
}

/// The folded vocabulary and, per MSD and MTT output, its entry.
struct Vocabulary {
    names: Vec<String>,
    msd: Vec<usize>,
    mtt: Vec<usize>,
}

fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let mut names: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut entry = |tag: &str| {
            let name = fold(tag);
            *index.entry(name.clone()).or_insert_with(|| {
                names.push(name);
                names.len() - 1
            })
        };
        let msd = MSD_TAGS.iter().map(|t| entry(t)).collect();
        let mtt = MTT_TAGS.iter().map(|t| entry(t)).collect();
        Vocabulary { names, msd, mtt }
    })
}

/// Every display tag, in vocabulary order.
pub fn tag_names() -> &'static [String] {
    &vocabulary().names
}

/// Per display tag, the largest probability any of its MusiCNN tags got.
pub fn tag_probabilities(heard: &Listening) -> Vec<f32> {
    let v = vocabulary();
    let mut p = vec![0.0f32; v.names.len()];
    for (probs, map) in [(&heard.msd, &v.msd), (&heard.mtt, &v.mtt)] {
        for (&x, &i) in probs.iter().zip(map) {
            p[i] = p[i].max(x);
        }
    }
    p
}

/// The strongest display tags (at most [`TOP_TAGS`], each at least
/// [`TOP_TAG_MIN`]), strongest first.
pub fn top_tags(heard: &Listening) -> Vec<String> {
    strongest(&tag_probabilities(heard), TOP_TAGS)
}

/// The `n` most probable display tags of a probability vector (each at
/// least [`TOP_TAG_MIN`]).
pub fn strongest(p: &[f32], n: usize) -> Vec<String> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i] >= TOP_TAG_MIN).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    order
        .into_iter()
        .take(n)
        .map(|i| tag_names()[i].clone())
        .collect()
}

/// Tags that name an instrument (said "with piano").
fn is_instrument(tag: &str) -> bool {
    matches!(
        tag,
        "guitar"
            | "piano"
            | "strings"
            | "violin"
            | "synth"
            | "drums"
            | "flute"
            | "harp"
            | "cello"
            | "sitar"
            | "harpsichord"
            | "choir"
            | "beats"
    )
}

/// "mellow and ambient, with piano": tags joined as a person says them,
/// instruments last after "with".
pub fn phrase(tags: &[String]) -> String {
    let (instruments, rest): (Vec<&String>, Vec<&String>) =
        tags.iter().partition(|t| is_instrument(t));
    let join = |words: &[&String]| match words {
        [] => String::new(),
        [one] => (*one).clone(),
        [init @ .., last] => format!(
            "{} and {last}",
            init.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    match (rest.is_empty(), instruments.is_empty()) {
        (false, false) => format!("{}, with {}", join(&rest), join(&instruments)),
        (false, true) => join(&rest),
        (true, false) => format!("with {}", join(&instruments)),
        (true, true) => String::new(),
    }
}

/// Whether a track with these top tags and this genre tag (from the file)
/// carries `wanted` (folded, so "electro" finds "electronic"): the rule of
/// the library's tag filter and of "never suggest".
pub fn has_tag(wanted: &str, top_tags: &[String], genre: Option<&str>) -> bool {
    let wanted = fold(wanted);
    if wanted.is_empty() {
        return false;
    }
    top_tags.contains(&wanted)
        || genre.is_some_and(|g| g.split([';', ',', '/']).any(|part| fold(part) == wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(msd: &[(&str, f32)], mtt: &[(&str, f32)]) -> Listening {
        let fill = |names: &[&str; 50], set: &[(&str, f32)]| {
            names
                .iter()
                .map(|n| set.iter().find(|(m, _)| m == n).map_or(0.01, |(_, p)| *p))
                .collect()
        };
        Listening {
            msd: fill(&MSD_TAGS, msd),
            mtt: fill(&MTT_TAGS, mtt),
            embedding: vec![0.0; 200],
        }
    }

    #[test]
    fn synonyms_fold_into_one_tag_at_their_strongest() {
        let h = heard(
            &[("female vocalists", 0.2), ("electronica", 0.3)],
            &[("woman", 0.5)],
        );
        assert_eq!(top_tags(&h), vec!["female vocals", "electronic"]);
        assert!(tag_names().len() < 100);
        assert_eq!(
            tag_names().iter().filter(|n| *n == "female vocals").count(),
            1
        );
    }

    #[test]
    fn top_tags_are_few_and_probable() {
        let h = heard(
            &[
                ("ambient", 0.6),
                ("chillout", 0.4),
                ("jazz", 0.3),
                ("rock", 0.2),
            ],
            &[("piano", 0.05)],
        );
        assert_eq!(top_tags(&h), vec!["ambient", "chill", "jazz"]);
        assert!(top_tags(&heard(&[], &[])).is_empty());
    }

    #[test]
    fn phrases_read_as_words() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            phrase(&tags(&["mellow", "ambient", "piano"])),
            "mellow and ambient, with piano"
        );
        assert_eq!(
            phrase(&tags(&["classical", "strings", "violin"])),
            "classical, with strings and violin"
        );
        assert_eq!(phrase(&tags(&["techno"])), "techno");
        assert_eq!(phrase(&tags(&["synth"])), "with synth");
    }

    #[test]
    fn matching_folds_and_reads_the_genre_tag() {
        let top = vec!["electronic".to_owned(), "ambient".to_owned()];
        assert!(has_tag("Electro", &top, None));
        assert!(has_tag("christmas", &top, Some("Pop; Christmas")));
        assert!(!has_tag("rock", &top, Some("Soundtrack")));
        assert!(!has_tag("  ", &top, None));
    }
}
