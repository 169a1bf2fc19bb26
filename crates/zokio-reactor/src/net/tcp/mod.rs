//! TCP: [`TcpListener`], [`TcpStream`] with its halves, and [`TcpSocket`].

mod listener;
mod options;
pub(crate) mod ready;
mod socket;
mod split;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
