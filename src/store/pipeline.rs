//! Threads for a streamed write on a large register: one decrypts the old file ahead of the
//! code that reads it, another encrypts the new plaintext behind the code that writes it, so
//! that the two cores share the cryptography. Blocks pass through bounded channels: memory
//! stays at a few blocks, each zeroed when dropped.

use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Condvar, Mutex};

use zeroize::Zeroizing;

const BLOCK: usize = 256 * 1024;

/// Blocks in flight between two threads.
const DEPTH: usize = 8;

type Block = Zeroizing<Vec<u8>>;

enum Message {
    Data(Block),
    Failed(io::Error),
    /// The producer finished: without it a closed channel is an error, never an end.
    End,
}

/// The kind of error a producer gets when its consumer stopped first (the consumer's own
/// error is then the one to report).
pub const CONSUMER_STOPPED: io::ErrorKind = io::ErrorKind::BrokenPipe;

/// The error of a reader wrapped in `Unreadable`; see `is_unreadable`.
#[derive(Debug)]
struct UnreadableError(io::Error);

impl std::fmt::Display for UnreadableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the old register could not be read: {}", self.0)
    }
}

impl std::error::Error for UnreadableError {}

/// A reader whose errors say they are its own: in a pipeline that reads one file and writes
/// another, a damaged old file is told apart from a failing new one.
pub struct Unreadable<R>(pub R);

impl<R: Read> Read for Unreadable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), UnreadableError(e)))
    }
}

/// True when `error` came from a reader wrapped in `Unreadable`.
pub fn is_unreadable(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<UnreadableError>())
}

/// Reads, in order, what another thread sends, and sends the emptied blocks back to be
/// filled again: the same few blocks go round, instead of a fresh allocation (and its page
/// faults and zeroing) for every 256 KiB.
pub struct Incoming {
    rx: Receiver<Message>,
    spent: SyncSender<Block>,
    block: Block,
    at: usize,
    ended: bool,
}

/// A channel of blocks, and the one that brings them back.
fn channels() -> ((SyncSender<Message>, Receiver<Block>), Incoming) {
    let (tx, rx) = sync_channel(DEPTH);
    let (spent, reuse) = sync_channel(DEPTH + 2);
    let incoming = Incoming {
        rx,
        spent,
        block: Zeroizing::new(Vec::new()),
        at: 0,
        ended: false,
    };
    ((tx, reuse), incoming)
}

/// A spent block to fill again, or a new one.
fn reused(reuse: &Receiver<Block>) -> Block {
    reuse
        .try_recv()
        .unwrap_or_else(|_| Zeroizing::new(Vec::with_capacity(BLOCK)))
}

impl Incoming {
    /// Hands a block back to its sender; dropped (and zeroed) when it wants no more.
    fn give_back(&mut self, block: Block) {
        let _ = self.spent.try_send(block);
    }

    /// The next block, or `None` at the end.
    fn next_block(&mut self) -> io::Result<Option<Block>> {
        if self.ended {
            return Ok(None);
        }
        match self.rx.recv() {
            Ok(Message::Data(block)) => Ok(Some(block)),
            Ok(Message::Failed(error)) => Err(error),
            Ok(Message::End) => {
                self.ended = true;
                Ok(None)
            }
            Err(_) => Err(io::Error::other(
                "a streaming thread stopped before its end",
            )),
        }
    }

    /// Encrypts everything still to come into `out`, block by block, each in place.
    pub fn drain_into<W: Write>(&mut self, out: &mut super::payload::Writer<W>) -> io::Result<()> {
        let at = self.at;
        out.write_in_place(&mut self.block[at..])?;
        self.at = self.block.len();
        while let Some(mut block) = self.next_block()? {
            out.write_in_place(&mut block)?;
            self.give_back(block);
        }
        Ok(())
    }
}

