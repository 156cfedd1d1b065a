//! The `?` overlay: every binding of the keymap, grouped by context, made
//! from the same table the key handler reads.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::modal::centered;
use crate::tui::state::State;
use crate::tui::text;

pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: usize) {
    let count = state.keymap.bindings().len();
    let height = u16::try_from(count + 2).unwrap_or(u16::MAX);
    let lines = lines(state, scroll);
    let popup = centered(area, 72, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.glyphs.border)
        .title(" Keys (j/k scroll, ? or Esc to close) ");
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// The bindings from `scroll` on; each context is named on its first line
/// and on the first line shown.
fn lines(state: &State, scroll: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut last = None;
    for binding in state.keymap.bindings().iter().skip(scroll) {
        let context = binding.context.name();
        let label = if last == Some(context) { "" } else { context };
        last = Some(context);
        let keys = text::fit(&binding.keys_label(), 16, state.glyphs.ellipsis);
        lines.push(Line::from(format!(
            "{label:<12}{keys:<17}{}",
            binding.description
        )));
    }
    lines
}
