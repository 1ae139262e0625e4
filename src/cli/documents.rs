//! Renders the documents people receive. The core's `documents::Document` says what to say;
//! one askama template per document and language under `templates/` says how it reads (so a
//! Finnish lawyer can correct the wording without reading Rust); this module only picks the
//! template and the rendering: self-contained HTML (`--format html`, prints on A4), the same
//! page as plain text for an email body (`--format table`), or the model as JSON.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};

use crate::cli::args::Format;
use crate::cli::render;
use crate::core::access::Lang;
use crate::core::documents::{Body, Document};
use crate::core::labels::{self, Label};
use crate::core::model::{Amount, AuditAction, RequestStatus};
use crate::error::{Error, Result};

/// The width of the text rendering: an email body that reads in any client.
const TEXT_WIDTH: usize = 78;

/// A date, a moment or an amount, or a reference to one: a template binds what it
/// destructures (`{% if let Body::Lift { since, .. } = doc.body %}`) by reference, sometimes
/// twice over.
trait Value<T> {
    fn get(self) -> T;
}

macro_rules! values {
    ($($t:ty),+) => {
        $(
            impl Value<$t> for $t {
                fn get(self) -> $t {
                    self
                }
            }
            impl Value<$t> for &$t {
                fn get(self) -> $t {
                    *self
                }
            }
            impl Value<$t> for &&$t {
                fn get(self) -> $t {
                    **self
                }
            }
        )+
    };
}

values!(NaiveDate, DateTime<Utc>, Amount);

/// What every document template can call: dates, times, labels and amounts in the
/// template's language.
macro_rules! document_templates {
    ($($name:ident => $path:literal;)+) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                doc: &'a Document,
            }

            #[allow(dead_code)] // each template uses the helpers it needs
            impl $name<'_> {
                fn lang(&self) -> Lang {
                    self.doc.lang
                }
                /// A date as people write it.
                fn d(&self, date: impl Value<NaiveDate>) -> String {
                    labels::date(date.get(), self.lang())
                }
                /// A moment in Helsinki time.
                fn t(&self, at: impl Value<DateTime<Utc>>) -> String {
                    labels::time(at.get(), self.lang())
                }
                /// The Helsinki day of a moment.
                fn day(&self, at: impl Value<DateTime<Utc>>) -> String {
                    labels::day(at.get(), self.lang())
                }
                /// The label of a code.
                fn l<L: Label>(&self, code: L) -> &'static str {
                    code.label(self.lang())
                }
                /// A field name.
                fn f(&self, name: &str) -> String {
                    labels::field(name, self.lang())
                }
                /// A list of field names.
                fn fs(&self, names: &[String]) -> String {
                    labels::fields(names, self.lang())
                }
                /// A sum of money.
                fn eur(&self, amount: impl Value<Amount>) -> String {
                    labels::euros(amount.get().0, self.lang())
                }
                /// A country written out.
                fn country(&self, code: &str) -> String {
                    crate::core::notice::country_name(code, self.lang())
                }
            }
        )+
    };
}

document_templates! {
    AccessFi => "fi/access.html";
    AccessEn => "en/access.html";
    KeptFi => "fi/kept-records.html";
    KeptEn => "en/kept-records.html";
    NoDataFi => "fi/no-data.html";
    NoDataEn => "en/no-data.html";
    AcknowledgementFi => "fi/acknowledgement.html";
    AcknowledgementEn => "en/acknowledgement.html";
    ExtensionFi => "fi/extension.html";
    ExtensionEn => "en/extension.html";
    RefusalFi => "fi/refusal.html";
    RefusalEn => "en/refusal.html";
    RectificationFi => "fi/rectification.html";
    RectificationEn => "en/rectification.html";
    ErasureFi => "fi/erasure.html";
    ErasureEn => "en/erasure.html";
    RestrictionFi => "fi/restriction.html";
    RestrictionEn => "en/restriction.html";
    ObjectionFi => "fi/objection.html";
    ObjectionEn => "en/objection.html";
    PortabilityFi => "fi/portability.html";
    PortabilityEn => "en/portability.html";
    RecipientFi => "fi/recipient.html";
    RecipientEn => "en/recipient.html";
    LiftFi => "fi/lift.html";
    LiftEn => "en/lift.html";
    BreachFi => "fi/breach.html";
    BreachEn => "en/breach.html";
}

/// The document as an HTML page.
pub fn html(doc: &Document) -> Result<String> {
    let doc_ = doc;
    macro_rules! pick {
        ($fi:ident, $en:ident) => {
            match doc.lang {
                Lang::Fi => $fi { doc: doc_ }.render(),
                Lang::En => $en { doc: doc_ }.render(),
            }
        };
    }
    let page = match &doc.body {
        Body::Access(_) => pick!(AccessFi, AccessEn),
        Body::KeptRecords(_) => pick!(KeptFi, KeptEn),
        Body::NoData => pick!(NoDataFi, NoDataEn),
        Body::Acknowledgement => pick!(AcknowledgementFi, AcknowledgementEn),
        Body::Extension { .. } => pick!(ExtensionFi, ExtensionEn),
        Body::Refusal { .. } => pick!(RefusalFi, RefusalEn),
        Body::Rectification { .. } => pick!(RectificationFi, RectificationEn),
        Body::Erasure { .. } => pick!(ErasureFi, ErasureEn),
        Body::Restriction { .. } => pick!(RestrictionFi, RestrictionEn),
        Body::Objection { .. } => pick!(ObjectionFi, ObjectionEn),
        Body::Portability { .. } => pick!(PortabilityFi, PortabilityEn),
        Body::Recipient(_) => pick!(RecipientFi, RecipientEn),
        Body::Lift { .. } => pick!(LiftFi, LiftEn),
        Body::Breach(_) => pick!(BreachFi, BreachEn),
    };
    page.map_err(template_error)
}

/// An HTML page as plain text for an email body.
pub fn text_of_html(page: &str) -> Result<String> {
    let text = html2text::config::plain_no_decorate()
        .string_from_read(page.as_bytes(), TEXT_WIDTH)
        .map_err(|e| Error::io("<output>", std::io::Error::other(e.to_string())))?;
    // Table cells are padded to their column's width; an email body has no use for the
    // spaces at the end of a line.
    let mut out: String = text
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    Ok(out)
}

/// The document in the chosen format: text (the default `table`), HTML or JSON.
pub fn render(doc: &Document, format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(doc),
        Format::Html => html(doc),
        Format::Table => text_of_html(&html(doc)?),
        Format::Csv => Err(Error::Usage(
            "a letter has no CSV form; use --format table (text), html or json".into(),
        )),
    }
}

fn template_error(e: askama::Error) -> Error {
    Error::io("<output>", std::io::Error::other(e.to_string()))
}