impl Read for Incoming {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            match self.next_block()? {
                Some(block) => {
                    let spent = std::mem::replace(&mut self.block, block);
                    self.give_back(spent);
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Sends what is written to another thread, a block at a time.
struct Outgoing {
    tx: SyncSender<Message>,
    reuse: Receiver<Block>,
    block: Block,
}

impl Outgoing {
    fn send(&mut self, message: Message) -> io::Result<()> {
        self.tx
            .send(message)
            .map_err(|_| io::Error::new(CONSUMER_STOPPED, "the encrypting thread stopped"))
    }

    fn flush_block(&mut self) -> io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let mut next = reused(&self.reuse);
        next.clear();
        let full = std::mem::replace(&mut self.block, next);
        self.send(Message::Data(full))
    }

    fn finish(mut self) -> io::Result<()> {
        self.flush_block()?;
        self.send(Message::End)
    }
}

impl Write for Outgoing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK {
            self.flush_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `consume` on what `reader` yields, read on another thread ahead of it. `consume` may
/// stop early; the reading thread then stops too.
pub fn read_through<R: Read + Send, T>(
    reader: &mut R,
    consume: impl FnOnce(&mut Incoming) -> T,
) -> T {
    std::thread::scope(|scope| {
        let ((tx, reuse), mut incoming) = channels();
        scope.spawn(move || {
            loop {
                let mut block = reused(&reuse);
                block.resize(BLOCK, 0);
                let mut filled = 0;
                while filled < BLOCK {
                    match reader.read(&mut block[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Message::Failed(e));
                            return;
                        }
                    }
                }
                if filled == 0 {
                    let _ = tx.send(Message::End);
                    return;
                }
                block.truncate(filled);
                if tx.send(Message::Data(block)).is_err() {
                    return;
                }
            }
        });
        // `incoming` is dropped as `consume` returns, which unblocks a reader waiting to send.
        consume(&mut incoming)
    })
}

/// Blocks `read_ahead` fills, and how many are in flight. A change of a 2 MB register
/// (alternating runs of each build) took a median of 15.3-15.5 ms with three blocks of
/// 128 KiB, 16.1-16.3 ms with three of 256 KiB and 16.2-16.4 ms with four of 64 KiB, and
/// 16.8-16.9 ms read on one thread.
const AHEAD_BLOCK: usize = 128 * 1024;
const AHEAD_BLOCKS: usize = 3;

/// The blocks `read_ahead`'s two threads pass back and forth.
struct Ring {
    /// Filled blocks, in order, and how much of each is filled.
    full: std::collections::VecDeque<(Block, usize)>,
    /// Blocks to fill.
    empty: Vec<Block>,
    /// The reader reached its end, or failed.
    ended: bool,
    failed: Option<io::Error>,
    /// The consumer wants no more.
    stopped: bool,
}

struct Shared {
    ring: Mutex<Ring>,
    /// Signalled when a block is filled, emptied, or either side stops.
    changed: Condvar,
}

fn poisoned<T>(_: T) -> io::Error {
    io::Error::other("a streaming thread failed")
}

/// Reads, in order, what `read_ahead`'s other thread filled.
pub struct Ahead<'a> {
    shared: &'a Shared,
    block: Block,
    len: usize,
    at: usize,
}

impl Read for Ahead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.len {
            let mut ring = self.shared.ring.lock().map_err(poisoned)?;
            let spent = std::mem::take(&mut self.block);
            if spent.capacity() > 0 {
                ring.empty.push(spent);
                self.shared.changed.notify_all();
            }
            loop {
                if let Some((block, len)) = ring.full.pop_front() {
                    (self.block, self.len, self.at) = (block, len, 0);
                    self.shared.changed.notify_all();
                    break;
                }
                if let Some(error) = ring.failed.take() {
                    return Err(error);
                }
                if ring.ended {
                    return Ok(0);
                }
                ring = self.shared.changed.wait(ring).map_err(poisoned)?;
            }
        }
        let n = buf.len().min(self.len - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Drop for Ahead<'_> {
    fn drop(&mut self) {
        if let Ok(mut ring) = self.shared.ring.lock() {
            ring.stopped = true;
        }
        self.shared.changed.notify_all();
    }
}

/// Like `read_through`, for a small register: `reader` is read on another thread, a few
/// blocks ahead of `consume`. The blocks are allocated here, and the two threads wait on a
/// condition variable rather than a channel, so that the other thread allocates nothing:
/// its first allocation would cost it a fresh 2 MiB page.
pub fn read_ahead<R: Read + Send, T>(
    reader: &mut R,
    consume: impl FnOnce(&mut Ahead<'_>) -> T,
) -> T {
    let shared = Shared {
        ring: Mutex::new(Ring {
            full: std::collections::VecDeque::with_capacity(AHEAD_BLOCKS),
            empty: (0..AHEAD_BLOCKS)
                .map(|_| Zeroizing::new(vec![0u8; AHEAD_BLOCK]))
                .collect(),
            ended: false,
            failed: None,
            stopped: false,
        }),
        changed: Condvar::new(),
    };
    std::thread::scope(|scope| {
        let shared = &shared;
        scope.spawn(move || {
            let finish = |outcome: Option<io::Error>| {
                if let Ok(mut ring) = shared.ring.lock() {
                    ring.ended = true;
                    ring.failed = outcome;
                }
                shared.changed.notify_all();
            };
            loop {
                let mut block = {
                    let Ok(mut ring) = shared.ring.lock() else {
                        return finish(Some(poisoned(())));
                    };
                    loop {
                        if ring.stopped {
                            return;
                        }
                        if let Some(block) = ring.empty.pop() {
                            break block;
                        }
                        match shared.changed.wait(ring) {
                            Ok(next) => ring = next,
                            Err(_) => return finish(Some(poisoned(()))),
                        }
                    }
                };
                let mut filled = 0;
                while filled < block.len() {
                    match reader.read(&mut block[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return finish(Some(e)),
                    }
                }
                if filled == 0 {
                    return finish(None);
                }
                let Ok(mut ring) = shared.ring.lock() else {
                    return finish(Some(poisoned(())));
                };
                ring.full.push_back((block, filled));
                shared.changed.notify_all();
            }
        });
        let mut ahead = Ahead {
            shared,
            block: Zeroizing::new(Vec::new()),
            len: 0,
            at: 0,
        };
        // `ahead` is dropped as `consume` returns, which stops a reader waiting for a block.
        consume(&mut ahead)
    })
}

/// Runs `produce` here and `consume` on another thread, which reads what `produce` writes.
/// `consume` reaches the end of its input only when `produce` succeeded, so it can never
/// complete a cut-off output. When `consume` stops first, `produce` fails with
/// `CONSUMER_STOPPED`, and `consume`'s result says why.
pub fn write_through<T: Send>(
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    consume: impl FnOnce(&mut Incoming) -> T + Send,
) -> (io::Result<()>, T) {
    std::thread::scope(|scope| {
        let ((tx, reuse), mut incoming) = channels();
        let consumer = scope.spawn(move || consume(&mut incoming));
        let mut outgoing = Outgoing {
            tx,
            block: reused(&reuse),
            reuse,
        };
        let produced = match produce(&mut outgoing) {
            Ok(()) => outgoing.finish(),
            Err(error) => {
                // Closed without `End`: the consumer's input fails.
                drop(outgoing);
                Err(error)
            }
        };
        let consumed = match consumer.join() {
            Ok(consumed) => consumed,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (produced, consumed)
    })
}

/// What the writer asks of the syncing thread. A mutex and a condition variable rather than a
/// channel: blocking on a channel allocates on the waiting thread, and the first allocation
/// of a thread costs it a fresh 2 MiB page of its own.
#[derive(Default)]
struct Asks {
    state: Mutex<Asked>,
    wake: Condvar,
}

#[derive(Default)]
struct Asked {
    /// A sync was asked for since the last one started.
    sync: bool,
    /// The writing is over: the final fsync covers the rest.
    done: bool,
}

impl Asks {
    fn ask(&self, what: impl FnOnce(&mut Asked)) {
        if let Ok(mut asked) = self.state.lock() {
            what(&mut asked);
        }
        self.wake.notify_one();
    }

    /// Waits for a sync to be asked for; false when the writing is over.
    fn next(&self) -> io::Result<bool> {
        let poisoned = |_| io::Error::other("the writing thread failed");
        let mut asked = self.state.lock().map_err(poisoned)?;
        while !asked.sync && !asked.done {
            asked = self.wake.wait(asked).map_err(poisoned)?;
        }
        let go = !asked.done;
        asked.sync = false;
        Ok(go)
    }
}

/// Tells the syncing thread that the writing is over, also when it panicked.
struct Done<'a>(&'a Asks);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.ask(|asked| asked.done = true);
    }
}

/// A writer that asks a syncing thread to flush the file to disk every `every` bytes, so
/// that the final fsync finds little left to write (see `sync_ahead`).
pub struct SyncAhead<'a, W> {
    inner: W,
    asks: Option<&'a Asks>,
    every: u64,
    since: u64,
}

