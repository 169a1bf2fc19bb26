//! [`LinesStream`] and [`SplitStream`].

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use pin_project_lite::pin_project;
use tokio::io::{AsyncBufRead, Lines, Split};

pin_project! {
    /// A [`Stream`] of the lines of a buffered reader, from `zokio::io::Lines` (what
    /// `AsyncBufReadExt::lines` returns; Tokio's own type, which zokio re-exports). Each item is a
    /// line without its `\n` or `\r\n`; an I/O error is an `Err` item.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    /// use zokio_stream::StreamExt;
    /// use zokio_stream::wrappers::LinesStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let input: &[u8] = b"one\ntwo\r\nthree";
    /// let lines = LinesStream::new(BufReader::new(input).lines());
    /// let lines: Vec<String> = lines.collect::<std::io::Result<_>>().await?;
    /// assert_eq!(lines, ["one", "two", "three"]);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct LinesStream<R> {
        #[pin]
        inner: Lines<R>,
    }
}

impl<R> LinesStream<R> {
    /// Wraps `lines`.
    pub fn new(lines: Lines<R>) -> Self {
        LinesStream { inner: lines }
    }

    /// Gives back the `Lines`.
    pub fn into_inner(self) -> Lines<R> {
        self.inner
    }

    /// The `Lines`, pinned.
    pub fn as_pin_mut(self: Pin<&mut Self>) -> Pin<&mut Lines<R>> {
        self.project().inner
    }
}

impl<R: AsyncBufRead> Stream for LinesStream<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project()
            .inner
            .poll_next_line(cx)
            .map(Result::transpose)
    }
}

impl<R> AsRef<Lines<R>> for LinesStream<R> {
    fn as_ref(&self) -> &Lines<R> {
        &self.inner
    }
}

impl<R> AsMut<Lines<R>> for LinesStream<R> {
    fn as_mut(&mut self) -> &mut Lines<R> {
        &mut self.inner
    }
}

pin_project! {
    /// A [`Stream`] of the segments of a buffered reader split at a delimiter byte, from
    /// `zokio::io::Split` (what `AsyncBufReadExt::split` returns). Each item is a segment without
    /// the delimiter; an I/O error is an `Err` item.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    /// use zokio_stream::StreamExt;
    /// use zokio_stream::wrappers::SplitStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let input: &[u8] = b"a,bc,";
    /// let parts = SplitStream::new(BufReader::new(input).split(b','));
    /// let parts: Vec<Vec<u8>> = parts.collect::<std::io::Result<_>>().await?;
    /// assert_eq!(parts, [b"a".to_vec(), b"bc".to_vec()]);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct SplitStream<R> {
        #[pin]
        inner: Split<R>,
    }
}

impl<R> SplitStream<R> {
    /// Wraps `split`.
    pub fn new(split: Split<R>) -> Self {
        SplitStream { inner: split }
    }

    /// Gives back the `Split`.
    pub fn into_inner(self) -> Split<R> {
        self.inner
    }

    /// The `Split`, pinned.
    pub fn as_pin_mut(self: Pin<&mut Self>) -> Pin<&mut Split<R>> {
        self.project().inner
    }
}

impl<R: AsyncBufRead> Stream for SplitStream<R> {
    type Item = io::Result<Vec<u8>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project()
            .inner
            .poll_next_segment(cx)
            .map(Result::transpose)
    }
}

impl<R> AsRef<Split<R>> for SplitStream<R> {
    fn as_ref(&self) -> &Split<R> {
        &self.inner
    }
}

impl<R> AsMut<Split<R>> for SplitStream<R> {
    fn as_mut(&mut self) -> &mut Split<R> {
        &mut self.inner
    }
}
