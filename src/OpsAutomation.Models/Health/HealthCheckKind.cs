namespace OpsAutomation.Models.Health;

/// <summary>How a target is probed.</summary>
public enum HealthCheckKind
{
    /// <summary>An HTTP or HTTPS request with status, body and response-time conditions.</summary>
    Http,

    /// <summary>A TCP connect to host:port.</summary>
    Tcp,

    /// <summary>Resolution of a host name to at least one address.</summary>
    Dns,
}
