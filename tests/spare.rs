//! The register's spare: a write overwrites the copy the last write replaced, swaps it in,
//! and keeps the old copy, its header overwritten so that nothing decrypts it, for the next
//! write. Nothing planted under the spare's name is followed, and a copy someone else holds
//! a link to is never overwritten.
#![cfg(target_os = "linux")]

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use support::*;

const SPARE: &str = ".register.age.spare";

fn inode(path: &Path) -> u64 {
    std::fs::symlink_metadata(path)
        .expect("the file exists")
        .ino()
}

fn correct(fixture: &Fixture, id: &str, phone: &str) {
    let output = fixture
        .cmd()
        .args(["correct", id, "--set", &format!("phone={phone}")])
        .args(["--reason", "the customer asked"])
        .output()
        .unwrap();
    assert_success(&output, "correct");
}

/// The spare, checked: a regular file of mode 0600 whose first page is zeros, which no key
/// decrypts and which holds no email of the register in plaintext.
fn assert_shredded(fixture: &Fixture, spare: &PathBuf) {
    let bytes = std::fs::read(spare).expect("the spare exists");
    assert_eq!(mode(spare), 0o600);
    let page = bytes.len().min(4096);
    assert!(
        bytes[..page].iter().all(|b| *b == 0),
        "the spare's header is overwritten"
    );
    assert!(
        decrypt(&bytes, &fixture.identity()).is_err(),
        "nothing decrypts the spare"
    );
    for email in json::emails(&fixture.plaintext()) {
        assert!(
            find(&bytes, email.as_bytes()).is_none(),
            "no plaintext in the spare"
        );
    }
}

/// Corrects `id`, and checks that what was planted under the spare's name has made way for
/// the old copy: a regular file, shredded.
fn assert_change_puts_the_old_copy_in_its_place(fixture: &Fixture, id: &str) {
    correct(fixture, id, "0401234567");
    let spare = fixture.path(SPARE);
    assert!(std::fs::symlink_metadata(&spare).unwrap().is_file());
    assert_shredded(fixture, &spare);
}

/// Puts a file of `contents` and `mode` under the spare's name, in place of the one `add`
/// left, and returns it held open: what a write did to it is read back through the handle.
fn plant_spare(fixture: &Fixture, contents: Vec<u8>, mode: u32) -> std::fs::File {
    std::fs::remove_file(fixture.path(SPARE)).unwrap();
    let planted = fixture.write(SPARE, contents);
    std::fs::set_permissions(&planted, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
    std::fs::File::open(&planted).unwrap()
}

#[test]
fn a_change_keeps_the_old_copy_as_a_spare_that_nothing_decrypts() {
    let (fixture, ids) = Fixture::with_customers();
    let spare = fixture.path(SPARE);
    let before = fixture.register_bytes();
    let old_header = crypto::header_end(&before);
    correct(&fixture, &ids[0], "0401234567");
    assert_shredded(&fixture, &spare);
    assert!(old_header <= 4096, "the whole old header was overwritten");
    // The spare is the old copy: as long, and with the old payload after its header.
    let bytes = std::fs::read(&spare).unwrap();
    assert_eq!(bytes.len(), before.len());
    assert_eq!(bytes[4096..], before[4096..]);
    let exported = fixture.export_json();
    assert_eq!(exported.len(), 12);
    let output = fixture.cmd().args(["audit", "verify"]).output().unwrap();
    assert_success(&output, "audit verify");
}

#[test]
fn writes_take_turns_between_the_register_and_its_spare() {
    let (fixture, ids) = Fixture::with_customers();
    let register = fixture.register_path();
    let spare = fixture.path(SPARE);
    correct(&fixture, &ids[0], "0401234567");
    let (a, b) = (inode(&register), inode(&spare));
    assert_ne!(a, b);
    correct(&fixture, &ids[1], "0401234568");
    assert_eq!((inode(&register), inode(&spare)), (b, a), "swapped");
    correct(&fixture, &ids[2], "0401234569");
    assert_eq!((inode(&register), inode(&spare)), (a, b), "swapped back");
    assert_shredded(&fixture, &spare);
    let phones: Vec<Option<String>> = fixture
        .export_json()
        .into_iter()
        .filter(|s| ids[..3].contains(&s.id))
        .map(|s| s.phone)
        .collect();
    assert_eq!(phones.len(), 3);
    for phone in ["0401234567", "0401234568", "0401234569"] {
        assert!(
            phones.iter().any(|p| p.as_deref() == Some(phone)),
            "{phone} in {phones:?}"
        );
    }
    let output = fixture.cmd().args(["audit", "verify"]).output().unwrap();
    assert_success(&output, "audit verify");
}

#[test]
fn a_spare_longer_than_the_new_copy_is_cut_to_its_length() {
    let (fixture, ids) = Fixture::with_customers();
    // A spare of 1 MiB of junk, as a user's own file of mode 0600 would be: it is reused.
    let held = plant_spare(&fixture, vec![0xabu8; 1024 * 1024], 0o600);
    correct(&fixture, &ids[0], "0401234567");
    let register = fixture.register_bytes();
    assert_eq!(
        inode(&fixture.register_path()),
        held.metadata().unwrap().ino(),
        "the spare was written over and swapped in"
    );
    assert!(register.len() < 1024 * 1024);
    assert!(
        !register.windows(64).any(|w| w.iter().all(|b| *b == 0xab)),
        "no junk is left in the register"
    );
    // The age crate reads it to its authenticated last chunk: nothing follows it.
    let plaintext = fixture.plaintext();
    assert_eq!(json::subjects(&plaintext).len(), 12);
    let output = fixture.cmd().args(["audit", "verify"]).output().unwrap();
    assert_success(&output, "audit verify");
}

#[test]
fn a_link_planted_as_the_spare_is_removed_never_followed() {
    let (fixture, ids) = Fixture::with_customers();
    let victim = fixture.write("victim.txt", "keep me\n");
    // `add` left a spare; a link takes its place.
    std::fs::remove_file(fixture.path(SPARE)).unwrap();
    std::os::unix::fs::symlink(&victim, fixture.path(SPARE)).unwrap();
    assert_change_puts_the_old_copy_in_its_place(&fixture, &ids[0]);
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me\n");
}

#[test]
fn a_fifo_planted_as_the_spare_is_removed() {
    let (fixture, ids) = Fixture::with_customers();
    let spare = fixture.path(SPARE);
    std::fs::remove_file(&spare).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&spare)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // The write neither blocks on it nor fails: the FIFO goes, and the old copy is kept.
    assert_change_puts_the_old_copy_in_its_place(&fixture, &ids[0]);
}

