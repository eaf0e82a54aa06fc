//! The table of every configuration key, kept beside the code that reads them.

/// Every configuration key, its default and what it does (the README's table is this one).
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "concurrency",
        "64",
        "requests in flight at once, over all hosts",
    ),
    (
        "host_concurrency",
        "4",
        "requests in flight at once to one host",
    ),
    (
        "host_interval",
        "\"100ms\"",
        "minimum time between request starts to one host",
    ),
    ("connect_timeout", "\"10s\"", "time allowed to connect"),
    (
        "timeout",
        "\"20s\"",
        "deadline for one request, body included",
    ),
    (
        "retries",
        "2",
        "retries of a transient failure (reset, timeout, 5xx, 429)",
    ),
    (
        "retry_after_cap",
        "\"10s\"",
        "longest Retry-After waited for; longer ones are not retried",
    ),
    (
        "max_redirects",
        "10",
        "redirects followed before too-many-redirects",
    ),
    (
        "max_body",
        "\"20MiB\"",
        "bodies larger than this are too-large",
    ),
    (
        "allow_net",
        "[]",
        "CIDR ranges the address guard lets through, e.g. [\"127.0.0.0/8\"]",
    ),
    ("contact", "\"\"", "contact address sent in the User-Agent"),
    (
        "archive",
        "\"archive\"",
        "the archive directory (WARC files and index.sqlite)",
    ),
    (
        "warc_url",
        "(none)",
        "an S3-compatible bucket for the WARC files, e.g. \"s3://evidence/provcheck/\" (endpoint, region and credentials from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); the index stays in the archive directory",
    ),
    (
        "index_url",
        "(none)",
        "a PostgreSQL database for the index, e.g. \"postgres://provcheck@db.internal/provcheck\" (the password from PGPASSWORD-style URL or ~/.pgpass is never printed); without it the index is index.sqlite in the archive directory",
    ),
    (
        "warc_max_size",
        "\"1GB\"",
        "a new WARC file is started past this size",
    ),
    (
        "warc_gzip_level",
        "3",
        "gzip level of WARC records, 0 (none) to 9 (smallest)",
    ),
    (
        "operator",
        "(none)",
        "who captures, written in every WARC file's warcinfo record (a newsroom's name and contact)",
    ),
    (
        "not_modified_record",
        "\"compact\"",
        "how a 304 to a conditional re-check is written: \"compact\" (one WARC metadata record per batch, a line per URL) or \"revisit\" (a server-not-modified revisit and a request record per URL)",
    ),
    (
        "edited_threshold",
        "0.30",
        "word-shingle similarity at or above which a changed page is edited, below replaced",
    ),
    (
        "soft404_probe",
        "true",
        "fetch a random sibling of each URL shape once per run to find sites that answer anything",
    ),
    (
        "confirm_failures",
        "3",
        "sweep: counted failures that confirm dead, soft-404 or replaced",
    ),
    (
        "confirm_spacing",
        "\"24h\"",
        "sweep: least time between two counted failures",
    ),
    (
        "count_server_errors",
        "true",
        "sweep: whether a 5xx counts as a failure",
    ),
    (
        "count_timeouts",
        "true",
        "sweep: whether a timeout counts as a failure",
    ),
    (
        "wayback_endpoint",
        "\"https://archive.org/wayback/available\"",
        "report and check: the Wayback Machine availability API asked for what to cite instead",
    ),
    (
        "sweep_batch",
        "2000",
        "sweep: URLs checked per batch; a sweep's memory follows this, not the archive's size",
    ),
    (
        "worker_lease",
        "\"2m\"",
        "how long a sweep worker's claims and host slots outlive its last heartbeat (sweep --worker): a worker that dies is taken over after this",
    ),
    (
        "quote_not_found",
        "\"problem\"",
        "check: a quotation not found in its source fails the gate (\"problem\", exit 1) or is only reported (\"report\")",
    ),
    (
        "quote_not_found_articles",
        "(none)",
        "check: quote_not_found per article id: { \"2026_column\" = \"report\" }",
    ),
    (
        "witness",
        "true",
        "report: ask an independent archive whether it holds the same bytes as each capture listed (false: never)",
    ),
    (
        "witness_endpoint",
        "\"https://web.archive.org/cdx/search/cdx\"",
        "report: the CDX server asked for the independent archive's captures (its replays are under /web/ on the same host)",
    ),
    (
        "witness_window",
        "\"3d\"",
        "report: how far before and after our capture another archive's capture counts as a witness",
    ),
    (
        "exclude",
        "mailto, tel, sms, javascript",
        "what is not a citation (skipped, never requested, never failing): a table of schemes, domains (with subdomains) and urls (regular expressions), beside the default schemes",
    ),
    (
        "replay_url",
        "(none)",
        "check and report: link our copy of a source in the desk's replay tool (pywb, ReplayWeb.page): a URL with {timestamp} and {url}",
    ),
    (
        "accept",
        "(none)",
        "statuses that count as fine from some hosts, with the reason shown: [[accept]] tables of hosts (domains, with subdomains), statuses and reason",
    ),
    (
        "user_agent",
        "provcheck/VERSION (source checker for news desks; CONTACT)",
        "the User-Agent header of every request (by default provcheck's, with contact)",
    ),
    (
        "tsa_url",
        "(none)",
        "an RFC 3161 time-stamp authority: each run's manifest hash is time-stamped there when the run closes, and verify --chain checks the reply",
    ),
    (
        "base_urls",
        "(none)",
        "the base URL of the articles under each directory: a table { \"articles/world\" = \"https://news.example/world/\" } (the deepest directory wins; --base-url wins over it; an HTML article's <base href> over both)",
    ),
    (
        "sources_headings",
        "(none)",
        "headings that start an article's sources section besides the built-in ones (sources, references, notes, further reading, provenance in eight languages), compared whole: [\"Our reporting\", \"Quellenverzeichnis\"]",
    ),
    (
        "sources_sections",
        "(none)",
        "ids or classes of an HTML article's sources section besides the built-in ones: [\"story-sourcing\"]",
    ),
    (
        "proxy",
        "(none)",
        "every request goes through this proxy: http://HOST:PORT or https://HOST:PORT (an HTTP proxy: CONNECT for https, absolute-form requests for http) or socks5://HOST:PORT (names resolved by the proxy)",
    ),
    (
        "proxy_auth",
        "(none)",
        "the proxy's user and password: { user = \"desk\", password = \"env:PROXY_PASSWORD\" } (\"env:NAME\" or \"file:PATH\"), sent as Proxy-Authorization or SOCKS5 user/password, redacted in the archive",
    ),
    (
        "ca_file",
        "(none)",
        "a PEM file of CA certificates trusted besides the system's (an intranet wire mirror behind the newsroom's own CA)",
    ),
    (
        "credentials",
        "(none)",
        "headers sent to some hosts only (a wire service's token, a cookie, basic auth): [[credentials]] tables of hosts, headers and basic_auth whose values are \"env:NAME\" or \"file:PATH\" (owner-only), never printed and archived redacted",
    ),
];
