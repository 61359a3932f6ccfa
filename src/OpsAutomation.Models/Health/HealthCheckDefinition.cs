namespace OpsAutomation.Models.Health;

/// <summary>What to check and how: one entry of a service catalog, or one -Uri of a command line.</summary>
public sealed record HealthCheckDefinition
{
    /// <summary>A unique name within a run.</summary>
    public required string Name { get; init; }

    /// <summary>How the target is probed.</summary>
    public required HealthCheckKind Kind { get; init; }

    /// <summary>An absolute http(s) URI, host:port for TCP, or a host name for DNS.</summary>
    public required string Target { get; init; }

    /// <summary>The HTTP method; GET unless set.</summary>
    public string Method { get; init; } = "GET";

    /// <summary>Status codes that count as healthy; empty means any 2xx.</summary>
    public IReadOnlyList<int> ExpectedStatusCodes { get; init; } = [];

    /// <summary>A regular expression the response body must match.</summary>
    public string? BodyPattern { get; init; }

    /// <summary>A response slower than this is Degraded; null for no limit.</summary>
    public TimeSpan? MaxResponseTime { get; init; }

    /// <summary>The limit of one attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a failed first attempt.</summary>
    public int RetryCount { get; init; }

    /// <summary>Request headers; a value may be a secret reference (<c>env:NAME</c> or <c>file:PATH</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Basic authentication user name.</summary>
    public string? UserName { get; init; }

    /// <summary>Basic authentication password as a secret reference (<c>env:NAME</c> or <c>file:PATH</c>).</summary>
    public string? PasswordReference { get; init; }

    /// <summary>Accept any server certificate (self-signed test endpoints).</summary>
    public bool SkipCertificateCheck { get; init; }

    /// <summary>Follow HTTP redirects, at most 10 hops, as blackbox_exporter and Kubernetes probes do. Default true.</summary>
    public bool FollowRedirects { get; init; } = true;

    /// <summary>The largest response body read, in bytes; a larger one is Unhealthy. Default 16 MiB.</summary>
    public long MaxResponseBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>A PEM file of CA certificates that, instead of the system's, anchor the server's certificate; null for the system store.</summary>
    public string? CaBundle { get; init; }

    /// <summary>A client certificate for mutual TLS: a PEM certificate (key in <see cref="ClientKey"/> or the same file) or a PFX file; null for none.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertificate"/>; null when the certificate file holds it or is a PFX.</summary>
    public string? ClientKey { get; init; }

    /// <summary>The password of a PFX <see cref="ClientCertificate"/> (or of an encrypted PEM key), as a secret reference; null for none.</summary>
    public string? ClientCertificatePasswordReference { get; init; }

    /// <summary>An API key as a secret reference: sent as <c>Authorization: ApiKey</c> to Elasticsearch and Kibana.</summary>
    public string? ApiKeyReference { get; init; }

    /// <summary>A bearer token as a secret reference: sent as <c>Authorization: Bearer</c> (Grafana service accounts, proxies).</summary>
    public string? BearerTokenReference { get; init; }

    /// <summary>Conditions on the JSON body, such as <c>status == "green"</c>; all must hold.</summary>
    public IReadOnlyList<string> JsonConditions { get; init; } = [];

    /// <summary>Response headers that must match a regular expression, by header name.</summary>
    public IReadOnlyDictionary<string, string> HeaderPatterns { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>An HTTPS certificate expiring within this many days is Degraded; 0 turns the check off. Default 14.</summary>
    public int CertificateExpiryDays { get; init; } = 14;

    /// <summary>Prometheus only: the share of scrape targets down (0 to 1) above which the check is Degraded; null to skip the targets query.</summary>
    public double? MaxTargetsDownRatio { get; init; }

    /// <summary>Kubernetes only: the namespace of the workloads. Default "default".</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Kubernetes only: which workloads to check, as a label selector; empty for all of the namespace.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Kubernetes only: a pod that restarted within this window makes its workload Degraded. Default 15 minutes.</summary>
    public TimeSpan RestartWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Kubernetes only: the kubeconfig file; null for KUBECONFIG, ~/.kube/config, then in-cluster credentials.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Kubernetes only: the kubeconfig context; null for its current context.</summary>
    public string? Context { get; init; }

    /// <summary>Consecutive failures that open the target's circuit breaker, across runs; 0 turns it off. Default 0.</summary>
    public int CircuitBreakerThreshold { get; init; }

    /// <summary>How long an open circuit skips the target before one trial probe. Default 5 minutes.</summary>
    public TimeSpan CircuitBreakerCooldown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How much a failure matters: critical, error, warning or info. Default warning.</summary>
    public HealthSeverity Severity { get; init; } = HealthSeverity.Warning;

    /// <summary>Free-form tags from the catalog (team, tier, environment).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Who answers for the service: a team or a person.</summary>
    public string? Owner { get; init; }

    /// <summary>
    /// Services of the same catalog this one needs (Kibana depends on Elasticsearch): a failure of
    /// this one shortly after theirs joins their incident, which is named as the likely cause.
    /// </summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];
    /// <summary>PromQL queries that describe the service (error rate, latency, saturation), by name: diagnostics bundles run them.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where the definition came from, for error messages: a file and entry, or "parameters".</summary>
    public string Origin { get; init; } = "parameters";
}