impl<W> SyncAhead<'_, W> {
    /// Counts `n` bytes written, and asks for a sync every `every`.
    fn count(&mut self, n: usize) {
        self.since += n as u64;
        if self.since >= self.every {
            self.since = 0;
            if let Some(asks) = self.asks {
                // A sync under way (or one already asked for) covers these bytes too.
                asks.ask(|asked| asked.sync = true);
            }
        }
    }
}

impl<W: Write> Write for SyncAhead<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count(n);
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let n = self.inner.write_vectored(bufs)?;
        self.count(n);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Runs `run` with `inner` wrapped in a `SyncAhead` whose syncs of `file` (the same file,
/// another handle) run on their own thread every `every` bytes, overlapping the writing.
/// Returns `run`'s result and whether every sync succeeded: a failed background sync fails
/// the write, because the final fsync may not report the error again. Without `file`,
/// nothing is synced ahead.
pub fn sync_ahead<W: Write, T>(
    file: Option<std::fs::File>,
    every: u64,
    inner: W,
    run: impl FnOnce(SyncAhead<'_, W>) -> T,
) -> (T, io::Result<()>) {
    let Some(file) = file else {
        let writer = SyncAhead {
            inner,
            asks: None,
            every,
            since: 0,
        };
        return (run(writer), Ok(()));
    };
    let asks = Asks::default();
    std::thread::scope(|scope| {
        let syncer = scope.spawn(|| {
            while asks.next()? {
                file.sync_data()?;
            }
            Ok(())
        });
        let result = {
            let _done = Done(&asks);
            run(SyncAhead {
                inner,
                asks: Some(&asks),
                every,
                since: 0,
            })
        };
        let synced = syncer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the syncing thread failed")));
        (result, synced)
    })
}

#[cfg(test)]
mod tests {
    use super::super::payload;
    use super::*;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn what_goes_through_comes_out_whole_at_every_size() {
        for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5] {
            let input = data(len);
            let mut reader = input.as_slice();
            let read = read_through(&mut reader, |incoming| {
                let mut out = Vec::new();
                incoming.read_to_end(&mut out).map(|_| out)
            });
            assert_eq!(read.unwrap(), input, "read_through, {len} bytes");
            let identity = age::x25519::Identity::generate();
            let (produced, consumed) = write_through(
                |w| w.write_all(&input),
                |incoming| {
                    let recipient = identity.to_public();
                    let mut out = payload::Writer::start(&[&recipient], Vec::new()).unwrap();
                    incoming.drain_into(&mut out).and_then(|()| out.finish())
                },
            );
            produced.unwrap();
            let file = consumed.unwrap();
            let mut reader =
                payload::open(&file[..], std::iter::once(&identity as &dyn age::Identity)).unwrap();
            let mut decrypted = Vec::new();
            reader.read_to_end(&mut decrypted).unwrap();
            assert_eq!(decrypted, input, "write_through, {len} bytes");
        }
    }

    #[test]
    fn a_failed_producer_never_looks_finished() {
        let (produced, consumed) = write_through(
            |w| {
                w.write_all(&data(2 * BLOCK))?;
                Err(io::Error::other("the old register could not be read"))
            },
            |incoming| {
                let recipient = age::x25519::Identity::generate().to_public();
                let mut out = payload::Writer::start(&[&recipient], Vec::new()).unwrap();
                incoming.drain_into(&mut out)
            },
        );
        assert!(produced.is_err());
        assert!(
            consumed.is_err(),
            "the consumer saw an end that did not happen"
        );
    }

    #[test]
    fn a_stopped_consumer_stops_the_producer() {
        let (produced, consumed) = write_through(
            |w| {
                for _ in 0..64 {
                    w.write_all(&data(BLOCK))?;
                }
                Ok(())
            },
            |_| Err::<(), _>(io::Error::other("disk full")),
        );
        assert_eq!(produced.unwrap_err().kind(), CONSUMER_STOPPED);
        assert!(consumed.is_err());
    }

    #[test]
    fn syncing_ahead_writes_everything() {
        let mut file = tempfile::tempfile().unwrap();
        let handle = file.try_clone().unwrap();
        let every = 64 * 1024;
        let input = data(2 * every as usize + 5);
        let (written, synced) = sync_ahead(Some(handle), every, &mut file, |mut w| {
            w.write_all(&input)?;
            w.flush()
        });
        written.unwrap();
        synced.unwrap();
        let mut back = Vec::new();
        std::io::Seek::rewind(&mut file).unwrap();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back, input);
    }

    /// Writes `len` bytes through a `SyncAhead` (every 64 KiB) whose syncs go to
    /// `/dev/null`, where fsync fails (EINVAL): whether the syncs succeeded tells whether
    /// one was asked for.
    fn synced_to_a_device(len: usize) -> (Vec<u8>, io::Result<()>) {
        let null = std::fs::File::open("/dev/null").unwrap();
        let mut out = Vec::new();
        let (written, synced) = sync_ahead(Some(null), 64 * 1024, &mut out, |mut w| {
            w.write_all(&data(len))?;
            w.flush()
        });
        written.unwrap();
        (out, synced)
    }

    #[test]
    fn a_failed_background_sync_fails_the_write() {
        // The syncing thread's error must come back: the final fsync of the real file might
        // not report it again.
        let (out, synced) = synced_to_a_device(3 * 64 * 1024);
        assert!(synced.is_err());
        assert_eq!(out, data(3 * 64 * 1024));
    }

    #[test]
    fn a_writer_that_panics_does_not_leave_the_syncing_thread_waiting() {
        let file = tempfile::tempfile().unwrap();
        let result = std::panic::catch_unwind(|| {
            sync_ahead(Some(file), 64 * 1024, Vec::new(), |_| -> () {
                panic!("the writer failed")
            })
        });
        assert!(
            result.is_err(),
            "the panic comes back, after the syncer ended"
        );
    }

    #[test]
    fn below_the_period_nothing_is_synced_ahead() {
        let (out, synced) = synced_to_a_device(64 * 1024 - 1);
        synced.unwrap();
        assert_eq!(out.len(), 64 * 1024 - 1);
    }

    #[test]
    fn a_reader_error_reaches_the_consumer() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("damaged chunk"))
            }
        }
        let result = read_through(&mut Failing, |incoming| {
            let mut out = Vec::new();
            incoming.read_to_end(&mut out)
        });
        assert!(result.is_err());
        let result = read_ahead(&mut Failing, |ahead| {
            let mut out = Vec::new();
            ahead.read_to_end(&mut out)
        });
        assert_eq!(result.unwrap_err().to_string(), "damaged chunk");
    }

    /// Reads `len` bytes, then fails.
    struct FailsAfter(Vec<u8>, usize);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1 == self.0.len() {
                return Err(io::Error::other("damaged chunk"));
            }
            let n = buf.len().min(self.0.len() - self.1).min(1000);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn reading_ahead_gives_everything_in_order_at_every_size() {
        let sizes = [
            0,
            1,
            AHEAD_BLOCK - 1,
            AHEAD_BLOCK,
            AHEAD_BLOCK + 1,
            AHEAD_BLOCKS * AHEAD_BLOCK,
            (2 * AHEAD_BLOCKS + 1) * AHEAD_BLOCK + 5,
        ];
        for len in sizes {
            let input = data(len);
            // Read in odd pieces, as the streaming window reads.
            let read = read_ahead(&mut input.as_slice(), |ahead| {
                let mut out = Vec::new();
                let mut piece = vec![0u8; 12_345];
                loop {
                    let n = ahead.read(&mut piece)?;
                    if n == 0 {
                        return Ok::<_, io::Error>(out);
                    }
                    out.extend_from_slice(&piece[..n]);
                }
            });
            assert_eq!(read.unwrap(), input, "read_ahead, {len} bytes");
        }
    }

    #[test]
    fn reading_ahead_gives_the_blocks_before_an_error_then_the_error() {
        let input = data(2 * AHEAD_BLOCK + 777);
        let mut reader = FailsAfter(input.clone(), 0);
        let (first, rest) = read_ahead(&mut reader, |ahead| {
            let mut first = vec![0u8; 2 * AHEAD_BLOCK];
            let read = ahead.read_exact(&mut first);
            let mut rest = Vec::new();
            (read.map(|()| first), ahead.read_to_end(&mut rest))
        });
        assert!(
            first.unwrap() == input[..2 * AHEAD_BLOCK],
            "the whole blocks"
        );
        assert_eq!(rest.unwrap_err().to_string(), "damaged chunk");
    }

    #[test]
    fn a_consumer_that_stops_early_stops_the_reading_thread() {
        // Far more than the blocks in flight: the reading thread must not wait for ever.
        let input = data(64 * AHEAD_BLOCK);
        let first = read_ahead(&mut input.as_slice(), |ahead| {
            let mut byte = [0u8; 1];
            ahead.read_exact(&mut byte).map(|()| byte[0])
        });
        assert_eq!(first.unwrap(), input[0]);
    }
}
