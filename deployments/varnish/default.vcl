# Varnish in front of toasoan's public API: cache public reads for an hour and purge them
# exactly when content changes, by the surrogate keys toasoan names in each response
# (Surrogate-Key) and in each webhook's payload (data.purge.keys). See README.md beside it.
#
# Needs Varnish 6 or 7 with varnish-modules (vmod xkey): Debian/Ubuntu `apt install varnish
# varnish-modules`. Check it with `varnishd -C -f default.vcl`.
vcl 4.1;

import std;
import xkey;

backend toasoan {
    .host = "127.0.0.1";
    .port = "8080";
    .probe = {
        .url = "/readyz";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
    }
}

# Who may purge: the webhook receiver that turns toasoan's events into purges.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # PURGE / with "xkey-purge: article-12 articles category-3": every cached response that
        # carries one of the keys goes. Without the header, the URL itself is purged.
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.x-purged));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Editors' and authors' reads, logins, previews and readers' submissions are never shared.
    if (req.http.Authorization || req.url ~ "^/api/v1/(admin|auth|preview|submissions)(/|\?|$)") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # toasoan names what a public read shows; only those are kept long, as a change purges them.
    if (beresp.status == 200 && beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
        set beresp.ttl = 1h;
        set beresp.grace = 30s;
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
}
