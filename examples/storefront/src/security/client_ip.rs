//! The client's address: the TCP peer's, or what a trusted proxy says it is.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use std::net::SocketAddr;

/// A network whose peers are trusted reverse proxies (`--trusted-proxy`): an address with a
/// prefix length (`10.0.0.0/8`, `fd00::/8`) or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

/// A `--trusted-proxy` value that is not an address or `address/prefix`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address or network (like 10.0.0.0/8 or fd00::/8)")]
pub struct BadProxyNet(pub String);

impl std::str::FromStr for ProxyNet {
    type Err = BadProxyNet;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadProxyNet(text.to_owned());
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let addr: std::net::IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(ProxyNet { addr, prefix })
    }
}

impl std::fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl ProxyNet {
    /// True when `ip` is in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies trusted when none are configured: this machine only (`127.0.0.0/8`, `::1`),
/// for a TLS proxy on the same host.
pub fn default_trusted_proxies() -> std::sync::Arc<[ProxyNet]> {
    std::sync::Arc::from(
        [
            ProxyNet {
                addr: std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 0)),
                prefix: 8,
            },
            ProxyNet {
                addr: std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
                prefix: 128,
            },
        ]
        .as_slice(),
    )
}

/// The client's IP address: the TCP peer's, or, when the peer is a trusted proxy
/// ([`AppParts::trusted_proxies`](crate::AppParts::trusted_proxies)), the rightmost address of `X-Forwarded-For` (else of
/// `Forwarded: for=`) that is not itself a trusted proxy. A forwarding header from any other
/// peer is ignored. `None` when the router is not served with
/// `into_make_service_with_connect_info` (as in tests driving it directly). Worked out once per
/// request by [`harden`](crate::security::harden)'s middleware; the login throttles, the unpaid-order limit and the
/// security log all read that one value.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl ClientIp {
    /// The address as text, if known.
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }

    /// The address the unpaid-order limit counts: none for a loopback address (a proxy on
    /// this host that forwarded no client address would make every shopper one client).
    pub fn for_limits(&self) -> Option<std::net::IpAddr> {
        self.0.filter(|ip| !ip.is_loopback())
    }

    /// The address of a request, as [`harden`](crate::security::harden)'s middleware worked it out (else the peer's).
    pub fn of(extensions: &axum::http::Extensions) -> ClientIp {
        extensions.get::<ClientIp>().copied().unwrap_or_else(|| {
            ClientIp(
                extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(a)| a.ip()),
            )
        })
    }

    /// The client of a request from `peer` with these headers, trusting forwarding headers
    /// only from a peer in `trusted`.
    pub fn resolve(
        peer: Option<std::net::IpAddr>,
        headers: &axum::http::HeaderMap,
        trusted: &[ProxyNet],
    ) -> ClientIp {
        // An IPv4 client of a dual-stack socket arrives as `::ffff:a.b.c.d`: counted as IPv4.
        let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
            return ClientIp(None);
        };
        let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
        if !is_trusted(peer) {
            return ClientIp(Some(peer));
        }
        let mut hops = forwarded_for(headers, &header::HeaderName::from_static("x-forwarded-for"));
        if hops.is_empty() {
            hops = forwarded_for(headers, &header::FORWARDED);
        }
        // From the right: each trusted proxy names the one before it; the first hop it did not
        // trust is the client. An entry that is not an address ends the walk (the proxy before
        // it wrote nonsense or a hidden name): the last trusted hop is then the client.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = *ip;
                    if !is_trusted(*ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        ClientIp(Some(client.to_canonical()))
    }
}

/// The addresses of `X-Forwarded-For` (comma-separated addresses) or `Forwarded` (`for=`
/// parameters), left to right over every header line; `None` for an entry that is no address.
fn forwarded_for(
    headers: &axum::http::HeaderMap,
    name: &header::HeaderName,
) -> Vec<Option<std::net::IpAddr>> {
    let forwarded = name == header::FORWARDED;
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| {
            v.to_str()
                .unwrap_or("_")
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|item| {
            let value = if forwarded {
                item.split(';')
                    .filter_map(|p| p.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .map(|(_, v)| v.trim().trim_matches('"').to_owned())?
            } else {
                item.trim().to_owned()
            };
            Some(parse_hop(&value))
        })
        .collect()
}

/// An address from a forwarding entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
/// `[2001:db8::1]:5678`.
fn parse_hop(text: &str) -> Option<std::net::IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    text.parse::<SocketAddr>().ok().map(|s| s.ip())
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp::of(&parts.extensions))
    }
}
