//! Datelines and timestamps: the short lines a page refreshes on every visit ("Updated 10:32
//! GMT", "3 hours ago", "Monday, 30 November 2026") are kept out of the compared text, so that a
//! refreshed timestamp never reads as an edit of the article. So are the lines of the page's
//! furniture ([`super::furniture`]: picture credits, labels, newsletter promotions), which are not
//! the article's words either.
//!
//! A line is a dateline when it is short (at most 14 words) and either starts with an update or
//! publication word (Updated, Published, Posted, Aktualisiert, Publié, Actualizado, Atualizado,
//! Aggiornato, Bijgewerkt, Zaktualizowano...) followed by a date or time, or consists of date and
//! time words only (month and weekday names, day numbers, years, clock times, time zones,
//! "ago"...) with at least one that only a date or time has. A row of figures ("2025 1,200
//! 3,400") is not a dateline: figures beyond day numbers and years are not date words.

use super::furniture::is_furniture;

/// Words an update or publication line starts with, lower-cased, in English, German, French,
/// Spanish, Portuguese, Italian, Dutch and Polish.
const PREFIXES: &[&str] = &[
    "updated",
    "last updated",
    "published",
    "first published",
    "posted",
    "last modified",
    "modified",
    "aktualisiert",
    "zuletzt aktualisiert",
    "veröffentlicht",
    "stand",
    "publié",
    "mis à jour",
    "modifié",
    "actualizado",
    "publicado",
    "atualizado",
    "aggiornato",
    "pubblicato",
    "bijgewerkt",
    "laatst bijgewerkt",
    "gepubliceerd",
    "zaktualizowano",
    "opublikowano",
    "aktualizacja",
];

/// Month and weekday names and their abbreviations (without a final dot), lower-cased.
const CALENDAR: &[&str] = &[
    // English
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "sat",
    "sun",
    // German
    "januar",
    "jänner",
    "februar",
    "märz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "okt",
    "dez",
    // French
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "janv",
    "févr",
    "avr",
    "juil",
    "déc",
    // Spanish and Portuguese
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
    "janeiro",
    "fevereiro",
    "março",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    // Italian
    "gennaio",
    "febbraio",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "settembre",
    "ottobre",
    "dicembre",
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
    // Dutch
    "januari",
    "februari",
    "maart",
    "mei",
    "augustus",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
    // Polish
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
    "poniedziałek",
    "wtorek",
    "środa",
    "czwartek",
    "piątek",
    "sobota",
    "niedziela",
];

/// Words that only a time of day or a date has: meridians, time zones, "yesterday".
const CLOCK: &[&str] = &[
    "am",
    "pm",
    "a.m",
    "p.m",
    "gmt",
    "utc",
    "bst",
    "cet",
    "cest",
    "edt",
    "est",
    "pst",
    "pdt",
    "cst",
    "mez",
    "mesz",
    "uhr",
    "yesterday",
    "today",
    "gestern",
    "heute",
    "hier",
    "aujourd'hui",
    "ayer",
    "hoy",
    "ontem",
    "hoje",
    "ieri",
    "oggi",
    "gisteren",
    "vandaag",
    "wczoraj",
    "dzisiaj",
];

/// Units of a duration: a date word only in a relative time ("3 hours ago", "vor 3 Stunden"),
/// not in "15 - 30 min" (a recipe's time).
const UNITS: &[&str] = &[
    "h", "hrs", "hr", "hours", "hour", "mins", "min", "minutes", "minute", "seconds", "days",
    "day", "stunden", "stunde", "minuten", "tagen", "heures", "heure", "jours", "horas", "hora",
    "minutos", "días", "dias", "ore", "ora", "minuti", "giorni", "uur", "minuten", "dagen", "godz",
    "godzin", "godziny", "minut", "dni",
];

/// What makes a duration relative to now: "ago", "vor", "il y a", "hace", "há", "fa",
/// "geleden", "temu".
const AGO: &[&str] = &[
    "ago", "vor", "il", "y", "a", "hace", "há", "fa", "geleden", "temu",
];

/// Words that may sit between date words: "on", "at", "by"..., and separators.
const FILLER: &[&str] = &[
    "on", "at", "the", "of", "de", "del", "do", "da", "di", "le", "am", "um", "à", "a", "om", "op",
    "w", "o", "|", "-", "·", "•", "/", ",", "—", "–", "en", "el", "um", "alle", "ás", "às",
];

/// Whether a line of normalized text is a dateline or timestamp.
#[must_use]
pub fn is_dateline(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words.is_empty() || words.len() > 14 || lower.chars().count() > 120 {
        return false;
    }
    let rest = PREFIXES.iter().find_map(|p| {
        lower
            .strip_prefix(p)
            .filter(|r| r.is_empty() || r.starts_with([' ', ':', ',', '.']))
    });
    let rest_words: Vec<&str> = match rest {
        Some(r) => r.split_whitespace().collect(),
        None => words,
    };
    let mut strong = false;
    let mut other = 0;
    let (mut unit, mut ago) = (false, false);
    for word in &rest_words {
        let w = word.trim_matches(|c: char| matches!(c, ',' | '.' | ':' | ';' | '(' | ')'));
        if UNITS.contains(&w) {
            unit = true;
            continue;
        }
        if AGO.contains(&w) {
            ago = true;
            continue;
        }
        match date_word(word) {
            DateWord::Strong => strong = true,
            DateWord::Weak => {}
            DateWord::No => other += 1,
        }
    }
    // "3 hours ago", "vor 3 Stunden", "il y a 2 heures": a relative time.
    strong |= unit && ago;
    match rest {
        // "Updated 30 Nov 2026, 10:32": a prefix, then a date or time among few other words.
        Some(_) => strong && other <= 3,
        // A lone word is a time or a date only when it can be nothing else ("May" is a name).
        None if rest_words.len() == 1 => {
            let w = rest_words[0].trim_matches(|c: char| matches!(c, ',' | '.' | ';'));
            is_clock(w) || is_numeric_date(w)
        }
        None => strong && other == 0,
    }
}

