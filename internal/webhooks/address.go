package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhooks make the server send requests to URLs an admin typed in: without care, that lets
// anyone holding an admin token probe the private network around the server, or read the
// cloud's metadata service (server-side request forgery). So a webhook's host must resolve to
// public addresses only: checked when the URL is saved (CheckURL, a clear 422) and again on
// every connection (the dialer's control function), since DNS may answer differently later.

// Resolver looks up the addresses of a host; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// localHosts are the hosts of this machine a webhook may name when local webhooks are allowed
// (TOASOAN_WEBHOOKS_ALLOW_LOCAL, for development and tests).
var localHosts = map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}

// CheckURL says what is wrong with a webhook URL, or "": it must be absolute https (http only
// for a local host), and its host must resolve to public addresses only. A local host
// (localhost, 127.0.0.1) is allowed only with allowLocal.
func CheckURL(ctx context.Context, raw string, allowLocal bool, r Resolver) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "must be an absolute https URL, e.g. https://tich-hop.example.vn/toasoan"
	}
	host := strings.ToLower(u.Hostname())
	local := localHosts[host]
	if u.Scheme != "https" && !(u.Scheme == "http" && local) {
		return "must be an https URL (http is allowed for localhost only)"
	}
	if local {
		if allowLocal {
			return ""
		}
		return "must not point to this server's own host"
	}
	addrs, err := lookup(ctx, host, r)
	if err != nil {
		return fmt.Sprintf("the host %s cannot be resolved", host)
	}
	for _, a := range addrs {
		if Allowed(a, false) {
			continue
		}
		what := host
		if a.String() != host {
			what = fmt.Sprintf("the host %s resolves to %s, which", host, a.Unmap())
		}
		return what + " is a private or reserved address: webhooks may call public hosts only"
	}
	return ""
}

// lookup resolves a host, or reads it when it is an IP address already.
func lookup(ctx context.Context, host string, r Resolver) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no address for %s", host)
	}
	return addrs, err
}

// reserved are ranges that are not private by net/netip's definition yet are no public hosts:
// "this network", carrier-grade NAT (where some clouds keep their metadata service), protocol
// assignments, benchmarking, documentation, the future-use block, and deprecated IPv6
// site-local addresses.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"),
}

// Allowed reports whether a webhook may connect to the address: a public unicast address, or
// with allowLocal a loopback one. Private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback,
// link-local (169.254/16, where cloud metadata lives; fe80::/10), multicast, unspecified and
// reserved addresses are refused, also when written as IPv4-mapped IPv6.
func Allowed(a netip.Addr, allowLocal bool) bool {
	a = a.Unmap()
	if a.IsLoopback() {
		return allowLocal
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// dialControl refuses, on every connection, an address a webhook may not reach: the name was
// checked when saved, but DNS may resolve it differently now (DNS rebinding).
func dialControl(allowLocal bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !Allowed(ap.Addr(), allowLocal) {
			return fmt.Errorf("address %s is not public", ap.Addr().Unmap())
		}
		return nil
	}
}

// newDialer is a dialer that connects only to addresses a webhook may reach.
func newDialer(allowLocal bool) *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: dialControl(allowLocal)}
}
