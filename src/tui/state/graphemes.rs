//! Text editing a grapheme at a time (case B34): ratatui-textarea moves and
//! deletes by code point, which would split an emoji family or leave an
//! accent without its letter. Left, Right, Backspace and Delete are taken
//! here; every other key goes to the textarea as it is.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::{CursorMove, TextArea};
use unicode_segmentation::UnicodeSegmentation as _;

/// Applies one key to `area`.
pub fn input(area: &mut TextArea<'static>, key: KeyEvent) {
    if !whole_grapheme(area, &key) {
        area.input(key);
    }
}

/// Handles the key a grapheme at a time; false when the textarea's own
/// handling is right (other keys, modifiers, or the edge of a line).
fn whole_grapheme(area: &mut TextArea<'static>, key: &KeyEvent) -> bool {
    if !key.modifiers.is_empty() {
        return false;
    }
    let cursor = area.cursor();
    let (row, column) = (cursor.0, cursor.1);
    let Some(line) = area.lines().get(row) else {
        return false;
    };
    let bounds = boundaries(line);
    let before = bounds.iter().rev().copied().find(|&at| at < column);
    let after = bounds.iter().copied().find(|&at| at > column);
    let jump = |area: &mut TextArea<'static>, to: usize| {
        let (row, to) = (u16::try_from(row), u16::try_from(to));
        if let (Ok(row), Ok(to)) = (row, to) {
            area.move_cursor(CursorMove::Jump(row, to));
        }
    };
    match (key.code, before, after) {
        (KeyCode::Left, Some(to), _) => jump(area, to),
        (KeyCode::Right, _, Some(to)) => jump(area, to),
        (KeyCode::Backspace, Some(to), _) => {
            jump(area, to);
            area.delete_str(column - to);
        }
        (KeyCode::Delete, _, Some(to)) => {
            area.delete_str(to - column);
        }
        _ => return false,
    }
    true
}

/// The character offsets where graphemes of `line` start, and its end.
fn boundaries(line: &str) -> Vec<usize> {
    let mut at = 0;
    let mut bounds = vec![0];
    for grapheme in line.graphemes(true) {
        at += grapheme.chars().count();
        bounds.push(at);
    }
    bounds
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;

    use super::*;

    fn press(area: &mut TextArea<'static>, code: KeyCode) {
        input(area, KeyEvent::new(code, KeyModifiers::NONE));
    }

    #[test]
    fn b34_backspace_and_arrows_take_whole_graphemes() {
        let mut area = TextArea::new(vec!["a👨\u{200d}👩\u{200d}👧b".to_owned()]);
        area.move_cursor(CursorMove::End);
        press(&mut area, KeyCode::Left);
        press(&mut area, KeyCode::Backspace);
        assert_eq!(area.lines(), ["ab"]);

        let mut area = TextArea::new(vec!["Cafe\u{301}".to_owned()]);
        area.move_cursor(CursorMove::End);
        press(&mut area, KeyCode::Backspace);
        assert_eq!(area.lines(), ["Caf"]);

        let mut area = TextArea::new(vec!["e\u{301}x".to_owned()]);
        press(&mut area, KeyCode::Delete);
        assert_eq!(area.lines(), ["x"]);
        press(&mut area, KeyCode::Right);
        assert_eq!(area.cursor(), (0, 1));
    }

    #[test]
    fn line_edges_are_left_to_the_textarea() {
        let mut area = TextArea::new(vec!["ab".to_owned(), "cd".to_owned()]);
        area.move_cursor(CursorMove::Jump(1, 0));
        press(&mut area, KeyCode::Backspace);
        assert_eq!(area.lines(), ["abcd"]);
    }
}
