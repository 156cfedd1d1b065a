//! Runs the built `dbdeck` binary in a pseudo-terminal and reads its screen
//! through a VT100 parser, for end-to-end tests of the TUI.

use std::io::{Read as _, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// The longest any screen state is waited for before a test fails.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);

/// The parsed screen, and whether the program closed its terminal.
struct Screen {
    parser: vt100::Parser,
    closed: bool,
}

/// The screen with a condition variable the reader thread signals after
/// every chunk of output, so waits end as soon as the screen changes.
type Shared = Arc<(Mutex<Screen>, Condvar)>;

pub struct Terminal {
    screen: Shared,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
}

impl Terminal {
    /// Starts `dbdeck ARGS` in a `cols`×`rows` terminal with its files under
    /// `home`, so it never touches the user's own.
    pub fn spawn(args: &[&str], home: &Path, cols: u16, rows: u16) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_dbdeck"));
        command.args(args);
        command.env("HOME", home);
        command.env("XDG_CONFIG_HOME", home.join("config"));
        command.env("XDG_DATA_HOME", home.join("data"));
        command.env("XDG_STATE_HOME", home.join("state"));
        command.env("TERM", "xterm-256color");
        command.env("LANG", "C.UTF-8");
        command.env_remove("LC_ALL");
        let child = pair.slave.spawn_command(command).expect("start dbdeck");
        drop(pair.slave);

        let parser = vt100::Parser::new(rows, cols, 0);
        let screen: Shared = Arc::new((
            Mutex::new(Screen {
                parser,
                closed: false,
            }),
            Condvar::new(),
        ));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            loop {
                let read = reader.read(&mut buffer).unwrap_or(0);
                let mut state = sink.0.lock().expect("screen lock");
                if read == 0 {
                    state.closed = true;
                } else {
                    state.parser.process(&buffer[..read]);
                }
                sink.1.notify_all();
                if read == 0 {
                    break;
                }
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        // The master must outlive the child; leaking it is fine in a test.
        std::mem::forget(pair.master);
        Self {
            screen,
            writer,
            child,
        }
    }

    /// The visible text of the screen.
    pub fn contents(&self) -> String {
        self.screen
            .0
            .lock()
            .expect("screen lock")
            .parser
            .screen()
            .contents()
    }

    /// Types keys: text, or escape sequences such as "\r" for Enter.
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Waits until the screen satisfies `ready`, failing with the screen's
    /// contents after a generous timeout.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        let (lock, changed) = &*self.screen;
        let mut state = lock.lock().expect("screen lock");
        loop {
            let contents = state.parser.screen().contents();
            if ready(&contents) {
                return contents;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || state.closed {
                // Release the screen first: a failing test must not poison
                // the lock the reader thread still needs.
                drop(state);
                panic!("no {what} on screen:\n{contents}");
            }
            state = changed.wait_timeout(state, left).expect("screen lock").0;
        }
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(text, |screen| screen.contains(text))
    }

    /// Waits for the program to exit and returns whether it succeeded,
    /// with whether the terminal was left in the normal screen with a
    /// visible cursor.
    pub fn wait_exit(mut self) -> (bool, bool) {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        let (lock, changed) = &*self.screen;
        let mut state = lock.lock().expect("screen lock");
        while !state.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let contents = state.parser.screen().contents();
                drop(state);
                panic!("dbdeck did not exit; screen:\n{contents}");
            }
            state = changed.wait_timeout(state, left).expect("screen lock").0;
        }
        let screen = state.parser.screen();
        let restored = !screen.alternate_screen() && !screen.hide_cursor();
        drop(state);
        let status = self.child.wait().expect("wait for dbdeck");
        (status.success(), restored)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
