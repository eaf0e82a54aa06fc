//! Byte offsets to 1-based lines and character columns.

/// The start offset of every line of a text, for binary search.
pub(super) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last position asked for (offset, its column), so that positions asked for in order
    /// on one long line cost the characters between them, not those from the line's start:
    /// a one-line article of many URLs stays linear.
    last: std::cell::Cell<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self {
            text,
            starts,
            last: std::cell::Cell::new((0, 1)),
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`. Offsets past the end, or
    /// inside a character, are clamped.
    pub(super) fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let (last_offset, last_column) = self.last.get();
        let column = if last_offset >= start && last_offset <= offset {
            last_column + self.text[last_offset..offset].chars().count()
        } else {
            self.text[start..offset].chars().count() + 1
        };
        self.last.set((offset, column));
        (saturate(line), saturate(column))
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let text = "ab\n–x\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(1), (1, 2));
        assert_eq!(index.position(3), (2, 1));
        // "–" is three bytes but one column.
        assert_eq!(index.position(6), (2, 2));
        assert_eq!(index.position(8), (3, 1));
        assert_eq!(index.position(9), (4, 1));
        assert_eq!(index.position(999), (4, 5));
    }
}
