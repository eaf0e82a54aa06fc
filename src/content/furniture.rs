//! The page's furniture that Readability leaves among the article's lines: picture credits
//! ("Foto: Jane Doe"), lines that are only a label (an advertisement's, a share or print
//! button's, a comment section's, a navigation link's) and newsletter promotions ("Sign up for
//! our newsletter"). None is the article's words, and each changes with the site's template, not
//! with the story: they are left out of the compared text with the datelines
//! ([`super::dateline::drop_datelines`]).

/// Whether a line of normalized text is furniture: a picture credit, a label or a promotion.
pub(super) fn is_furniture(line: &str) -> bool {
    credit_line(line) || label_line(line) || promo_line(line)
}

/// A line that is only an advertisement's label ("Anzeige", "- Advertisement -"), a share or
/// print button's ("Teilen", "Tweet", "WhatsApp", "Drukuj"), a comment section's ("Leave a
/// reply", "Kommentare sind geschlossen.") or a navigation link's ("zurück", "Load more"), in
/// the cue lists' languages: the page's furniture, never the article's
/// words. The whole line must be the label.
pub(super) fn label_line(line: &str) -> bool {
    const LABELS: &[&str] = &[
        "advertisement",
        "advertising",
        "sponsored",
        "anzeige",
        "werbung",
        "publicité",
        "publicidad",
        "publicidade",
        "pubblicità",
        "advertentie",
        "reklama",
        "share",
        "share this",
        "share this article",
        "share this story",
        "share on facebook",
        "share on twitter",
        "tweet",
        "teilen",
        "artikel teilen",
        "diesen artikel teilen",
        "twittern",
        "mitteilen",
        "partager",
        "partager cet article",
        "compartir",
        "compartilhar",
        "condividi",
        "delen",
        "udostępnij",
        "facebook",
        "twitter",
        "whatsapp",
        "linkedin",
        "pinterest",
        "e-mail",
        "email",
        "print",
        "drucken",
        "imprimer",
        "imprimir",
        "stampa",
        "drukuj",
        "back",
        "zurück",
        "zurück zur übersicht",
        "zurück zur listenansicht",
        "retour",
        "volver",
        "voltar",
        "indietro",
        "terug",
        "powrót",
        "load more",
        "show more",
        "mehr laden",
        "weitere laden",
        "lade weitere inhalte",
        "charger plus",
        "cargar más",
        "carregar mais",
        "carica altro",
        "meer laden",
        "załaduj więcej",
        "leave a comment",
        "leave a reply",
        "comments are closed",
        "no comments",
        "kommentar schreiben",
        "kommentare schreiben",
        "kommentar verfassen",
        "schreibe einen kommentar",
        "kommentare geschlossen",
        "kommentare sind geschlossen",
        "keine kommentare",
        "laisser un commentaire",
        "les commentaires sont fermés",
        "deja un comentario",
        "comentarios cerrados",
        "deixe um comentário",
        "deixe um comentario",
        "lascia un commento",
        "commenti chiusi",
        "laat een reactie achter",
        "reacties zijn gesloten",
        "dodaj komentarz",
        "komentarze są wyłączone",
    ];
    let label = line
        .trim_matches(|c: char| c.is_whitespace() || "-–—|•·*:.!?[]()".contains(c))
        .to_lowercase();
    LABELS.contains(&label.as_str())
}

/// A short line that credits a picture ("Foto: Jane Doe", "Bild: dpa", "Photo: AP"): a label of
/// the cue lists' languages, a colon, and eight words at most.
pub(super) fn credit_line(line: &str) -> bool {
    const LABELS: &[&str] = &[
        "foto",
        "fotos",
        "bild",
        "bilder",
        "titelbild",
        "photo",
        "photos",
        "image",
        "images",
        "credit",
        "credits",
        "crédit",
        "crédits",
        "fotografía",
        "imagen",
        "zdjęcie",
        "fot",
        "copyright",
    ];
    let Some((label, rest)) = line.split_once(':') else {
        return false;
    };
    let label = label.trim().to_lowercase();
    LABELS.contains(&label.as_str()) && rest.split_whitespace().count() <= 8
}

/// A newsletter promotion: a line of at most 40 words that names a newsletter and asks the
/// reader to sign up, in the cue lists' languages ("Sign up for our newsletter", "Abonnieren Sie
/// unseren Newsletter!"), or is only the word.
pub(super) fn promo_line(line: &str) -> bool {
    const ASKS: &[&str] = &[
        "sign up",
        "signing up",
        "subscribe",
        "abonnier",
        "anmelden",
        "melde dich",
        "melden sie sich",
        "abonnez",
        "inscri",
        "suscrib",
        "iscriviti",
        "assine",
        "inscreva",
        "aanmelden",
        "abonneer",
        "zapisz się",
        "subskrybuj",
    ];
    let lower = line.to_lowercase();
    if !lower.contains("newsletter") || line.split_whitespace().count() > 40 {
        return false;
    }
    lower.trim_matches(|c: char| !c.is_alphanumeric()) == "newsletter"
        || ASKS.iter().any(|a| lower.contains(a))
}

#[cfg(test)]
mod tests {
    use crate::content::dateline::drop_datelines;

    #[test]
    fn picture_credit_lines_go_with_them() {
        let text = "Foto: Jane Doe\nThe minister said on Tuesday that talks would resume.\nImage: a long line that describes the picture in the words of a sentence of prose.";
        assert_eq!(
            drop_datelines(text),
            "The minister said on Tuesday that talks would resume.\nImage: a long line that describes the picture in the words of a sentence of prose."
        );
    }

    #[test]
    fn advertisement_share_and_comment_labels_go_and_sentences_with_the_words_stay() {
        let text = "Anzeige\n- Advertisement -\nThe council will share the costs with the county.\n\
                    Teilen\nTwittern\nWhatsApp\nPrint\nPrint editions sold out by noon.\n\
                    Kommentare sind geschlossen.\nLeave a Reply\nzurück\nLoad more";
        assert_eq!(
            drop_datelines(text),
            "The council will share the costs with the county.\nPrint editions sold out by noon."
        );
    }

    #[test]
    fn newsletter_promotions_go_and_a_story_about_a_newsletter_stays() {
        let text = "Sign up for the free daily newsletter for more airline news!\n\
                    Newsletter\nAbonnieren Sie jetzt unseren Newsletter: https://example.org/nl\n\
                    The paper's newsletter reached a million readers in March, its editor said.";
        assert_eq!(
            drop_datelines(text),
            "The paper's newsletter reached a million readers in March, its editor said."
        );
    }
}
