//! Outbound HTTP to addresses users configure (webhook targets, later attachment links), guarded
//! against server-side request forgery: loopback, private, link-local, shared, multicast,
//! documentation and other internal ranges are refused after DNS resolution, including the IPv6
//! forms that carry an IPv4 address inside them (IPv4-compatible `::/96`, 6to4 `2002::/16`,
//! Teredo `2001::/32`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`). Redirects are not followed: a
//! signed delivery never travels to an address that was not checked. Whatever the reason a
//! target is refused (no such host, or an internal one), the user reads the same sentence, so the
//! check cannot be used to learn which internal names exist. Operators whose integrations live on
//! an internal network (a WhatsApp gateway or n8n beside Atende) allow ranges with
//! `ATENDE_OUTBOUND_ALLOW`; cloud metadata addresses stay refused even then.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Connect timeout of outbound requests.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Total timeout of outbound requests.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// What a user reads when a target's host name cannot be used: the same for a name that does not
/// resolve and for one that resolves only to internal addresses (no DNS oracle).
pub fn refused_host(host: &str) -> String {
    format!("host {host} does not resolve to a public address")
}

/// Which addresses outbound requests may reach.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    allow: Vec<IpNet>,
}

/// Cloud metadata services: never reachable, whatever the operator allows.
fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => matches!(
            v4.octets(),
            [169, 254, 169, 254] | [169, 254, 170, 2] | [100, 100, 100, 200] | [192, 0, 0, 192]
        ),
        IpAddr::V6(v6) => v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240 // reserved
}

fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let segments = v6.segments();
            // NAT64 (64:ff9b::/96) embeds an IPv4 address in its last 32 bits.
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [_, _, _, _, _, _, hi, lo] = segments;
                return internal_v4(Ipv4Addr::new(
                    (hi >> 8) as u8,
                    hi as u8,
                    (lo >> 8) as u8,
                    lo as u8,
                ));
            }
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || segments[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (::/96, deprecated)
                || segments[0] == 0x2002 // 6to4: an IPv4 address in bits 16-48
                || (segments[0] == 0x2001 && segments[1] == 0) // Teredo: a tunnelled IPv4 client
                || segments[..3] == [0x64, 0xff9b, 1] // local-use NAT64 (64:ff9b:1::/48)
                || (segments[0] & 0xfe00) == 0xfc00 // unique local
                || (segments[0] & 0xffc0) == 0xfe80 // link-local
                || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        }
    }
}

impl OutboundPolicy {
    /// A policy that also allows `allow` (e.g. `127.0.0.0/8,10.0.0.0/8`).
    pub fn new(allow: Vec<IpNet>) -> Self {
        Self { allow }
    }

    /// Parses `ATENDE_OUTBOUND_ALLOW`: comma-separated CIDRs (or single addresses).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut allow = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("ATENDE_OUTBOUND_ALLOW: {item:?} is not a CIDR range"))?;
            allow.push(net);
        }
        Ok(Self { allow })
    }

    /// Whether a request may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        if is_metadata(ip) {
            return false;
        }
        let canonical = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.allow.iter().any(|net| net.contains(&canonical)) || !internal(canonical)
    }

    /// Checks a URL before a request: http(s) only; a literal IP must be permitted; a host name
    /// must resolve to at least one permitted address. Returns a sentence for the user, the same
    /// ([`refused_host`]) whether the host name is unknown or internal.
    pub async fn check_url(&self, url: &str) -> Result<url::Url, String> {
        let parsed = url::Url::parse(url.trim()).map_err(|_| "is not a valid URL".to_owned())?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("must use http or https".into());
        }
        let port = parsed.port_or_known_default().unwrap_or(80);
        match parsed.host() {
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip))?,
            Some(url::Host::Domain(host)) => {
                let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                    .await
                    .map_err(|_| refused_host(host))?
                    .collect();
                if !addresses.iter().any(|a| self.permits(a.ip())) {
                    return Err(refused_host(host));
                }
            }
            None => return Err("has no host".into()),
        }
        Ok(parsed)
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        // A literal address is the user's own text: naming it tells nothing new.
        if self.permits(ip) {
            Ok(())
        } else {
            Err(format!(
                "points to the internal address {ip}, which is not allowed"
            ))
        }
    }
}

/// A DNS resolver that drops the addresses the policy refuses, and fails when none is left.
#[derive(Clone, Debug)]
struct GuardedResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("refused: {host} resolves only to internal addresses").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client for user-configured targets: the guarded resolver, no system proxy, no
/// redirects (a 3xx is the answer; signature headers never reach a second host), 5 s to connect,
/// 10 s in all.
pub fn guarded_client(policy: Arc<OutboundPolicy>) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(GuardedResolver { policy })
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .user_agent(concat!("Atende/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with these settings always builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn internal_ranges_are_refused_by_default() {
        let policy = OutboundPolicy::default();
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            // IPv6 forms that embed or tunnel an IPv4 address, and deprecated site-local.
            "::7f00:1",
            "::a00:1",
            "::808:808",
            "2002:7f00:1::1",
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "64:ff9b:1::a00:1",
            "64:ff9b:1:ffff::1",
            "fec0::1",
            "feff::1",
        ] {
            assert!(!policy.permits(ip(refused)), "{refused}");
        }
        for allowed in [
            "8.8.8.8",
            "1.1.1.1",
            "200.160.2.3",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2001:4860:4860::8888",
            "2800:3f0:4001:80d::200e",
        ] {
            assert!(policy.permits(ip(allowed)), "{allowed}");
        }
    }

    #[test]
    fn operators_allow_ranges_but_never_metadata() {
        let policy =
            OutboundPolicy::parse("127.0.0.0/8, 10.0.0.0/8,169.254.0.0/16").expect("policy");
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(policy.permits(ip("10.9.8.7")));
        assert!(!policy.permits(ip("192.168.0.1")));
        assert!(
            !policy.permits(ip("169.254.169.254")),
            "metadata stays refused"
        );
        assert!(!policy.permits(ip("fd00:ec2::254")));
        assert!(OutboundPolicy::parse("10.0.0.0/8, nonsense").is_err());
    }

    #[tokio::test]
    async fn urls_are_checked_before_requests() {
        let policy = OutboundPolicy::default();
        assert!(
            policy
                .check_url("http://127.0.0.1:8080/hook")
                .await
                .is_err()
        );
        assert!(policy.check_url("http://localhost/hook").await.is_err());
        assert!(policy.check_url("http://[::1]/hook").await.is_err());
        assert!(policy.check_url("ftp://8.8.8.8/hook").await.is_err());
        assert!(
            policy.check_url("http://2130706433/hook").await.is_err(),
            "decimal IPv4 is 127.0.0.1"
        );
        assert!(policy.check_url("not a url").await.is_err());
        // One sentence for a host name that does not resolve and one that resolves only inside:
        // the answer tells nothing about which internal names exist.
        let unknown = policy.check_url("http://no-such-host.invalid/hook").await;
        let internal = policy.check_url("http://localhost/hook").await;
        assert_eq!(
            unknown.err().as_deref(),
            Some("host no-such-host.invalid does not resolve to a public address")
        );
        assert_eq!(
            internal.err().as_deref(),
            Some("host localhost does not resolve to a public address")
        );
        assert!(policy.check_url("http://[fec0::1]/hook").await.is_err());
        assert!(policy.check_url("http://8.8.8.8/hook").await.is_ok());
        let local = OutboundPolicy::parse("127.0.0.0/8").expect("policy");
        assert!(local.check_url("http://localhost:9/hook").await.is_ok());
    }
}
