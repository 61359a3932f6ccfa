namespace OpsAutomation.Models.Health;

/// <summary>What to check and how: one entry of a service catalog, or one -Uri of a command line.</summary>
public sealed class HealthCheckDefinition
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

    /// <summary>Where the definition came from, for error messages: a file and entry, or "parameters".</summary>
    public string Origin { get; init; } = "parameters";
}
