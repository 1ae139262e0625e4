//! `reply` and `letter`: the documents a contact person sends, built by the core from the
//! register and rendered by `cli::documents`. Reading only: nothing here changes the register.

use crate::cli::args::{Global, LetterCommand, ReplyArgs};
use crate::cli::{Output, context, documents, open_store};
use crate::core::documents as model;
use crate::error::Result;
use crate::store::keys::PassphraseSource;

pub fn reply(
    global: &Global,
    args: &ReplyArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let register = open_store(global, passphrase)?.open_checked()?.register;
    let today = context(global).today;
    let doc = model::reply(&register, &args.request, args.lang.into(), today)?;
    Ok(Output::text(documents::render(&doc, global.format)?))
}

pub fn letter(
    global: &Global,
    command: LetterCommand,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let register = open_store(global, passphrase)?.open_checked()?.register;
    let today = context(global).today;
    let doc = match command {
        LetterCommand::Recipient { task, email, lang } => {
            model::recipient_letter(&register, &task, email.as_deref(), lang.into(), today)?
        }
        LetterCommand::Lift { subject, lang } => {
            model::lift_letter(&register, &subject, lang.into(), today)?
        }
        LetterCommand::Breach { id, subject, lang } => {
            model::breach_letter(&register, &id, &subject, lang.into(), today)?
        }
    };
    Ok(Output::text(documents::render(&doc, global.format)?))
}
