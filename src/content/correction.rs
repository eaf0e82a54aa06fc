//! Corrections: a source that added a correction, clarification or editor's note. The first
//! thing a standards desk must know about a source it cited, so it is news of its own.
//!
//! A correction is a paragraph of the new text that the old one did not have and that opens
//! with a correction marker ("Correction:", "An earlier version of this article...",
//! "Editor's note:", "Berichtigung:", "Rectificatif :", "Fe de errores:", "Errata corrige",
//! "Sprostowanie"...), in the eight languages of the cues.

use std::collections::HashSet;

/// How a correction paragraph opens (lower case, after typographic normalization).
const MARKERS: &[&str] = &[
    // English
    "correction:",
    "correction,",
    "corrections:",
    "clarification:",
    "editor's note:",
    "editors' note:",
    "editor’s note:",
    "update and correction:",
    "an earlier version of this",
    "a previous version of this",
    "an earlier version of the",
    "this article has been corrected",
    "this article was corrected",
    "this story has been corrected",
    "this story was corrected",
    "this article has been amended",
    "this article was amended",
    "this article has been updated to correct",
    "this story has been updated to correct",
    "we have corrected",
    // German
    "korrektur:",
    "berichtigung:",
    "richtigstellung:",
    "anmerkung der redaktion:",
    "in einer früheren version",
    "in einer vorherigen version",
    "dieser artikel wurde korrigiert",
    // French
    "correction :",
    "rectificatif :",
    "rectificatif:",
    "erratum :",
    "erratum:",
    "note de la rédaction :",
    "note de la rédaction:",
    "une version précédente de cet article",
    "cet article a été corrigé",
    // Spanish
    "corrección:",
    "fe de errores:",
    "fe de erratas:",
    "nota del editor:",
    "nota de la redacción:",
    "una versión anterior de este",
    "este artículo ha sido corregido",
    // Portuguese
    "correção:",
    "errata:",
    "nota do editor:",
    "nota da redação:",
    "uma versão anterior deste",
    "este texto foi corrigido",
    "esta reportagem foi corrigida",
    // Italian
    "correzione:",
    "rettifica:",
    "errata corrige",
    "nota della redazione:",
    "una versione precedente di questo",
    "questo articolo è stato corretto",
    // Dutch
    "correctie:",
    "rectificatie:",
    "noot van de redactie:",
    "in een eerdere versie van dit",
    "dit artikel is aangepast",
    "dit artikel is gecorrigeerd",
    // Polish
    "sprostowanie:",
    "korekta:",
    "nota redakcji:",
    "od redakcji:",
    "we wcześniejszej wersji",
    "artykuł został poprawiony",
];

/// Words that open a correction when punctuation follows them, as dated markers do
/// ("Correction, Nov. 2, 2026:", "Korrektur (2. November):", "Rectificatif, 2 novembre :").
const MARKER_WORDS: &[&str] = &[
    "correction",
    "clarification",
    "korrektur",
    "berichtigung",
    "richtigstellung",
    "rectificatif",
    "erratum",
    "corrección",
    "aclaración",
    "correção",
    "esclarecimento",
    "correzione",
    "rettifica",
    "precisazione",
    "correctie",
    "rectificatie",
    "sprostowanie",
    "korekta",
];

/// The longest paragraph read as a correction, in words (a longer one is an article paragraph
/// that happens to start so).
const MAX_WORDS: usize = 120;

/// The first paragraph of `after` that `before` did not have and that is a correction, cut to
/// 400 characters.
#[must_use]
pub fn added_correction(before: &str, after: &str) -> Option<String> {
    let old: HashSet<&str> = before.lines().collect();
    after
        .lines()
        .filter(|l| !old.contains(l))
        .find(|l| is_correction(l))
        .map(|l| l.chars().take(400).collect())
}

/// Whether a paragraph opens as a correction, clarification or editor's note does.
#[must_use]
pub fn is_correction(paragraph: &str) -> bool {
    if paragraph.split_whitespace().count() > MAX_WORDS {
        return false;
    }
    let start: String = super::text::normalize(paragraph)
        .chars()
        .take(80)
        .collect::<String>()
        .to_lowercase();
    let start = start.trim_start_matches(['*', '-', '(', '[', ' ']);
    MARKERS.iter().any(|m| start.starts_with(m))
        || MARKER_WORDS.iter().any(|w| {
            start.strip_prefix(w).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with([':', ',', '(', '–', '—', '-', '.'])
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_paragraphs_in_eight_languages_are_recognized() {
        for p in [
            "Correction: An earlier version of this article misstated the minister's title.",
            "An earlier version of this story gave the wrong date for the summit.",
            "Editor’s note: This article has been updated to include a response from the ministry.",
            "Clarification: The report was published by the council, not the ministry.",
            "Berichtigung: In einer früheren Version hieß es, der Minister sei zurückgetreten.",
            "Rectificatif : une version précédente de cet article indiquait une date erronée.",
            "Fe de errores: una versión anterior de este artículo citaba mal al ministro.",
            "Correção: uma versão anterior deste texto informava a data errada.",
            "Errata corrige: nella versione precedente il nome era sbagliato.",
            "Correctie: in een eerdere versie van dit artikel stond een verkeerde datum.",
            "Sprostowanie: we wcześniejszej wersji artykułu podaliśmy błędną datę.",
            "Korrektur, 2. November 2026: In einer früheren Version war das Datum falsch.",
            "Corrección, 2 de noviembre de 2026: una versión anterior indicaba mal la fecha.",
            "Rectificatif, 2 novembre 2026 : la date du vote était erronée.",
            "Correction (Nov. 2): The vote was on Tuesday.",
        ] {
            assert!(is_correction(p), "{p}");
        }
        for p in [
            "The minister said a correction of the budget was needed.",
            "Corrections officers went on strike on Tuesday.",
            "Correction officers said the prison was full.",
            "Korrekturen am Haushalt seien nötig, sagte der Minister.",
            "The council approved the budget.",
        ] {
            assert!(!is_correction(p), "{p}");
        }
    }

    #[test]
    fn only_a_new_correction_paragraph_counts() {
        let before = "Talks resume.\nThe minister spoke.";
        let after = "Talks resume.\nThe minister spoke.\nCorrection: The minister spoke on Tuesday, not Monday.";
        assert_eq!(
            added_correction(before, after).as_deref(),
            Some("Correction: The minister spoke on Tuesday, not Monday.")
        );
        assert_eq!(added_correction(after, after), None);
    }
}
