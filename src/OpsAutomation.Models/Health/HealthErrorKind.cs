namespace OpsAutomation.Models.Health;

/// <summary>Why a check was not healthy; <see cref="None"/> when it was.</summary>
public enum HealthErrorKind
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The host name did not resolve.</summary>
    Dns,

    /// <summary>The host actively refused the connection.</summary>
    ConnectionRefused,

    /// <summary>No answer within the attempt's timeout.</summary>
    Timeout,

    /// <summary>The TLS handshake failed (untrusted, expired or mismatched certificate, protocol).</summary>
    Tls,

    /// <summary>The connection was reset or closed before the response was complete.</summary>
    ConnectionReset,

    /// <summary>The peer did not speak the expected protocol (a garbage or malformed response).</summary>
    Protocol,

    /// <summary>Any other network failure (host or network unreachable).</summary>
    Network,

    /// <summary>The HTTP status code was not one of the expected codes.</summary>
    HttpStatus,

    /// <summary>A content condition (such as the body pattern) was not met.</summary>
    Condition,

    /// <summary>The service answered correctly but slower than the allowed response time.</summary>
    SlowResponse,

    /// <summary>The service refused the credentials (HTTP 401 or 403).</summary>
    Authentication,

    /// <summary>The answer was not what the service sends: truncated or malformed JSON, or an unexpected shape.</summary>
    InvalidResponse,

    /// <summary>The service answered and reported itself impaired (an Elasticsearch cluster red, a workload short of replicas).</summary>
    ServiceState,

    /// <summary>The TLS certificate expires within the warning window.</summary>
    CertificateExpiring,

    /// <summary>Not probed because the circuit breaker is open.</summary>
    CircuitOpen,

    /// <summary>Not probed because the check's own configuration cannot be used: a secret reference that does not resolve, a kubeconfig missing or invalid.</summary>
    Configuration,

    /// <summary>Redirects went in a loop or past the limit of 10 hops.</summary>
    Redirect,
}