enum DateWord {
    /// Only a date or a time has it: a month or weekday name, a clock time, an ISO date.
    Strong,
    /// A date may have it: a day number, a year, a filler word.
    Weak,
    No,
}

fn date_word(word: &str) -> DateWord {
    let w = word.trim_matches(|c: char| matches!(c, ',' | '.' | ':' | ';' | '(' | ')' | '[' | ']'));
    if w.is_empty() || FILLER.contains(&w) {
        return DateWord::Weak;
    }
    if CALENDAR.contains(&w) || CLOCK.contains(&w) || is_clock(w) || is_numeric_date(w) {
        return DateWord::Strong;
    }
    let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &w[digits.len()..];
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(
            suffix,
            "" | "st" | "nd" | "rd" | "th" | "er" | "e" | "º" | "h"
        )
    {
        let n: u32 = digits.parse().unwrap_or(u32::MAX);
        // Day numbers, a count of minutes or hours ("3 hours ago"), years.
        if n <= 60 || (1900..=2099).contains(&n) {
            return DateWord::Weak;
        }
    }
    DateWord::No
}

/// `10:32`, `10:32:05`, `10h32`, `9am`, `10:32pm` (not `4.50`: a price is not a time).
fn is_clock(w: &str) -> bool {
    let (core, meridian) = match w.strip_suffix("am").or_else(|| w.strip_suffix("pm")) {
        Some(core) => (core, true),
        None => (w, false),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if meridian && core.len() <= 2 && digits(core) {
        return true;
    }
    let parts: Vec<&str> = core.split([':', 'h']).collect();
    (2..=3).contains(&parts.len())
        && parts[0].len() <= 2
        && parts.iter().all(|p| digits(p))
        && parts[1..].iter().all(|p| p.len() == 2)
        && parts[0].parse::<u32>().is_ok_and(|h| h < 24)
}

/// `2026-11-30`, `2026-11-30t10:32:05z`, `30/11/2026`, `30.11.2026`, `11/30/26`.
fn is_numeric_date(w: &str) -> bool {
    let date = w.split('t').next().unwrap_or(w);
    for sep in ['-', '/', '.'] {
        let parts: Vec<&str> = date.split(sep).collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            && (parts[0].len() == 4 || parts[2].len() >= 2)
        {
            return true;
        }
    }
    false
}

/// The text without its dateline lines, nor the page's furniture ([`super::furniture`]:
/// picture credits, labels, promotions).
#[must_use]
pub fn drop_datelines(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !is_dateline(l) && !is_furniture(l))
        .collect();
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datelines_in_eight_languages_are_recognized() {
        for line in [
            "Updated 30 November 2026, 10:32 GMT",
            "Updated: Nov. 30, 2026 at 10:32 a.m. ET",
            "Published 3 hours ago",
            "Last updated on Monday, 30 November 2026",
            "Monday, November 30, 2026",
            "30.11.2026, 10:32 Uhr",
            "Aktualisiert am 30. November 2026, 10:32 Uhr",
            "Publié le 30 novembre 2026 à 10h32",
            "Mis à jour le 30/11/2026",
            "Actualizado: 30 de noviembre de 2026, 10:32",
            "Atualizado há 2 horas",
            "Aggiornato alle 10:32 del 30 novembre 2026",
            "Bijgewerkt op 30 november 2026 om 10:32",
            "Zaktualizowano 30 listopada 2026, 10:32",
            "2026-11-30T10:32:05Z",
            "10:32",
            "5 hours ago",
            "vor 3 Stunden",
            "il y a 2 heures",
        ] {
            assert!(is_dateline(line), "{line}");
        }
    }

    #[test]
    fn article_lines_and_figures_are_not_datelines() {
        for line in [
            "The minister said on Tuesday that talks would resume after the summit.",
            "In March 2025 the council approved the budget.",
            "2025 1,200 3,400",
            "Q3 revenue rose 12 % to 4.5 billion",
            "Updated: the minister resigned",
            "May",
            "Published by the Ministry of Finance",
            "4.50",
            "15 - 30 Min",
        ] {
            assert!(!is_dateline(line), "{line}");
        }
    }

    #[test]
    fn only_dateline_lines_are_dropped() {
        let text = "Talks resume\nUpdated 30 November 2026, 10:32 GMT\nThe minister said on Tuesday that talks would resume.\n3 hours ago";
        assert_eq!(
            drop_datelines(text),
            "Talks resume\nThe minister said on Tuesday that talks would resume."
        );
    }
}