#[test]
fn a_spare_others_may_read_or_that_has_another_link_is_not_written_over() {
    let (fixture, ids) = Fixture::with_customers();
    let spare = fixture.path(SPARE);
    // A file under the spare's name that others may read.
    let held = plant_spare(&fixture, vec![7u8; 8192], 0o644);
    correct(&fixture, &ids[0], "0401234567");
    let mut content = Vec::new();
    std::io::Read::read_to_end(&mut &held, &mut content).unwrap();
    assert_eq!(content, vec![7u8; 8192], "not written over");
    assert_ne!(
        inode(&fixture.register_path()),
        held.metadata().unwrap().ino()
    );
    assert_shredded(&fixture, &spare);
    // A file under the spare's name with a second link: the other name keeps its content.
    std::fs::remove_file(&spare).unwrap();
    let other = fixture.write("other.bin", vec![9u8; 8192]);
    std::fs::hard_link(&other, &spare).unwrap();
    correct(&fixture, &ids[1], "0401234568");
    assert_eq!(std::fs::read(&other).unwrap(), vec![9u8; 8192]);
    assert_ne!(inode(&fixture.register_path()), inode(&other));
    assert_shredded(&fixture, &spare);
}

#[test]
fn a_register_someone_else_links_to_is_never_overwritten() {
    let (fixture, ids) = Fixture::with_customers();
    let backup = fixture.path("backup.age");
    std::fs::hard_link(fixture.register_path(), &backup).unwrap();
    let before = std::fs::read(&backup).unwrap();
    correct(&fixture, &ids[0], "0401234567");
    // The old copy has another name: it is not shredded, and no spare is kept.
    assert_eq!(std::fs::read(&backup).unwrap(), before);
    assert!(decrypt(&before, &fixture.identity()).is_ok());
    assert!(!fixture.path(SPARE).exists(), "no spare kept");
    // The next write makes a spare of the copy it replaces, which has no other name.
    correct(&fixture, &ids[1], "0401234568");
    assert_shredded(&fixture, &fixture.path(SPARE));
    assert_eq!(std::fs::read(&backup).unwrap(), before);
}
