//! IP-level options that Tokio gives [`UdpSocket`] and [`TcpSocket`](crate::net::TcpSocket)
//! alike (type of service, traffic class, bound device), from one macro, and
//! `TryFrom<std::net::UdpSocket>`.

use std::io;

use crate::net::UdpSocket;

/// Implements `tos_v4`/`set_tos_v4` (with Tokio's deprecated `tos`/`set_tos`),
/// `tclass_v6`/`set_tclass_v6` and `device`/`bind_device` on `$ty`, an `AsFd` socket type, where
/// the OS has them.
macro_rules! ip_class_options {
    ($ty:ty) => {
        impl $ty {
            /// The IPv4 type-of-service field (`IP_TOS`) of packets sent from this socket.
            #[cfg(not(any(
                target_os = "fuchsia",
                target_os = "redox",
                target_os = "solaris",
                target_os = "illumos",
                target_os = "haiku",
            )))]
            pub fn tos_v4(&self) -> std::io::Result<u32> {
                socket2::SockRef::from(self).tos()
            }

            /// Sets the IPv4 type-of-service field (`IP_TOS`): DSCP and ECN bits.
            #[cfg(not(any(
                target_os = "fuchsia",
                target_os = "redox",
                target_os = "solaris",
                target_os = "illumos",
                target_os = "haiku",
            )))]
            pub fn set_tos_v4(&self, tos: u32) -> std::io::Result<()> {
                socket2::SockRef::from(self).set_tos(tos)
            }

            /// The old name of [`tos_v4`](Self::tos_v4).
            #[deprecated(note = "`tos` is IPv4-specific: use `tos_v4`")]
            #[doc(hidden)]
            #[cfg(not(any(
                target_os = "fuchsia",
                target_os = "redox",
                target_os = "solaris",
                target_os = "illumos",
                target_os = "haiku",
            )))]
            pub fn tos(&self) -> std::io::Result<u32> {
                self.tos_v4()
            }

            /// The old name of [`set_tos_v4`](Self::set_tos_v4).
            #[deprecated(note = "`set_tos` is IPv4-specific: use `set_tos_v4`")]
            #[doc(hidden)]
            #[cfg(not(any(
                target_os = "fuchsia",
                target_os = "redox",
                target_os = "solaris",
                target_os = "illumos",
                target_os = "haiku",
            )))]
            pub fn set_tos(&self, tos: u32) -> std::io::Result<()> {
                self.set_tos_v4(tos)
            }

            /// The IPv6 traffic class (`IPV6_TCLASS`) of packets sent from this socket.
            #[cfg(any(
                target_os = "android",
                target_os = "dragonfly",
                target_os = "freebsd",
                target_os = "fuchsia",
                target_os = "linux",
                target_os = "macos",
                target_os = "netbsd",
                target_os = "openbsd",
            ))]
            pub fn tclass_v6(&self) -> std::io::Result<u32> {
                socket2::SockRef::from(self).tclass_v6()
            }

            /// Sets the IPv6 traffic class (`IPV6_TCLASS`).
            #[cfg(any(
                target_os = "android",
                target_os = "dragonfly",
                target_os = "freebsd",
                target_os = "fuchsia",
                target_os = "linux",
                target_os = "macos",
                target_os = "netbsd",
                target_os = "openbsd",
            ))]
            pub fn set_tclass_v6(&self, tclass: u32) -> std::io::Result<()> {
                socket2::SockRef::from(self).set_tclass_v6(tclass)
            }

            /// The interface this socket is bound to (`SO_BINDTODEVICE`), if any.
            #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
            pub fn device(&self) -> std::io::Result<Option<Vec<u8>>> {
                socket2::SockRef::from(self).device()
            }

            /// Binds the socket to an interface by name (`None` unbinds); usually needs
            /// `CAP_NET_RAW`.
            #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
            pub fn bind_device(&self, interface: Option<&[u8]>) -> std::io::Result<()> {
                socket2::SockRef::from(self).bind_device(interface)
            }
        }
    };
}

pub(crate) use ip_class_options;

ip_class_options!(UdpSocket);

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// [`UdpSocket::from_std`].
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}
