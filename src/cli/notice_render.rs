//! Renders the privacy notice and the Art. 30 record. The core's `notice::Notice` says what
//! the notice states; `templates/{fi,en}/notice.html` say how it reads. The HTML is a
//! self-contained page that prints on A4 and can be published as it is; the text rendering
//! (`--format table`) is the same page as plain text; JSON is the model.

use askama::Template;
use chrono::NaiveDate;

use crate::cli::args::Format;
use crate::cli::documents::text_of_html;
use crate::cli::render;
use crate::core::access::Lang;
use crate::core::labels;
use crate::core::model::{Basis, MarketingChannel};
use crate::core::notice::{self, Notice, Requirement};
use crate::error::{Error, Result};

/// What the notice templates can call: dates, countries, bases and lists in the
/// template's language.
macro_rules! notice_templates {
    ($($name:ident => $path:literal;)+) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                n: &'a Notice,
            }

            impl $name<'_> {
                fn lang(&self) -> Lang {
                    self.n.language
                }
                /// A date as people write it.
                fn d(&self, date: &NaiveDate) -> String {
                    labels::date(*date, self.lang())
                }
                /// A country written out.
                fn country(&self, code: &str) -> String {
                    notice::country_name(code, self.lang())
                }
                /// The name of a legal basis, as it reads after "the legal basis is".
                fn basis(&self, basis: impl std::borrow::Borrow<Basis>) -> &'static str {
                    notice::basis_name(*basis.borrow(), self.lang())
                }
                /// Direct-marketing channels: "sähköpostitse, puhelimitse ja postitse".
                fn channels(&self, channels: &[MarketingChannel]) -> String {
                    notice::channels_phrase(channels, self.lang())
                }
                /// Items joined: "a, b ja c".
                fn list(&self, items: &[String]) -> String {
                    notice::join_list(items, self.lang())
                }
                /// A text with its first letter in lower case, for a list item or after a
                /// colon.
                fn lc(&self, text: &str) -> String {
                    let mut chars = text.chars();
                    match chars.next() {
                        Some(first) => first.to_lowercase().chain(chars).collect(),
                        None => String::new(),
                    }
                }
                /// A text with its first letter in upper case.
                fn uc(&self, text: &str) -> String {
                    let mut chars = text.chars();
                    match chars.next() {
                        Some(first) => first.to_uppercase().chain(chars).collect(),
                        None => String::new(),
                    }
                }
            }
        )+
    };
}

notice_templates! {
    NoticeFi => "fi/notice.html";
    NoticeEn => "en/notice.html";
}

/// The notice as an HTML page.
pub fn html(notice: &Notice) -> Result<String> {
    let page = match notice.language {
        Lang::Fi => NoticeFi { n: notice }.render(),
        Lang::En => NoticeEn { n: notice }.render(),
    };
    page.map_err(|e| Error::io("<output>", std::io::Error::other(e.to_string())))
}

/// The notice in the chosen format: text (the default `table`), HTML or JSON. The notice is
/// prose, not rows: it has no CSV form.
pub fn render(notice: &Notice, format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(notice),
        Format::Html => html(notice),
        Format::Table => text_of_html(&html(notice)?),
        Format::Csv => Err(Error::Usage(
            "the notice has no CSV form; use --format table (text), html or json".into(),
        )),
    }
}
