//! A damaged register is refused, never "repaired" or rewritten: for bit flips, deleted and
//! inserted bytes in every region of an age file (the header line, the X25519 stanza, the MAC
//! line, the payload nonce, the first chunk, the middle, the last chunk's tag), truncations,
//! files that are not age at all, a broken armored file and a directory, both a read
//! (`export`) and a change (`add`) exit 65 or 77 (66 when there is nothing there) with the
//! contract's error line and no panic, and leave the file byte for byte as it was.
//! `scripts/corruption.sh` mutates every byte offset of a small register.

mod support;

use std::path::Path;

use support::*;

/// What is put where the register should be.
#[derive(Clone)]
enum Content {
    Bytes(Vec<u8>),
    Missing,
    Directory,
}

struct Case {
    name: String,
    content: Content,
}

fn bytes_case(name: impl Into<String>, bytes: Vec<u8>) -> Case {
    Case {
        name: name.into(),
        content: Content::Bytes(bytes),
    }
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 1 << (at % 8);
    out
}

fn delete(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.remove(at);
    out
}

fn insert(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.insert(at, b'A');
    out
}

/// xorshift64*: deterministic filler bytes.
fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// The offsets to damage, by region, in an age file of `len` bytes whose header ends at
/// `header`.
fn regions(file: &[u8]) -> Vec<(String, usize)> {
    let len = file.len();
    let header = header_end(file);
    let stanza = find(file, b"\n-> X25519 ").expect("an X25519 stanza") + 1;
    let stanza_body = stanza + file[stanza..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let mac = find(file, b"\n--- ").expect("a MAC line") + 1;
    let mut offsets = vec![
        ("header line".to_owned(), 0),
        ("header line".to_owned(), 3),
        ("header line".to_owned(), 12),
        ("header line newline".to_owned(), stanza - 1),
        ("X25519 stanza arrow".to_owned(), stanza),
        ("X25519 stanza type".to_owned(), stanza + 4),
        ("X25519 stanza share".to_owned(), stanza + 12),
        ("X25519 stanza share end".to_owned(), stanza_body - 2),
        ("X25519 stanza body".to_owned(), stanza_body + 5),
        ("X25519 stanza body end".to_owned(), mac - 2),
        ("MAC line dashes".to_owned(), mac + 1),
        ("MAC value".to_owned(), mac + 4),
        ("MAC value".to_owned(), mac + 20),
        ("MAC value end".to_owned(), header - 2),
        ("MAC line newline".to_owned(), header - 1),
        ("nonce".to_owned(), header),
        ("nonce".to_owned(), header + 7),
        ("nonce".to_owned(), header + 15),
        ("first chunk".to_owned(), header + 16),
        ("first chunk".to_owned(), header + 16 + 100),
        ("first chunk".to_owned(), header + 16 + 1000),
        ("middle".to_owned(), len / 2),
        ("last tag".to_owned(), len - 16),
        ("last tag".to_owned(), len - 9),
        ("last byte".to_owned(), len - 1),
    ];
    offsets.retain(|(_, at)| *at < len);
    offsets
}

fn cases(file: &[u8], plaintext: &[u8], recipient: &age::x25519::Recipient) -> Vec<Case> {
    let len = file.len();
    let header = header_end(file);
    let mut cases = Vec::new();
    for (region, at) in regions(file) {
        cases.push(bytes_case(
            format!("flip bit {} at {at} ({region})", at % 8),
            flip(file, at),
        ));
        cases.push(bytes_case(
            format!("delete byte {at} ({region})"),
            delete(file, at),
        ));
        cases.push(bytes_case(
            format!("insert a byte at {at} ({region})"),
            insert(file, at),
        ));
    }
    // One bit of every header byte, too: a lenient parse anywhere in the header shows here.
    let named: std::collections::HashSet<usize> =
        regions(file).into_iter().map(|(_, at)| at).collect();
    for at in (0..header).filter(|at| !named.contains(at)) {
        cases.push(bytes_case(
            format!("flip bit {} at {at} (header)", at % 8),
            flip(file, at),
        ));
    }
    let mut lengths = vec![0, 1, 10, header - 1, header, header + 16, len - 16, len - 1];
    lengths.extend((1..).map(|k| k * 997).take_while(|&l| l < len));
    lengths.sort_unstable();
    lengths.dedup();
    for cut in lengths {
        cases.push(bytes_case(
            format!("truncated to {cut} of {len} bytes"),
            file[..cut].to_vec(),
        ));
    }
    let mut appended = file.to_vec();
    appended.push(b'\n');
    cases.push(bytes_case("a byte appended", appended));
    cases.push(bytes_case("two copies concatenated", [file, file].concat()));
    cases.push(bytes_case("an empty file", Vec::new()));
    cases.push(bytes_case("random bytes", random_bytes(4096, 0x5eed)));
    cases.push(bytes_case("the plaintext JSON itself", plaintext.to_vec()));
    cases.push(bytes_case(
        "a JSON text",
        br#"{"format":1,"subjects":[],"audit":[]}"#.to_vec(),
    ));
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89".to_vec();
    png.extend(random_bytes(200, 7));
    cases.push(bytes_case("a PNG file", png));
    cases.push(bytes_case(
        "an age header line alone",
        b"age-encryption.org/v1\n".to_vec(),
    ));

    // ASCII armor with a broken line.
    let armored = encrypt_armored_to(plaintext, recipient);
    let text = String::from_utf8(armored).expect("armor is text");
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let rebuilt = |lines: &[String]| {
        let mut out = lines.join("\n");
        out.push('\n');
        out.into_bytes()
    };
    let owned: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let mut short = owned.clone();
    short[middle].pop();
    cases.push(bytes_case(
        "armored, a line one character short",
        rebuilt(&short),
    ));
    let mut bad_char = owned.clone();
    bad_char[middle].replace_range(5..6, "*");
    cases.push(bytes_case("armored, a line with a `*`", rebuilt(&bad_char)));
    let mut changed_char = owned.clone();
    let replacement = if changed_char[middle].as_bytes()[7] == b'B' {
        "C"
    } else {
        "B"
    };
    changed_char[middle].replace_range(7..8, replacement);
    cases.push(bytes_case(
        "armored, one base64 character changed",
        rebuilt(&changed_char),
    ));
    let mut dropped = owned.clone();
    dropped.remove(middle);
    cases.push(bytes_case("armored, a line missing", rebuilt(&dropped)));
    let mut no_end = owned.clone();
    no_end.pop();
    cases.push(bytes_case("armored, no END line", rebuilt(&no_end)));
    let mut long = owned;
    long[middle].push('A');
    cases.push(bytes_case(
        "armored, a line one character long",
        rebuilt(&long),
    ));

    cases.push(Case {
        name: "a directory in place of the file".into(),
        content: Content::Directory,
    });
    cases.push(Case {
        name: "no file at all".into(),
        content: Content::Missing,
    });
    cases
}

/// Puts `content` at `path`, replacing whatever is there.
fn place(path: &Path, content: &Content) {
    if path.is_dir() {
        std::fs::remove_dir_all(path).expect("remove the directory");
    } else if path.exists() {
        std::fs::remove_file(path).expect("remove the file");
    }
    match content {
        Content::Bytes(bytes) => std::fs::write(path, bytes).expect("write the damaged file"),
        Content::Missing => {}
        Content::Directory => {
            std::fs::create_dir(path).expect("create a directory");
            std::fs::write(path.join("inside.txt"), b"not a register").expect("a file inside");
        }
    }
}

/// Runs `export` and `add` on one damaged register in `dir`; returns what went wrong.
fn check(dir: &Path, case: &Case) -> Vec<String> {
    let register = dir.join(WORKSPACE_REGISTER);
    place(&register, &case.content);
    let expected: &[i32] = match case.content {
        Content::Missing => &[66],
        Content::Directory => &[65],
        Content::Bytes(_) => &[65, 77],
    };
    let mut problems = Vec::new();
    let commands: [&[&str]; 2] = [
        &["export"],
        &["add", "--name", "X", "--email", "damaged@example.fi"],
    ];
    for args in commands {
        let output = command(dir)
            .args(["-f", WORKSPACE_REGISTER, "-i", "key1.txt"])
            .args(args)
            .output()
            .expect("rekisteri runs");
        let what = format!("{}: `{}`", case.name, args.join(" "));
        if !output
            .status
            .code()
            .is_some_and(|code| expected.contains(&code))
        {
            problems.push(format!(
                "{what} exited {:?}, expected one of {expected:?}\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        if let Err(e) = error_shape(&output) {
            problems.push(format!("{what}: {e}"));
        }
        let unchanged = match &case.content {
            Content::Bytes(bytes) => std::fs::read(&register).ok().as_ref() == Some(bytes),
            Content::Missing => !register.exists(),
            Content::Directory => {
                register.is_dir()
                    && std::fs::read(register.join("inside.txt")).ok().as_deref()
                        == Some(&b"not a register"[..])
            }
        };
        if !unchanged {
            problems.push(format!("{what} changed the file"));
        }
        let names: Vec<String> = std::fs::read_dir(dir)
            .expect("read the directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let strays: Vec<&String> = names
            .iter()
            .filter(|n| {
                ![WORKSPACE_REGISTER, "r.age.lock", "key1.txt", STATE_DIR].contains(&n.as_str())
            })
            .collect();
        if !strays.is_empty() {
            problems.push(format!("{what} left files behind: {strays:?}"));
        }
    }
    problems
}

#[test]
fn damaged_registers_are_refused_and_left_untouched() {
    let workspace = Workspace::small(2);
    let file = workspace.register_bytes();
    let plaintext = workspace.plaintext();
    // The undamaged file and its armored form both open (the controls).
    workspace.ok(&["export"]);
    let cases = cases(&file, &plaintext, &workspace.identity(0).to_public());
    {
        let armored_dir = workspace.path("armored");
        std::fs::create_dir(&armored_dir).unwrap();
        std::fs::copy(workspace.key_path(0), armored_dir.join("key1.txt")).unwrap();
        std::fs::write(
            armored_dir.join(WORKSPACE_REGISTER),
            encrypt_armored_to(&plaintext, &workspace.identity(0).to_public()),
        )
        .unwrap();
        let output = command(&armored_dir)
            .args(["-f", WORKSPACE_REGISTER, "-i", "key1.txt", "export"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "an intact armored register opens"
        );
    }

    // Two lanes, each in its own directory with a copy of the key.
    const LANES: usize = 2;
    let lanes: Vec<_> = (0..LANES)
        .map(|lane| {
            let dir = workspace.path(&format!("lane-{lane}"));
            std::fs::create_dir(&dir).unwrap();
            std::fs::copy(workspace.key_path(0), dir.join("key1.txt")).unwrap();
            dir
        })
        .collect();
    let problems: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = lanes
            .iter()
            .enumerate()
            .map(|(lane, dir)| {
                let cases = &cases;
                scope.spawn(move || {
                    cases
                        .iter()
                        .skip(lane)
                        .step_by(LANES)
                        .flat_map(|case| check(dir, case))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a lane"))
            .collect()
    });
    let failed: std::collections::BTreeSet<&str> = problems
        .iter()
        .filter_map(|p| p.split(": `").next())
        .collect();
    eprintln!(
        "corruption: {} mutations, {} passed, {} failed ({} commands)",
        cases.len(),
        cases.len() - failed.len(),
        failed.len(),
        cases.len() * 2
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The original still opens: nothing above touched it.
    assert_eq!(workspace.register_bytes(), file);
    workspace.ok(&["audit", "verify"]);
}

/// age's STREAM marks its last chunk: a register cut exactly after a full 64 KiB chunk must be
/// refused as truncated, not read as a shorter register.
#[test]
fn a_register_cut_at_a_chunk_boundary_is_refused() {
    const CHUNK: usize = 64 * 1024 + 16;
    let workspace = Workspace::generated(1, 200);
    let file = workspace.register_bytes();
    let header = header_end(&file);
    let boundaries: Vec<usize> = (1..)
        .map(|k| header + 16 + k * CHUNK)
        .take_while(|&cut| cut < file.len())
        .collect();
    assert!(
        boundaries.len() >= 2,
        "the register spans several chunks ({} bytes)",
        file.len()
    );
    let dir = workspace.path("cut");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(workspace.key_path(0), dir.join("key1.txt")).unwrap();
    let mut problems = Vec::new();
    for cut in boundaries {
        for (name, bytes) in [
            (format!("cut at chunk boundary {cut}"), file[..cut].to_vec()),
            (
                format!("chunk ending at {cut} removed"),
                [&file[..cut - CHUNK], &file[cut..]].concat(),
            ),
        ] {
            problems.extend(check(&dir, &bytes_case(name, bytes)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
