using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>A definition with its secrets resolved, ready to probe; it never leaves the engine.</summary>
internal sealed record PreparedCheck(HealthCheckDefinition Definition, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The target as it may be shown: user info and secret query values masked.</summary>
    public required string DisplayTarget { get; init; }

    /// <summary>Why the check cannot run (a secret reference that does not resolve); null when it can. Its result says so, unprobed.</summary>
    public string? ConfigurationError { get; init; }

    /// <summary>The client certificate's password, resolved from its reference; null for none.</summary>
    public string? ClientCertificatePassword { get; init; }
}
